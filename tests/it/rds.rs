//! The `rds` tier kind (issue 13): refused connections and bills by hand, pools that
//! close with their instance, bad input through the real binary, and a run's files.
//! The M/M/c cases (a pool of c connections, and c vCPUs) are in `validation`.

use crate::common::{config_from_str, simcloud, write_file};
use simcloud::model::{Summary, simulate};

/// A web tier of `web` instances (round robin, ample workers, 1 ms of its own, a
/// 4,000 s idle timeout) calling the tier `db` once per request; `db` gives the
/// `[tiers.db.rds]` keys, `extra` more tables.
fn web_db(duration: &str, rate: f64, web: u32, db: &str, extra: &str) -> String {
    format!(
        r#"
name = "rds-test"
duration = "{duration}"
seed = 5
[traffic]
rate = {rate}
[tiers.web]
kind = "ec2"
[tiers.web.service]
time = "1ms"
workers = 1000
queue_limit = "unlimited"
timeout = "4000s"
[tiers.web.autoscaling]
min = {web}
max = {web}
[[tiers.web.calls]]
tier = "db"
[tiers.db]
kind = "rds"
[tiers.db.rds]
{db}
{extra}
"#
    )
}

/// The real binary's `run` of `path` into `out`.
fn run_into(path: &std::path::Path, out: &std::path::Path) -> assert_cmd::assert::Assert {
    simcloud()
        .arg("run")
        .arg(path)
        .arg("--out")
        .arg(out)
        .assert()
}

fn run(text: &str) -> Summary {
    simulate(&config_from_str(text), &mut |_| {}).summary
}

/// Every request counted exactly once, 500s included.
fn conserved(r: &simcloud::model::RequestCounts) {
    assert_eq!(
        r.arrived,
        r.completed + r.rejected + r.timed_out + r.interrupted + r.failed + r.in_flight,
        "{r:?}"
    );
}

/// Four web instances with pools of 10 (40 > 25 = max_connections), and queries that
/// outlast the run (2 h of a 10-minute run): every connection, once open, stays in
/// use. Round robin sends call k to instance k mod 4, so the first 25 calls open 7,
/// 6, 6 and 6 connections; from then on every call finds its pool below 10 with no
/// idle connection, asks for a new one, and the database, at 25, refuses it. By hand:
/// refused = calls − 25, each a 500 at the web tier; 25 calls are still in flight.
#[test]
fn issue_13_connections_beyond_max_connections_are_refused_as_500s() {
    let s = run(&web_db(
        "10m",
        2.0,
        4,
        "max_connections = 25\npool_size = 10\nquery_time = \"2h\"",
        "",
    ));
    let (web, db) = (&s.requests, &s.tiers[1].requests);
    conserved(web);
    conserved(db);
    let rds = s.tiers[1].rds.as_ref().expect("an rds tier");
    assert!(db.arrived > 1000, "about 1,200 calls: {db:?}");
    assert_eq!(rds.refused_connections, db.arrived - 25);
    assert_eq!(db.rejected, db.arrived - 25);
    assert_eq!(web.failed, db.arrived - 25);
    assert_eq!((db.in_flight, web.in_flight), (25, 25));
    assert_eq!(
        (rds.connections_opened, rds.peak_connections_open),
        (25, 25)
    );
    assert_eq!(rds.waited_for_connection, 0);
    // The share the brief asks for: refused / calls = 1 − 25 / calls.
    let share = rds.refused_connections as f64 / db.arrived as f64;
    assert!((share - (1.0 - 25.0 / db.arrived as f64)).abs() < 1e-12);
}

/// The same database with room for every pool (max_connections 40 = 4 × 10): no call
/// is refused; the 41st and later calls wait in their full pools.
#[test]
fn pools_that_fit_are_never_refused() {
    let s = run(&web_db(
        "10m",
        2.0,
        4,
        "max_connections = 40\npool_size = 10\nquery_time = \"2h\"",
        "",
    ));
    let rds = s.tiers[1].rds.as_ref().unwrap();
    assert_eq!(rds.refused_connections, 0);
    assert_eq!(s.requests.failed, 0);
    assert_eq!(rds.peak_connections_open, 40);
    assert_eq!(rds.waited_for_connection, s.tiers[1].requests.arrived - 40);
}

