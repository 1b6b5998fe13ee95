//! The `rds` tier kind: an Amazon RDS database (MySQL or PostgreSQL) that other tiers
//! call (issue 13). A call is one transaction: it takes a connection from its calling
//! instance's pool, runs its queries one after the other on that connection, and gives
//! the connection back.
//!
//! The rules, with their sources in `reference/aws-facts.md`:
//! - Connection pools. Each instance of a calling tier keeps a pool per endpoint (the
//!   primary's, and the replicas' for reads) of at most `pool_size` connections,
//!   opened as calls need them and kept open while the instance runs, as SQLAlchemy's
//!   `QueuePool` does (the pool of a Flask application under gunicorn; no overflow).
//!   A call takes an idle connection (the most recently returned), else opens one if
//!   the pool is below `pool_size`, else waits first come first served for one to come
//!   back: a call waits without a limit of its own, the calling tier's load balancer
//!   timeout answers its client. When the caller's instance stops, its pool closes
//!   (connections in use close when their call ends).
//! - `max_connections` per DB instance (aws-facts.md 7): an attempt to open one more
//!   is refused ("Too many connections"): the call fails at once, counted here as
//!   rejected and `refused_connections`, and its caller answers its own client 500
//!   (`requests.failed`). Pools never retry a refused connection for a waiting call.
//! - Queries run on the DB instance's vCPUs, one vCPU each for its `query_time`,
//!   first come first served (a queue per DB instance): a busy database makes every
//!   query slower, as aws-facts.md 7's "service time grows with CPU utilisation"
//!   says, here through queueing rather than a formula.
//! - Read replicas (16.2): a call is a read with probability `read_share`; with
//!   replicas, a read uses the replicas' endpoint: a new connection goes to the
//!   replica with the fewest open (the application spreads its connections; RDS for
//!   MySQL and PostgreSQL has no reader endpoint). Writes use the primary. Replication
//!   lag is not modelled: it delays what a read sees, not how long it takes.
//! - The Multi-AZ standby (16.1) serves nothing; it is billed (`billing::rds`).
//! - A Multi-AZ failover (`[[tiers.<name>.failover]]`, 16.1) loses the primary for
//!   its duration (60-120 s, "typically"; drawn uniformly unless given). Calls fail
//!   during it rather than wait: the calls on the primary (running or queued) are cut
//!   off, every connection to it breaks, calls waiting for a pooled connection to it
//!   and calls that try to connect until the standby has taken over get an error
//!   ("the endpoint's DNS changes on failover; clients must reconnect"): each a 500 at
//!   the caller, counted here as interrupted (cut off) or rejected (no primary) and in
//!   `failover_errors`. Pools reconnect as calls need connections afterwards. Reads on
//!   the replicas go on.
//!
//! Each call's query times come from a generator seeded from the tier's stream at the
//! call's arrival, with its read-or-write draw, so that strategies compared under one
//! seed see the same calls whatever order their queries run in.
//!
//! The timeline row maps the database onto the instance columns, as the lambda kind
//! does: `in_service_on_demand` the connections running a call, `warm_pool` the open
//! idle connections, `pending_on_demand` the calls waiting for a pooled connection,
//! `draining_on_demand` the queries waiting for a vCPU, `desired` the DB instances
//! (primary, standby, replicas), `mean_cpu` the busy share of every serving DB
//! instance's vCPUs; `rejections` are refused connections. The whole bill so far is in
//! `cost_usd`.
//!
//! - RDS Proxy (`proxy`, 16.3) in front of the primary: the pools' connections for
//!   writes go to the proxy, which never refuses them; the proxy lends one of its own
//!   database connections (at most `MaxConnectionsPercent`, default 100 %, of
//!   `max_connections`, opened as needed and kept) to a call for its transaction
//!   ("reuse a connection after each transaction": multiplexing, no pinning), and
//!   calls wait first come first served when all are lent. During a failover the
//!   pools' connections to the proxy stay up and calls wait for the new primary
//!   instead of failing; calls on the primary when it is lost still fail. The borrow
//!   timeout (120 s) is not modelled: a failover lasts at most 120 s unless a scenario
//!   says longer. Reads to replicas do not go through the proxy.
//!
//! - Zones (`[network]`, aws-facts.md 16.1, 17): the primary runs in the first zone,
//!   a Multi-AZ standby in the second (the first too with one zone). An outage of the
//!   primary's zone is another cause of the same failover: the standby takes over
//!   after a drawn 60-120 s, and the primary and standby trade zones (as a scheduled
//!   failover's do). With no standby, or the standby's zone down too, the primary is
//!   lost, as during a failover, until its zone is back. Read replicas are not placed
//!   in zones: an outage does not touch them.
//!
//! Not modelled: connection setup time, transactions that span calls, the proxy's
//! pinning and its own limits on client connections, storage I/O limits, T-class CPU
//! credits.

use super::billing::data_transfer;
use super::billing::rds as bill;
use super::calls::{Answer, Caller, Slab};
use super::config::{Config, Network, RdsConfig, SloConfig, TierConfig};
use super::dist::DurationSampler;
use super::event::Event;
use super::metrics::Metrics;
use super::outcome::*;
use super::serving::answer;
use super::sim::{Ctx, Service};
use crate::engine::{RngStreams, SimDuration, SimRng, SimTime, TimeIntegral};
use rand::{Rng, SeedableRng};
use std::collections::{BTreeMap, VecDeque};

/// The primary is server 0; replica `i` (from 1) is server `i`.
const PRIMARY: u16 = 0;
/// What a pool's connection leads to when it goes to RDS Proxy.
const PROXY: u16 = u16::MAX;

/// RDS Proxy's database connections, lent to one call at a time.
#[derive(Default)]
struct Proxy {
    /// Its connections to the primary, and how many are lent.
    open: u32,
    lent: u32,
    /// Calls (with their pool's connection) waiting for one.
    waiting: VecDeque<u32>,
}

/// A quantity that changes in steps, with its time integral.
#[derive(Default)]
struct Level {
    value: u64,
    area: TimeIntegral,
}

impl Level {
    fn add(&mut self, now: SimTime, delta: i64) {
        self.area.advance(now, self.value);
        self.value = self
            .value
            .checked_add_signed(delta)
            .expect("a level stays >= 0");
    }

    fn area_at(&self, now: SimTime) -> u128 {
        self.area.at(now, self.value)
    }
}

/// One DB instance that serves queries: the primary or a read replica.
struct Server {
    vcpu: u32,
    /// vCPUs running a query.
    busy: Level,
    /// Queries waiting for a vCPU: the call's slot and its query time [ns].
    queue: VecDeque<(u32, u64)>,
    /// Connections open to it.
    open: u32,
    queries: u64,
    /// Answers nothing (the primary during a failover).
    down: bool,
}

/// The connections one calling instance keeps to one endpoint.
#[derive(Default)]
struct Pool {
    /// Connections open, idle or in use.
    open: u32,
    /// The servers of its idle connections, most recently returned last.
    idle: Vec<u16>,
    /// Calls waiting for a connection, first come first served.
    waiting: VecDeque<u32>,
    /// Its instance has stopped: connections close as they come back.
    closing: bool,
}

/// A pool's owner: the calling tier, its instance, and whether it is the pool of the
/// replicas' endpoint.
type PoolKey = (u8, u32, bool);

/// A call on the database, from its arrival until it is answered.
struct DbCall {
    caller: Caller,
    arrived_at: SimTime,
    pool: PoolKey,
    /// The server of its connection, once it has one.
    server: Option<u16>,
    queries_left: u32,
    /// Its query times.
    rng: SimRng,
    /// Its pool's connection goes to RDS Proxy, which lent it a database connection.
    via_proxy: bool,
}