/// Bills by hand (aws-facts.md 7, 16.1, 16.4, 16.5): a 5-minute run pays the 10-minute
/// minimum. db.m5.large MySQL Single-AZ at $0.171/h: 600 s × 0.171 / 3,600 =
/// $0.0285; 100 GB of gp3 for 300 s of a 730-hour month at $0.115/GB-month:
/// 100 × 300 / 2,628,000 × 0.115 = $0.001312785. Multi-AZ bills the standby's
/// instance and storage too: twice each.
#[test]
fn issue_13_single_az_and_multi_az_bills_with_the_ten_minute_minimum() {
    let storage = 100.0 * 300.0 / 2_628_000.0 * 0.115;
    for (multi_az, expected) in [(false, 0.0285 + storage), (true, 2.0 * (0.0285 + storage))] {
        let s = run(&web_db(
            "5m",
            1.0,
            1,
            &format!("class = \"db.m5.large\"\nstorage_gb = 100\nmulti_az = {multi_az}"),
            "",
        ));
        let cost = &s.tiers[1].cost_usd;
        assert!(
            (cost.total - expected).abs() < 1e-6,
            "{cost:?} vs {expected}"
        );
        assert_eq!(cost.rds, cost.total);
        assert!((s.cost_usd.rds - expected).abs() < 1e-6);
        assert!((s.cost_usd.total - s.tiers[0].cost_usd.total - cost.total).abs() < 2e-6);
    }
}

/// Two hours of PostgreSQL db.r6g.large ($0.225/h) Multi-AZ with two read replicas:
/// four DB instances × 2 h × 0.225 = $1.80; 50 GB × 4 copies for 7,200 s of a
/// 730-hour month at $0.115: 200 × 7,200 / 2,628,000 × 0.115 = $0.063013699. The
/// bill's lines: one per DB instance and one for the storage, adding up to the total.
#[test]
fn issue_13_replicas_and_standby_are_billed_per_instance() {
    let config = config_from_str(&web_db(
        "2h",
        1.0,
        1,
        "engine = \"postgres\"\nclass = \"db.r6g.large\"\nmulti_az = true\nread_replicas = 2\nread_share = 0.5\nstorage_gb = 50",
        "",
    ));
    let outcome = simulate(&config, &mut |_| {});
    let cost = &outcome.summary.tiers[1].cost_usd;
    let expected = 1.80 + 200.0 * 7200.0 / 2_628_000.0 * 0.115;
    assert!((cost.total - expected).abs() < 1e-6, "{cost:?}");
    let lines: Vec<_> = outcome
        .cost_items
        .iter()
        .filter(|i| i.tier == "db")
        .collect();
    let names: Vec<&str> = lines.iter().map(|i| i.item.as_str()).collect();
    assert_eq!(
        names,
        [
            "db_instance_primary",
            "db_instance_standby",
            "db_instance_replica-1",
            "db_instance_replica-2",
            "db_storage_gp3"
        ]
    );
    let sum: f64 = lines.iter().map(|i| i.cost_usd).sum();
    assert!((sum - cost.total).abs() < 1e-6);
    // PostgreSQL's formula on 16 GiB: 17,179,869,184 / 9,531,392 = 1,802.
    let rds = outcome.summary.tiers[1].rds.as_ref().unwrap();
    assert_eq!(rds.max_connections, 1802);
    // Half the calls read, on the replicas; the standby serves nothing.
    let (primary, replicas) = (rds.queries_primary as f64, rds.queries_replicas as f64);
    let share = replicas / (primary + replicas);
    // About 7,200 calls: the read share's SE is 0.5 / sqrt(7,200) = 0.006; 5 SE.
    assert!((share - 0.5).abs() < 0.03, "{share}");
    assert!(rds.replica_cpu.is_some());
}

/// When the web tier scales in, the stopped instances' pools close: the database's
/// open connections (in use + idle, the timeline's `in_service_on_demand` and
/// `warm_pool` columns) fall from four pools' worth (up to 20) to at most one pool's
/// (5). 200 calls/s of 20 ms keep about 4 connections busy, so each of the four pools
/// opens several before the scheduled action leaves one instance at 10 minutes.
#[test]
fn pools_close_when_their_instance_stops() {
    let text = web_db(
        "30m",
        200.0,
        4,
        "pool_size = 5\nquery_time = { dist = \"exponential\", mean = \"20ms\" }",
        "[tiers.web.load_balancer]\nderegistration_delay = \"5s\"\n[[tiers.web.autoscaling.scheduled]]\nat = \"10m\"\nmin = 1\nmax = 1",
    );
    let config = config_from_str(&text);
    let mut last = None;
    let s = simcloud::model::simulate_observed(&config, &mut Last(&mut last)).summary;
    conserved(&s.requests);
    assert_eq!(s.instances.terminated, 3);
    let rds = s.tiers[1].rds.as_ref().unwrap();
    assert!(rds.peak_connections_open > 5, "{rds:?}");
    let open_at_end = last.expect("a row");
    assert!(
        open_at_end <= 5,
        "{open_at_end} connections open at the end"
    );
}

/// A Multi-AZ failover of exactly 60 s at 10 minutes (aws-facts.md 16.1), on the
/// boundary of a timeline row: calls fail rather than wait, so every call that
/// arrives in the row [600 s, 660 s) finds no primary and is refused (500), the calls
/// on the primary at 600 s are cut off (interrupted), and the next row fails none:
/// the pools reconnect. By hand, with `rejections` and `interruptions` of
/// `timeline-db.csv`: row 10 has rejections = arrivals, rows after it none, and the
/// web tier's 500s are the database's rejected + interrupted calls.
#[test]
fn issue_13_calls_fail_during_a_multi_az_failover_and_reconnect_after() {
    let (s, rows) = failover_of_60s_at_10m("");
    let db = &s.tiers[1].requests;
    conserved(&s.requests);
    let rds = s.tiers[1].rds.as_ref().unwrap();
    assert_eq!(rds.failovers, 1);
    assert_eq!(rds.failover_errors, db.rejected + db.interrupted);
    assert_eq!(s.requests.failed, db.rejected + db.interrupted);
    let during = &rows[10];
    assert_eq!((during.start_s, during.unhealthy), (600.0, 1));
    assert_eq!(during.rejections, during.arrivals);
    assert!(during.arrivals > 5000, "{during:?}");
    // The cut-off calls were on the primary at 600 s: counted in the failover's row.
    assert_eq!(rows[9].interruptions, 0);
    assert_eq!(
        during.rejections + during.interruptions,
        db.rejected + db.interrupted
    );
    for row in rows.iter().skip(11) {
        assert_eq!((row.rejections, row.unhealthy), (0, 0), "{row:?}");
    }
}

/// A failover without a duration lasts 60 to 120 s, drawn (aws-facts.md 16.1): at
/// 100 calls/s, the calls it fails are 100 × the duration, ± a Poisson spread of
/// about 110 (5 SE of sqrt(12,000) in the worst case: 550).
#[test]
fn a_failover_without_a_duration_lasts_60_to_120_seconds() {
    for seed in 1..=4 {
        let text = web_db(
            "15m",
            100.0,
            2,
            "multi_az = true",
            "[[tiers.db.failover]]\nat = \"5m\"",
        )
        .replace("seed = 5", &format!("seed = {seed}"));
        let s = run(&text);
        let failed = s.requests.failed as f64;
        assert!(
            (6000.0 - 550.0..=12000.0 + 550.0).contains(&failed),
            "{failed}"
        );
    }
}