/// One database (`kind = "rds"`): its DB instances, the pools its callers keep, the
/// calls on it, its bill.
pub(super) struct RdsTier<'a> {
    config: &'a TierConfig,
    db: &'a RdsConfig,
    network: &'a Network,
    /// The run's tiers, whose `calls` entries give the bytes of a call.
    tiers: &'a [TierConfig],
    /// Bytes of calls that crossed from their caller's zone into the primary's
    /// (`billing::data_transfer`).
    inter_az_bytes: u64,
    /// The zones of the primary and of the Multi-AZ standby.
    primary_zone: usize,
    standby_zone: usize,
    /// The primary is lost with its zone, with no standby to take over, until the
    /// zone is back.
    lost_with_zone: bool,
    /// The durations of failovers an outage causes.
    outage_failover_rng: SimRng,
    servers: Vec<Server>,
    /// RDS Proxy, if the database has one.
    proxy: Option<Proxy>,
    pools: BTreeMap<PoolKey, Pool>,
    calls: Slab<DbCall>,
    query: DurationSampler,
    /// Per call: its read-or-write draw and the seed of its query times.
    call_rng: SimRng,
    /// The failovers' durations.
    failover_rng: SimRng,
    metrics: Metrics,
    in_use: Level,
    waiting: Level,
    queued: Level,
    open: u32,
    summary: RdsSummary,
    wait_sum_nanos: u128,
    got_connection: u64,
    // Marks at the previous timeline row.
    last_report_at: SimTime,
    last_busy_area: u128,
}

impl<'a> RdsTier<'a> {
    pub(super) fn new(
        config: &'a TierConfig,
        _index: u8,
        streams: &RngStreams,
        end: SimTime,
        slo: &SloConfig,
        run: &'a Config,
    ) -> Self {
        let network = &run.network;
        let db = config.rds.as_ref().expect("an rds tier has its database");
        let servers = (0..=db.read_replicas)
            .map(|_| Server {
                vcpu: db.vcpu,
                busy: Level::default(),
                queue: VecDeque::new(),
                open: 0,
                queries: 0,
                down: false,
            })
            .collect();
        RdsTier {
            config,
            db,
            network,
            tiers: &run.tiers,
            inter_az_bytes: 0,
            primary_zone: 0,
            standby_zone: usize::from(network.zones.len() > 1),
            lost_with_zone: false,
            outage_failover_rng: streams.stream("outage_failover"),
            servers,
            proxy: db.proxy.then(Proxy::default),
            pools: BTreeMap::new(),
            calls: Slab::default(),
            query: DurationSampler::new(&db.query_time),
            call_rng: streams.stream("calls"),
            failover_rng: streams.stream("failover"),
            // A call has no timeout of its own: it can last the whole run.
            metrics: Metrics::new(end.since(SimTime::ZERO), slo),
            in_use: Level::default(),
            waiting: Level::default(),
            queued: Level::default(),
            open: 0,
            summary: RdsSummary {
                max_connections: db.max_connections,
                waited_for_proxy: db.proxy.then_some(0),
                ..RdsSummary::default()
            },
            wait_sum_nanos: 0,
            got_connection: 0,
            last_report_at: SimTime::ZERO,
            last_busy_area: 0,
        }
    }

    /// A new connection for a call of `pool`: to the primary, or for the replicas'
    /// endpoint to the replica with the fewest open (the lowest first on a tie); `None`
    /// when that server has `max_connections` open and refuses it, or is failing over.
    fn connect(&mut self, reader: bool) -> Option<u16> {
        let server = match reader {
            false if self.proxy.is_some() => return Some(PROXY),
            false => PRIMARY,
            true => (1..self.servers.len() as u16)
                .min_by_key(|&s| self.servers[s as usize].open)
                .expect("a replicas' pool exists only with replicas"),
        };
        let s = &self.servers[server as usize];
        if s.down {
            self.summary.failover_errors += 1;
            return None;
        }
        if s.open >= self.db.max_connections {
            self.summary.refused_connections += 1;
            return None;
        }
        self.opened(server);
        Some(server)
    }

    fn close(&mut self, server: u16) {
        if server != PROXY {
            self.servers[server as usize].open -= 1;
            self.open -= 1;
        }
    }

    /// One more database connection open to `server`.
    fn opened(&mut self, server: u16) {
        self.servers[server as usize].open += 1;
        self.open += 1;
        self.summary.connections_opened += 1;
        self.summary.peak_connections_open = self.summary.peak_connections_open.max(self.open);
    }

    /// The call in `slot` has its pool's connection to `server`: it starts, or, through
    /// RDS Proxy, asks the proxy for a database connection.
    fn connected(&mut self, ctx: &mut Ctx<'_>, slot: u32, server: u16) {
        if server != PROXY {
            return self.start(ctx, slot, server);
        }
        self.calls.get_mut(slot).via_proxy = true;
        let cap = self.db.max_connections;
        let up = !self.servers[PRIMARY as usize].down;
        let proxy = self.proxy.as_mut().expect("a proxy connection has a proxy");
        if up && proxy.lent < cap {
            proxy.lent += 1;
            if proxy.lent > proxy.open {
                proxy.open += 1;
                self.opened(PRIMARY);
            }
            return self.start(ctx, slot, PRIMARY);
        }
        proxy.waiting.push_back(slot);
        *self.summary.waited_for_proxy.get_or_insert(0) += 1;
        self.waiting.add(ctx.now, 1);
    }

    /// A call gives its database connection back to RDS Proxy: the next call waiting
    /// for one takes it.
    fn proxy_returned(&mut self, ctx: &mut Ctx<'_>) {
        let proxy = self.proxy.as_mut().expect("a call via the proxy");
        match proxy.waiting.pop_front() {
            Some(next) => {
                self.waiting.add(ctx.now, -1);
                self.start(ctx, next, PRIMARY);
            }
            None => proxy.lent -= 1,
        }
    }

    /// The call in `slot` has its connection to `server`: it runs its first query.
    fn start(&mut self, ctx: &mut Ctx<'_>, slot: u32, server: u16) {
        let now = ctx.now;
        self.in_use.add(now, 1);
        let call = self.calls.get_mut(slot);
        call.server = Some(server);
        let wait = now.since(call.arrived_at).0;
        self.got_connection += 1;
        self.wait_sum_nanos += u128::from(wait);
        self.metrics.queueing.service_started(wait);
        self.issue(ctx, slot);
    }

    /// The next query of the call in `slot` reaches its server's vCPUs.
    fn issue(&mut self, ctx: &mut Ctx<'_>, slot: u32) {
        let call = self.calls.get_mut(slot);
        let nanos = self.query.sample(&mut call.rng);
        let server = call.server.expect("a call with a connection queries") as usize;
        let s = &mut self.servers[server];
        s.queries += 1;
        if s.busy.value < u64::from(s.vcpu) {
            s.busy.add(ctx.now, 1);
            self.schedule_end(ctx, slot, nanos);
        } else {
            s.queue.push_back((slot, nanos));
            self.queued.add(ctx.now, 1);
        }
    }

    fn schedule_end(&mut self, ctx: &mut Ctx<'_>, slot: u32, nanos: u64) {
        let generation = self.calls.generation(slot);
        let event = Event::QueryEnded {
            tier: ctx.tier,
            call: slot,
            generation,
        };
        ctx.queue.schedule(ctx.now + SimDuration(nanos), event);
    }