/// The refusal case above behind RDS Proxy (aws-facts.md 16.3): the pools connect
/// to the proxy, which never refuses them, and lends its at most 25 database
/// connections (100 % of max_connections) one call at a time. By hand: no call is
/// refused; the proxy opens 25; the pools open 40 connections to it (4 × 10), so 15
/// calls wait at the proxy and every later call waits in its full pool.
#[test]
fn issue_13_rds_proxy_lends_its_connections_instead_of_refusing() {
    let s = run(&web_db(
        "10m",
        2.0,
        4,
        "max_connections = 25\npool_size = 10\nquery_time = \"2h\"\nproxy = true",
        "",
    ));
    let db = &s.tiers[1].requests;
    let rds = s.tiers[1].rds.as_ref().unwrap();
    conserved(db);
    assert_eq!((rds.refused_connections, s.requests.failed), (0, 0));
    assert_eq!(
        (rds.connections_opened, rds.peak_connections_open),
        (25, 25)
    );
    assert_eq!(rds.waited_for_proxy, Some(15));
    assert_eq!(rds.waited_for_connection, db.arrived - 40);
    assert_eq!(db.in_flight, db.arrived);
}

/// RDS Proxy's bill (aws-facts.md 16.3): $0.015 per vCPU-hour of the primary. A
/// db.m5.xlarge (4 vCPUs) for 2 h: 4 × 0.015 × 2 = $0.12; a db.t3.micro (2 vCPUs,
/// the proxy's minimum) for 5 minutes pays the 10-minute minimum: 2 × 0.015 / 6 =
/// $0.005.
#[test]
fn rds_proxy_is_billed_per_vcpu_hour_of_the_primary() {
    for (duration, class, expected) in [("2h", "db.m5.xlarge", 0.12), ("5m", "db.t3.micro", 0.005)]
    {
        let config = config_from_str(&web_db(
            duration,
            1.0,
            1,
            &format!("class = \"{class}\"\nproxy = true\nmulti_az = true"),
            "",
        ));
        let outcome = simulate(&config, &mut |_| {});
        let proxy: Vec<_> = outcome
            .cost_items
            .iter()
            .filter(|i| i.item == "rds_proxy")
            .collect();
        assert_eq!(proxy.len(), 1);
        assert!(
            (proxy[0].cost_usd - expected).abs() < 1e-9,
            "{:?}",
            proxy[0]
        );
    }
}

/// The failover above behind RDS Proxy: the pools' connections to the proxy survive,
/// and calls wait for the new primary instead of failing. Only the calls on the
/// primary when it is lost fail (interrupted at the database, 500 at the web tier);
/// the failover's row refuses and completes none, and its backlog (the calls holding
/// the web tier's 2,000 workers) completes once the standby has taken over.
#[test]
fn issue_13_behind_rds_proxy_calls_wait_during_a_failover() {
    let (s, rows) = failover_of_60s_at_10m("proxy = true");
    let db = &s.tiers[1].requests;
    let rds = s.tiers[1].rds.as_ref().unwrap();
    assert_eq!(db.rejected, 0);
    assert_eq!(s.requests.failed, db.interrupted);
    assert_eq!(rds.failover_errors, db.interrupted);
    assert!(db.interrupted <= 10, "{db:?}");
    assert_eq!(rows[10].rejections, 0);
    assert_eq!(rows[10].completions, 0);
    // The backlog of the failover's minute clears in the next.
    assert!(rows[11].completions > rows[11].arrivals, "{:?}", rows[11]);
    // Each of the 2 × 5 pool connections to the proxy waited for the new primary.
    assert!(rds.waited_for_proxy.unwrap() >= 10);
}