    /// A query of the call in `slot` ended: its vCPU takes the next query waiting, and
    /// the call runs its next query or is done.
    fn query_ended(&mut self, ctx: &mut Ctx<'_>, slot: u32) {
        let now = ctx.now;
        let server = self
            .calls
            .get(slot)
            .server
            .expect("a querying call has a server");
        let s = &mut self.servers[server as usize];
        match s.queue.pop_front() {
            Some((next, nanos)) => {
                self.queued.add(now, -1);
                self.schedule_end(ctx, next, nanos);
            }
            None => s.busy.add(now, -1),
        }
        let call = self.calls.get_mut(slot);
        call.queries_left -= 1;
        if call.queries_left > 0 {
            return self.issue(ctx, slot);
        }
        let call = self.calls.remove(slot);
        self.in_use.add(now, -1);
        self.metrics.queueing.in_system_changed(now, -1);
        self.metrics.completed(now.since(call.arrived_at).0);
        // The call's request and response crossed zones if its caller runs in
        // another zone than the primary (reads on replicas are not placed in zones).
        if server == PRIMARY
            && call
                .caller
                .zone()
                .is_some_and(|z| usize::from(z) != self.primary_zone)
        {
            let tier = call.caller.tier().expect("an rds tier is called");
            let entry = &self.tiers[usize::from(tier)].calls[call.caller.call()];
            self.inter_az_bytes += entry.request_bytes + entry.response_bytes;
        }
        answer(ctx, call.caller, Answer::Ok);
        match call.via_proxy {
            true => {
                self.proxy_returned(ctx);
                self.give_back(ctx, call.pool, PROXY);
            }
            false => self.give_back(ctx, call.pool, server),
        }
    }

    /// A connection to `server` comes back to its pool: the next waiting call takes
    /// it, or it stays idle, or it closes with a closing pool.
    fn give_back(&mut self, ctx: &mut Ctx<'_>, key: PoolKey, server: u16) {
        let pool = self
            .pools
            .get_mut(&key)
            .expect("a connection's pool exists");
        if pool.closing {
            pool.open -= 1;
            if pool.open == 0 {
                self.pools.remove(&key);
            }
            return self.close(server);
        }
        match pool.waiting.pop_front() {
            Some(next) => {
                self.waiting.add(ctx.now, -1);
                self.connected(ctx, next, server);
            }
            None => pool.idle.push(server),
        }
    }

    /// The call in `slot` fails with `outcome` for its caller: counted as rejected
    /// (refused a connection) or, if `cut_off`, interrupted (its caller stopped, or
    /// the primary it ran on was lost).
    fn fail(&mut self, ctx: &mut Ctx<'_>, slot: u32, outcome: Answer, cut_off: bool) {
        let call = self.calls.remove(slot);
        self.metrics.queueing.in_system_changed(ctx.now, -1);
        match cut_off {
            true => self.metrics.interrupted(1),
            false => self.metrics.rejected(),
        }
        answer(ctx, call.caller, outcome);
    }

    /// A Multi-AZ failover starts (scheduled, or its primary's zone went down): the
    /// primary is lost until the standby has taken over, `duration` from now, in its
    /// own zone.
    fn failover_started(&mut self, ctx: &mut Ctx<'_>, duration: SimDuration) {
        self.summary.failovers += 1;
        std::mem::swap(&mut self.primary_zone, &mut self.standby_zone);
        self.lose_primary(ctx);
        let event = Event::FailoverEnded { tier: ctx.tier };
        ctx.queue.schedule(ctx.now + duration, event);
    }

    /// The primary is back: calls waiting at the proxy go on, as many as it may
    /// connect.
    fn primary_back(&mut self, ctx: &mut Ctx<'_>) {
        self.servers[PRIMARY as usize].down = false;
        while let Some(proxy) = &mut self.proxy {
            if proxy.lent >= self.db.max_connections {
                break;
            }
            let Some(next) = proxy.waiting.pop_front() else {
                break;
            };
            self.waiting.add(ctx.now, -1);
            self.connected(ctx, next, PROXY);
        }
    }

    /// The zone goes down: a primary there fails over to its standby, or is lost
    /// with it (see the module's doc).
    fn zone_failed(&mut self, ctx: &mut Ctx<'_>, zone: usize) {
        if zone != self.primary_zone || self.lost_with_zone {
            return;
        }
        let t = ctx.now.since(SimTime::ZERO);
        let standby_up = self.standby_zone != zone && !self.network.down(self.standby_zone, t);
        if self.db.multi_az && standby_up {
            // aws-facts.md 16.1: "typically 60-120 seconds".
            let drawn = self.outage_failover_rng.random_range(60..=120);
            self.failover_started(ctx, SimDuration::from_secs(drawn));
        } else {
            self.lost_with_zone = true;
            self.lose_primary(ctx);
        }
    }

    /// The primary is lost: the calls on it fail, every connection to it breaks, and
    /// the calls waiting for one fail too (see the module's doc).
    fn lose_primary(&mut self, ctx: &mut Ctx<'_>) {
        let now = ctx.now;
        let primary = &mut self.servers[PRIMARY as usize];
        primary.down = true;
        let queued = primary.queue.len() as i64;
        primary.queue.clear();
        primary.busy.add(now, -(primary.busy.value as i64));
        self.queued.add(now, -queued);
        let broken = std::mem::take(&mut primary.open);
        self.open -= broken;
        let on_primary: Vec<u32> = self
            .calls
            .filled()
            .filter(|&slot| self.calls.get(slot).server == Some(PRIMARY))
            .collect();
        for slot in on_primary {
            let (key, via_proxy) = {
                let call = self.calls.get(slot);
                (call.pool, call.via_proxy)
            };
            self.in_use.add(now, -1);
            self.summary.failover_errors += 1;
            self.fail(ctx, slot, Answer::Failed, true);
            match via_proxy {
                // The proxy's connection broke; the pool's to the proxy did not.
                true => {
                    self.proxy.as_mut().expect("a proxy").lent -= 1;
                    self.give_back(ctx, key, PROXY);
                }
                false => self.pools.get_mut(&key).expect("a call's pool exists").open -= 1,
            }
        }
        if let Some(proxy) = &mut self.proxy {
            proxy.open = 0;
            return;
        }
        let writers: Vec<PoolKey> = self.pools.keys().filter(|k| !k.2).copied().collect();
        for key in writers {
            let pool = self.pools.get_mut(&key).expect("listed");
            pool.open -= pool.idle.len() as u32;
            pool.idle.clear();
            let waiting = std::mem::take(&mut pool.waiting);
            if pool.open == 0 && pool.closing {
                self.pools.remove(&key);
            }
            for slot in waiting {
                self.waiting.add(now, -1);
                self.summary.failover_errors += 1;
                self.fail(ctx, slot, Answer::Failed, false);
            }
        }
    }

    /// The tier's bill for a run of `elapsed`: the database's, and the data transfer
    /// into it from other zones.
    fn cost(&self, elapsed: SimDuration) -> CostSummary {
        let mut cost = bill::cost(self.db, elapsed);
        let transfer = data_transfer::inter_az_usd(data_transfer::gigabytes(self.inter_az_bytes));
        cost.data_transfer = round_to(transfer, 6);
        cost.total = round_to(cost.total + transfer, 6);
        cost.all_on_demand = round_to(cost.all_on_demand + transfer, 6);
        cost
    }

    /// Busy vCPU-time up to `now` of the primary (`false`) or the replicas (`true`),
    /// and their vCPU-time.
    fn cpu_areas(&self, now: SimTime, replicas: bool) -> (u128, u128) {
        let servers = match replicas {
            false => &self.servers[..1],
            true => &self.servers[1..],
        };
        let busy = servers.iter().map(|s| s.busy.area_at(now)).sum();
        let vcpus: u128 = servers.iter().map(|s| u128::from(s.vcpu)).sum();
        (busy, vcpus * u128::from(now.since(SimTime::ZERO).0))
    }
}

/// `part / whole` in percent, 0 without a whole.
fn percent(part: u128, whole: u128) -> f64 {
    match whole {
        0 => 0.0,
        _ => round_to(100.0 * part as f64 / whole as f64, 3),
    }
}