/// RDS reserved instances (aws-facts.md 16.6), settled per clock hour as EC2's (1.3).
/// db.m5.large MySQL at $0.171/h; 1 year no upfront at 0.70 × on-demand: $0.1197 per
/// reserved instance-hour, paid every clock hour begun. By hand, storage left out:
/// - Multi-AZ, 2 h, 1 reserved: instances 2 × 2 × 0.171 = 0.684; the reservation
///   covers one of the two instance-hours each hour: −2 × 0.171 = −0.342; fee
///   2 × 0.1197 = 0.2394; total 0.5814;
/// - Single-AZ, 2 h, 3 reserved: 0.342 − 0.342 + 3 × 2 × 0.1197 = 0.7182 (two
///   reservations unused, still paid);
/// - Single-AZ, 5 minutes, 1 reserved: the 600 s minimum, 0.0285, is covered, and
///   the one clock hour begun is paid: 0.1197.
#[test]
fn issue_13_rds_reservations_are_paid_hourly_and_cover_instance_hours() {
    for (duration, multi_az, count, expected) in [
        ("2h", true, 1, 0.5814),
        ("2h", false, 3, 0.7182),
        ("5m", false, 1, 0.1197),
    ] {
        let config = config_from_str(&web_db(
            duration,
            1.0,
            1,
            &format!(
                "class = \"db.m5.large\"\nmulti_az = {multi_az}\nreserved = [{{ count = {count}, term = \"1y\", payment = \"no_upfront\" }}]"
            ),
            "",
        ));
        let outcome = simulate(&config, &mut |_| {});
        let storage: f64 = outcome
            .cost_items
            .iter()
            .filter(|i| i.item == "db_storage_gp3")
            .map(|i| i.cost_usd)
            .sum();
        let db = outcome.summary.tiers[1].cost_usd.total;
        assert!(
            (db - storage - expected).abs() < 1e-6,
            "{duration} multi_az {multi_az} × {count}: {db} - {storage} vs {expected}"
        );
    }
}

/// 15 minutes of 100 calls/s from two web instances to a Multi-AZ database (`db`
/// adds keys) that fails over at 10 minutes for exactly 60 s: the summary (its
/// database's counts checked for conservation) and the database's timeline rows.
fn failover_of_60s_at_10m(db: &str) -> (Summary, Vec<simcloud::model::TimelineRow>) {
    let text = web_db(
        "15m",
        100.0,
        2,
        &format!(
            "multi_az = true\nquery_time = {{ dist = \"exponential\", mean = \"5ms\" }}\n{db}"
        ),
        "[[tiers.db.failover]]\nat = \"10m\"\nduration = \"60s\"",
    );
    let mut rows = Vec::new();
    let s =
        simcloud::model::simulate_observed(&config_from_str(&text), &mut Rows(&mut rows)).summary;
    conserved(&s.tiers[1].requests);
    (s, rows)
}

/// Keeps the database tier's timeline rows.
struct Rows<'a>(&'a mut Vec<simcloud::model::TimelineRow>);

impl simcloud::model::RunObserver for Rows<'_> {
    fn row(&mut self, tier: usize, row: &simcloud::model::TimelineRow) {
        if tier == 1 {
            self.0.push(row.clone());
        }
    }
    fn cost_item(&mut self, _: &simcloud::model::CostItem) {}
}

/// Keeps the database tier's open connections of the last timeline row.
struct Last<'a>(&'a mut Option<u32>);

impl simcloud::model::RunObserver for Last<'_> {
    fn row(&mut self, tier: usize, row: &simcloud::model::TimelineRow) {
        if tier == 1 {
            *self.0 = Some(row.in_service_on_demand + row.warm_pool);
        }
    }
    fn cost_item(&mut self, _: &simcloud::model::CostItem) {}
}