impl Service for RdsTier<'_> {
    /// Schedules the failovers and the zones' outages.
    fn start(&mut self, ctx: &mut Ctx<'_>) {
        for (i, failover) in self.db.failovers.iter().enumerate() {
            let event = Event::FailoverStarted {
                tier: ctx.tier,
                failover: i as u32,
            };
            ctx.queue.schedule(SimTime::ZERO + failover.at, event);
        }
        ctx.schedule_outages(self.network);
    }

    #[inline(never)]
    fn on_request(&mut self, ctx: &mut Ctx<'_>, caller: Caller) {
        let now = ctx.now;
        self.metrics.arrived();
        self.metrics.queueing.in_system_changed(now, 1);
        // Drawn at arrival, whatever happens to the call.
        let read = self.call_rng.random::<f64>() < self.db.read_share;
        let rng = SimRng::seed_from_u64(self.call_rng.random());
        let reader = read && self.db.read_replicas > 0;
        let key = (
            caller.tier().expect("an rds tier is called"),
            caller.instance(),
            reader,
        );
        let (slot, _) = self.calls.insert(DbCall {
            caller,
            arrived_at: now,
            pool: key,
            server: None,
            queries_left: self.db.queries,
            rng,
            via_proxy: false,
        });
        let pool = self.pools.entry(key).or_default();
        if let Some(server) = pool.idle.pop() {
            return self.connected(ctx, slot, server);
        }
        if pool.open >= self.db.pool_size {
            pool.waiting.push_back(slot);
            self.summary.waited_for_connection += 1;
            return self.waiting.add(now, 1);
        }
        match self.connect(reader) {
            Some(server) => {
                self.pools.get_mut(&key).expect("just made").open += 1;
                self.connected(ctx, slot, server)
            }
            None => self.fail(ctx, slot, Answer::Failed, false),
        }
    }

    fn on_answer(&mut self, _ctx: &mut Ctx<'_>, _slot: u32, _answer: Answer) {
        unreachable!("an rds tier makes no calls")
    }

    /// The caller's instance has stopped: its pools close. Idle connections close now,
    /// those in use when their call ends; calls still waiting for one are answered as
    /// interrupted (their requests were cut off with the instance).
    fn on_caller_stopped(&mut self, ctx: &mut Ctx<'_>, tier: u8, instance: u32) {
        for reader in [false, true] {
            let key = (tier, instance, reader);
            let Some(pool) = self.pools.get_mut(&key) else {
                continue;
            };
            pool.closing = true;
            let idle = std::mem::take(&mut pool.idle);
            let waiting = std::mem::take(&mut pool.waiting);
            pool.open -= idle.len() as u32;
            if pool.open == 0 {
                self.pools.remove(&key);
            }
            for server in idle {
                self.close(server);
            }
            for slot in waiting {
                self.waiting.add(ctx.now, -1);
                self.fail(ctx, slot, Answer::Interrupted, true);
            }
        }
    }

    #[inline(never)]
    fn on_event(&mut self, ctx: &mut Ctx<'_>, event: Event) {
        match event {
            Event::QueryEnded {
                call, generation, ..
            } => {
                if self.calls.get_if(call, generation).is_some() {
                    self.query_ended(ctx, call);
                }
            }
            Event::FailoverStarted { failover, .. } => {
                // Drawn whether given or not, so that a given duration leaves the
                // other failovers' draws alone.
                let drawn = SimDuration::from_secs(self.failover_rng.random_range(60..=120));
                let duration = self.db.failovers[failover as usize]
                    .duration
                    .unwrap_or(drawn);
                self.failover_started(ctx, duration);
            }
            Event::FailoverEnded { .. } => self.primary_back(ctx),
            Event::ZoneFailed { zone, .. } => self.zone_failed(ctx, usize::from(zone)),
            Event::ZoneRecovered { zone, .. } => {
                if self.lost_with_zone && usize::from(zone) == self.primary_zone {
                    self.lost_with_zone = false;
                    self.primary_back(ctx);
                }
            }
            other => unreachable!("not an rds tier's event: {other:?}"),
        }
    }

    fn timeline_row(&mut self, now: SimTime) -> TimelineRow {
        let busy: u128 = self.servers.iter().map(|s| s.busy.area_at(now)).sum();
        let vcpus: u64 = self.servers.iter().map(|s| u64::from(s.vcpu)).sum();
        let span = u128::from(now.since(self.last_report_at).0) * u128::from(vcpus);
        let idle: usize = self.pools.values().map(|p| p.idle.len()).sum();
        let mut row = TimelineRow {
            start_s: self.last_report_at.as_secs_f64(),
            end_s: now.as_secs_f64(),
            in_service_on_demand: self.in_use.value as u32,
            warm_pool: idle as u32,
            pending_on_demand: self.waiting.value as u32,
            draining_on_demand: self.queued.value as u32,
            desired: 1 + u32::from(self.db.multi_az) + self.db.read_replicas,
            unhealthy: u32::from(self.servers[PRIMARY as usize].down),
            mean_cpu: percent(busy - self.last_busy_area, span),
            ..self.metrics.take_interval()
        };
        row.cost_usd = round_to(self.cost(now.since(SimTime::ZERO)).total, 6);
        self.last_report_at = now;
        self.last_busy_area = busy;
        row
    }

    fn drain_bill(&mut self) -> Vec<CostItem> {
        Vec::new()
    }

    /// Closes the tier: calls still on the database are in flight.
    fn finish(mut self, end: SimTime) -> (TierSummary, Vec<CostItem>, Metrics) {
        let elapsed = end.since(SimTime::ZERO);
        self.metrics.totals.in_flight = self.metrics.totals.arrived
            - self.metrics.totals.completed
            - self.metrics.totals.rejected
            - self.metrics.totals.interrupted;
        let span = elapsed.0.max(1) as f64;
        let mut rds = self.summary.clone();
        rds.mean_connections_in_use = round_to(self.in_use.area_at(end) as f64 / span, 3);
        rds.mean_connection_wait_ms = match self.got_connection {
            0 => 0.0,
            n => round_to(self.wait_sum_nanos as f64 / n as f64 / 1e6, 6),
        };
        rds.mean_query_queue = round_to(self.queued.area_at(end) as f64 / span, 3);
        let (busy, whole) = self.cpu_areas(end, false);
        rds.primary_cpu = percent(busy, whole);
        rds.replica_cpu = (self.db.read_replicas > 0).then(|| {
            let (busy, whole) = self.cpu_areas(end, true);
            percent(busy, whole)
        });
        rds.queries_primary = self.servers[0].queries;
        rds.inter_az_gb = round_to(data_transfer::gigabytes(self.inter_az_bytes), 6);
        rds.queries_replicas = self.servers[1..].iter().map(|s| s.queries).sum();
        let (busy, whole) = (
            self.servers
                .iter()
                .map(|s| s.busy.area_at(end))
                .sum::<u128>(),
            self.cpu_areas(end, false).1 + self.cpu_areas(end, true).1,
        );
        let instances = 1 + u32::from(self.db.multi_az) + self.db.read_replicas;
        let summary = TierSummary {
            name: self.config.name.clone(),
            kind: self.config.kind.word().to_string(),
            requests: self.metrics.totals,
            latency_ms: self.metrics.latency_summary(),
            cost_usd: self.cost(elapsed),
            commitments: CommitmentSummary::default(),
            instances: InstanceSummary {
                launched: u64::from(instances),
                peak_in_service: instances,
                mean_in_service: f64::from(instances),
                min_in_service: instances,
                instance_hours: round_to(
                    f64::from(instances) * bill::billed_seconds(elapsed) as f64 / 3600.0,
                    6,
                ),
                ..InstanceSummary::default()
            },
            utilization: UtilizationSummary {
                mean_cpu: percent(busy, whole),
            },
            queueing: self.metrics.queueing.summary(end),
            batch: None,
            emr: None,
            lambda: None,
            rds: Some(rds),
            container_instances: None,
            deployments: Vec::new(),
            queue: None,
        };
        let mut items = bill::items(self.db, elapsed, &self.config.name);
        let end_s = elapsed.as_secs_f64();
        items.extend(data_transfer::inter_az_item(
            self.inter_az_bytes,
            end_s,
            &self.config.name,
        ));
        (summary, items, self.metrics)
    }
}