/// The real binary on the refusal case: the loader notes that the pools could open
/// more than `max_connections`; the terminal says how many requests failed with 500
/// and what the database did; the run folder has the database's timeline,
/// its summary (with `requests.failed` and `tiers.db.rds`), its bill lines and the
/// page's database paragraph.
#[test]
fn a_run_with_a_database_writes_its_files_and_says_what_the_database_did() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_file(
        dir.path(),
        "db.toml",
        &web_db(
            "10m",
            2.0,
            4,
            "max_connections = 25\npool_size = 10\nquery_time = \"2h\"",
            "",
        ),
    );
    let out = dir.path().join("out");
    let assert = run_into(&path, &out).success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("failed 500"), "{stdout}");
    // Pools of 10 on 4 instances at most: 40 > 25, which the loader notes.
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(
        stderr.contains(
            "tiers.db.rds.pool_size × the callers' instances at their maximum is 40 connections"
        ),
        "{stderr}"
    );
    assert!(
        stdout.contains("db: 25 connections accepted, peak 25 open"),
        "{stdout}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let failed = summary["requests"]["failed"].as_u64().unwrap();
    let refused = summary["tiers"]["db"]["rds"]["refused_connections"]
        .as_u64()
        .unwrap();
    assert!(failed > 1000 && failed == refused, "{failed} {refused}");
    assert!(summary["cost_usd"]["rds"].as_f64().unwrap() > 0.0);
    let timeline = std::fs::read_to_string(out.join("timeline-db.csv")).unwrap();
    assert_eq!(timeline.lines().count(), 11);
    let cost = std::fs::read_to_string(out.join("cost.csv")).unwrap();
    assert!(
        cost.contains("db_instance_primary,rds,db.m5.large"),
        "{cost}"
    );
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(page.contains("<p>The database: 25 connections accepted"));
    assert!(page.contains("failed (500)"));
}

/// Bad input is exit 2 naming the file, the line and the key, and writes nothing.
#[test]
fn issue_13_bad_rds_input_is_exit_2_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "class = \"db.x9.huge\"",
            "",
            "tiers.db.rds.class",
            "is not a DB instance class",
        ),
        (
            // db.t3.micro MySQL: 1 GiB / 12,582,880 = 85 connections.
            "class = \"db.t3.micro\"\npool_size = 86",
            "",
            "tiers.db.rds.pool_size",
            "larger than the 85 connections",
        ),
        (
            "read_replicas = 16",
            "",
            "tiers.db.rds.read_replicas",
            "between 0 and 15",
        ),
        (
            "",
            "[tiers.db.service]\ntime = \"5ms\"",
            "tiers.db.service",
            "rds.query_time",
        ),
        (
            "",
            "[[tiers.db.failover]]\nat = \"30m\"",
            "tiers.db.failover[0].at",
            "a Single-AZ database has none",
        ),
        (
            "multi_az = true",
            "[[tiers.db.failover]]\nat = \"30m\"\n[[tiers.db.failover]]\nat = \"31m\"",
            "tiers.db.failover[1].at",
            "starts before failover[0] has ended",
        ),
        (
            "reserved = [{ count = 1, term = \"1y\", payment = \"all_upfront\" }]",
            "",
            "tiers.db.rds.reserved[0].payment",
            "no documented RDS discount",
        ),
        (
            "",
            "[tiers.db.autoscaling]\nmin = 1",
            "tiers.db.autoscaling",
            "is not a table of a tier of kind \"rds\"",
        ),
    ];
    for (db, extra, key, message) in cases {
        let path = write_file(dir.path(), "bad.toml", &web_db("1h", 1.0, 1, db, extra));
        let out = dir.path().join("out");
        let assert = run_into(&path, &out).code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(stderr.contains(key), "{key}: {stderr}");
        assert!(stderr.contains(message), "{message}: {stderr}");
        assert!(stderr.contains("bad.toml:"), "no file:line: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!out.exists(), "something was written for {key}");
    }
}

/// An rds tier cannot be the entry tier: it is called.
#[test]
fn an_rds_tier_receives_no_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let text = "name = \"x\"\nduration = \"1h\"\n[traffic]\nrate = 1\n[tiers.db]\nkind = \"rds\"\n";
    let path = write_file(dir.path(), "entry.toml", text);
    let assert = simcloud().arg("validate").arg(&path).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("tiers.db.kind"), "{stderr}");
    assert!(stderr.contains("cannot receive [traffic]"), "{stderr}");
}
