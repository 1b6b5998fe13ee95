//! `[tiers.<name>]`: the services of an architecture (SPEC "Phase 2"). Which tier is
//! the entry tier, the order of `Config::tiers`, the calls between tiers (to existing
//! tiers, never to the entry tier, without a cycle), and each tier's own tables.
//!
//! A tier's tables are resolved by the very resolvers of the single-tier form, under a
//! [`Ctx`] whose keys start with `tiers.<name>.`; the single-tier form is one tier
//! named `web` of kind `ec2` whose keys have no prefix, so it resolves, and fails with
//! the same messages, as it did before tiers existed. Checking the structure first
//! (names, entry, calls) lets the run's request bound count the calls before any
//! tier's tables are read.

use super::*;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A tier as written, with where its keys sit in the file.
pub(super) struct WrittenTier {
    name: String,
    /// Empty for the single-tier form, `tiers.<name>.` otherwise.
    prefix: String,
    raw: RawTier,
}

/// The tiers in the order of `Config::tiers` (entry first), their calls resolved, and
/// how many requests one arrival makes in all.
pub(super) struct TierPlan {
    tiers: Vec<(WrittenTier, Vec<Call>, Vec<Send>)>,
    /// Requests the tiers serve per request that arrives from the traffic (1 without
    /// calls): the calls multiply the work of a run.
    pub(super) requests_per_arrival: f64,
}

/// Refuses what SPEC "Phase 2" names but simcloud does not build yet, before the file
/// is read into the raw structs: a tier of a kind not built would otherwise fail on
/// the first key of its kind as an unknown key.
pub(super) fn refuse_unbuilt(ctx: &Ctx, table: &toml::Table) -> Result<()> {
    let Some(tiers) = table.get("tiers").and_then(toml::Value::as_table) else {
        return Ok(());
    };
    for (name, tier) in tiers {
        let Some(tier) = tier.as_table() else {
            continue;
        };
        // A word that is not a kind at all is left to serde, which lists the words.
        if let Some(kind) = tier
            .get("kind")
            .and_then(|k| RawTierKind::deserialize(k.clone()).ok())
        {
            built_kind(ctx, &format!("tiers.{name}.kind"), kind)?;
        }
    }
    Ok(())
}

/// The model's kind of a tier, or an error at `key` when that kind is not built.
fn built_kind(ctx: &Ctx, key: &str, kind: RawTierKind) -> Result<TierKind> {
    kind.built().ok_or_else(|| {
        let built: Vec<String> = RawTierKind::ALL
            .iter()
            .filter(|k| k.built().is_some())
            .map(word)
            .collect();
        ctx.err(
            key,
            format!(
                "this kind of tier is not built yet; the kinds built are: {}",
                built.join(", ")
            ),
        )
    })
}

/// The tiers as written: `[tiers.*]`, or `single` (the single-tier form's tables as a
/// tier) as one tier named `web`. A scenario gives one form or the other.
pub(super) fn written_tiers(
    ctx: &Ctx,
    single: RawTier,
    tiers: Option<BTreeMap<String, RawTier>>,
) -> Result<Vec<WrittenTier>> {
    let Some(mut tiers) = tiers else {
        return Ok(vec![WrittenTier {
            name: default::TIER_NAME.into(),
            prefix: String::new(),
            raw: single,
        }]);
    };
    // The single-tier form's tables: what `single` gives besides its kind.
    if let Some(table) = keys_given(&single).iter().find(|k| *k != "kind") {
        return Err(ctx.err_table(
            table,
            format!(
                "the single-tier form's tables cannot be mixed with [tiers.*]: move [{table}] into a tier, as [tiers.<name>.{table}]"
            ),
        ));
    }
    if tiers.is_empty() {
        return Err(ctx.err_table(
            "tiers",
            "has no tier; give at least one, like [tiers.web] with kind = \"ec2\"",
        ));
    }
    if tiers.len() > MAX_TIERS {
        return Err(ctx.err_table(
            "tiers",
            format!(
                "has {} tiers, more than the {MAX_TIERS} a scenario may have",
                tiers.len()
            ),
        ));
    }
    for name in tiers.keys() {
        check_name(ctx, name)?;
    }
    let entry = entry_name(ctx, &tiers)?;
    // The entry tier first; the others follow in name order, as the map holds them.
    let first = tiers
        .remove_entry(&entry)
        .expect("the entry tier is one of the tiers");
    Ok(std::iter::once(first)
        .chain(tiers)
        .map(|(name, raw)| WrittenTier {
            prefix: format!("tiers.{name}."),
            name,
            raw,
        })
        .collect())
}

/// A tier's name becomes part of file names (`timeline-<name>.csv`) and of keys.
fn check_name(ctx: &Ctx, name: &str) -> Result<()> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if !name.is_empty() && name.chars().all(allowed) {
        return Ok(());
    }
    // A name TOML writes bare is found in the file; any other is quoted, as in TOML.
    let bare = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let key = if !name.is_empty() && name.chars().all(bare) {
        format!("tiers.{name}")
    } else {
        format!("tiers.{name:?}")
    };
    Err(ctx.err_table(
        &key,
        "is not a valid tier name: a tier's name is used in file names (timeline-<name>.csv), so it may hold only a-z, 0-9, _ and -",
    ))
}

/// The entry tier (SPEC "Phase 2"): the only tier, or the one with `entry = true`, or
/// the one named `web`.
fn entry_name(ctx: &Ctx, tiers: &BTreeMap<String, RawTier>) -> Result<String> {
    let marked: Vec<&String> = tiers
        .iter()
        .filter(|(_, t)| t.entry == Some(true))
        .map(|(name, _)| name)
        .collect();
    match marked.as_slice() {
        [one] => return Ok(one.to_string()),
        [first, second, ..] => {
            return Err(ctx.err(
                &format!("tiers.{second}.entry"),
                format!("tiers.{first} says entry = true too; only one tier is the entry tier"),
            ));
        }
        [] => {}
    }
    if let [(name, tier)] = tiers.iter().collect::<Vec<_>>().as_slice() {
        if tier.entry == Some(false) {
            return Err(ctx.err(
                &format!("tiers.{name}.entry"),
                "the only tier is the entry tier, which receives [traffic]",
            ));
        }
        return Ok(name.to_string());
    }
    match tiers.get(default::TIER_NAME) {
        Some(web) if web.entry != Some(false) => Ok(default::TIER_NAME.into()),
        _ => Err(ctx.err_table(
            "tiers",
            format!(
                "no tier is the entry tier, which receives [traffic]: say `entry = true` in one of {}, or name it \"{}\"",
                names(tiers.keys()),
                default::TIER_NAME
            ),
        )),
    }
}

/// Tier names for a message: `api, db, web`.
fn names<'n>(names: impl IntoIterator<Item = &'n String>) -> String {
    names
        .into_iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The index of the tier `name`, which a call or a send at `key` names.
fn named_tier(
    ctx: &Ctx,
    key: &str,
    name: &str,
    written: &[WrittenTier],
    index: &BTreeMap<&str, usize>,
) -> Result<usize> {
    index.get(name).copied().ok_or_else(|| {
        ctx.err(
            key,
            format!(
                "no tier has this name; the tiers are: {}",
                names(written.iter().map(|t| &t.name))
            ),
        )
    })
}

/// The calls of every tier, checked: to an existing tier other than itself and the
/// entry tier, `count` times within bounds, and without a cycle. Notes the tiers that
/// no call from the entry tier reaches.
pub(super) fn plan(ctx: &Ctx, written: Vec<WrittenTier>) -> Result<TierPlan> {
    let index: BTreeMap<&str, usize> = written
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let mut calls = Vec::with_capacity(written.len());
    for (i, t) in written.iter().enumerate() {
        let ctx = ctx.within(t.prefix.clone());
        let mut list = Vec::new();
        let tables = t.raw.calls.as_deref().unwrap_or_default();
        if tables.len() > MAX_CALL_TABLES {
            return Err(ctx.err_table(
                "calls",
                format!(
                    "has {} tables; a tier makes at most {MAX_CALL_TABLES} (one table can make `count` calls)",
                    tables.len()
                ),
            ));
        }
        for (j, call) in tables.iter().enumerate() {
            let key = |k: &str| format!("calls[{j}].{k}");
            let tier = match named_tier(&ctx, &key("tier"), &call.tier, &written, &index)? {
                callee if callee == i => {
                    return Err(ctx.err(&key("tier"), "a tier may not call itself"));
                }
                0 => {
                    return Err(ctx.err(
                        &key("tier"),
                        "is the entry tier, which receives [traffic]; no tier may call it",
                    ));
                }
                callee if written[callee].raw.kind == RawTierKind::Worker => {
                    return Err(ctx.err(
                        &key("tier"),
                        "is a worker tier, which reads its queue: send it messages with [[sends]] rather than call it",
                    ));
                }
                callee
                    if matches!(
                        written[callee].raw.kind,
                        RawTierKind::Batch | RawTierKind::Emr
                    ) =>
                {
                    return Err(ctx.err(
                        &key("tier"),
                        format!(
                            "is {} tier, which runs jobs from its queues: it takes no calls",
                            match written[callee].raw.kind {
                                RawTierKind::Emr => "an emr",
                                _ => "a batch",
                            }
                        ),
                    ));
                }
                callee => callee,
            };
            let count = ctx.range(
                &key("count"),
                call.count.unwrap_or(default::CALL_COUNT),
                1,
                MAX_CALL_COUNT,
                "",
            )?;
            let bytes = |k: &str, given: Option<u64>, default: u64| {
                let b = given.unwrap_or(default) as f64;
                Ok::<u64, ScenarioError>(ctx.at_most(&key(k), b, MAX_REQUEST_BYTES as f64)? as u64)
            };
            list.push(Call {
                tier,
                count,
                request_bytes: bytes(
                    "request_bytes",
                    call.request_bytes,
                    default::CALL_REQUEST_BYTES,
                )?,
                response_bytes: bytes(
                    "response_bytes",
                    call.response_bytes,
                    default::CALL_RESPONSE_BYTES,
                )?,
            });
        }
        calls.push(list);
    }
    let sends = plan_sends(ctx, &written, &index)?;
    let order = match callers_first(&calls) {
        Ok(order) => order,
        Err((cycle, j)) => {
            let caller = &written[cycle[cycle.len() - 2]];
            let path: Vec<&str> = cycle.iter().map(|&t| written[t].name.as_str()).collect();
            return Err(ctx.within(caller.prefix.clone()).err(
                &format!("calls[{j}].tier"),
                format!("the calls form a cycle: {}", path.join(" → ")),
            ));
        }
    };
    // Requests each tier serves per arrival: the entry tier one, every other the sum
    // over its callers of theirs times the count (callers come first in `order`).
    let mut requests = vec![0.0; written.len()];
    requests[0] = 1.0;
    for &caller in &order {
        for call in &calls[caller] {
            requests[call.tier] += requests[caller] * f64::from(call.count);
        }
    }
    // A worker tier's messages are requests too, from the tiers that send them (their
    // own `messages` are left out of this bound, as the shape of their rate is not
    // known here): each sender's requests × the probability, and the calls they make.
    // A batch tier's jobs are its own; it is reached whatever calls it.
    let worker = |t: usize| {
        matches!(
            written[t].raw.kind,
            RawTierKind::Worker | RawTierKind::Batch | RawTierKind::Emr
        )
    };
    let mut from_queues = vec![0.0; written.len()];
    for (sender, list) in sends.iter().enumerate() {
        for send in list {
            from_queues[send.tier] += requests[sender] * send.probability;
        }
    }
    for &caller in &order {
        for call in &calls[caller] {
            from_queues[call.tier] += from_queues[caller] * f64::from(call.count);
        }
    }
    // Workers reach the tiers they call whatever feeds their queue.
    let mut reached: Vec<bool> = (0..written.len())
        .map(|t| requests[t] > 0.0 || worker(t))
        .collect();
    for &caller in &order {
        if reached[caller] {
            for call in &calls[caller] {
                reached[call.tier] = true;
            }
        }
    }
    for (t, _) in reached.iter().enumerate().filter(|(_, r)| !**r) {
        ctx.note(
            &format!("tiers.{}", written[t].name),
            "receives no requests: no call from the entry tier or a worker tier reaches it (its instances still run and are billed)",
        );
    }
    Ok(TierPlan {
        requests_per_arrival: requests.iter().sum::<f64>() + from_queues.iter().sum::<f64>(),
        tiers: written
            .into_iter()
            .zip(calls)
            .zip(sends)
            .map(|((w, c), s)| (w, c, s))
            .collect(),
    })
}

/// The messages of every tier, checked: to a worker tier other than itself, with a
/// probability in (0, 1]; and every worker tier that is not the entry tier has a
/// source of messages (sends to it, or its own `messages`).
fn plan_sends(
    ctx: &Ctx,
    written: &[WrittenTier],
    index: &BTreeMap<&str, usize>,
) -> Result<Vec<Vec<Send>>> {
    let mut sends = Vec::with_capacity(written.len());
    let mut sent_to = vec![false; written.len()];
    for (i, t) in written.iter().enumerate() {
        let ctx = ctx.within(t.prefix.clone());
        let mut list = Vec::new();
        for (j, send) in t.raw.sends.iter().flatten().enumerate() {
            let key = |k: &str| format!("sends[{j}].{k}");
            let to = match named_tier(&ctx, &key("tier"), &send.tier, written, index)? {
                to if to == i => {
                    return Err(ctx.err(&key("tier"), "a tier may not send to itself"));
                }
                to if written[to].raw.kind != RawTierKind::Worker => {
                    return Err(ctx.err(
                        &key("tier"),
                        format!(
                            "is a tier of kind \"{}\"; messages go to the queue of a worker tier (kind = \"worker\")",
                            word(&written[to].raw.kind)
                        ),
                    ));
                }
                to => to,
            };
            let probability = send.probability.unwrap_or(default::SEND_PROBABILITY);
            if !(probability > 0.0 && probability <= 1.0) {
                return Err(ctx.err(&key("probability"), "must be above 0 and at most 1"));
            }
            sent_to[to] = true;
            list.push(Send {
                tier: to,
                probability,
            });
        }
        sends.push(list);
    }
    for (t, w) in written.iter().enumerate().skip(1) {
        // Periodic tasks are a source on their own (aws-facts.md 5): a worker
        // environment with a cron.yaml and nothing else runs its scheduled jobs.
        let periodic = w.raw.periodic_task.as_ref().is_some_and(|p| !p.is_empty())
            || w.raw.cron_file.is_some();
        if w.raw.kind == RawTierKind::Worker && !sent_to[t] && w.raw.messages.is_none() && !periodic
        {
            return Err(ctx.err_table(
                &format!("tiers.{}", w.name),
                "is a worker tier with no source of messages: give it [tiers.<name>.messages] or periodic tasks ([[tiers.<name>.periodic_task]] or cron_file = \"cron.yaml\"), or make another tier send to it with [[tiers.<sender>.sends]], or make it the entry tier",
            ));
        }
    }
    Ok(sends)
}

/// The tiers in an order where every caller comes before the tiers it calls, or the
/// first cycle found: the tiers along it, the first repeated at the end, and the
/// index of the call that closes it in the calls of the last but one.
fn callers_first(calls: &[Vec<Call>]) -> std::result::Result<Vec<usize>, (Vec<usize>, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    /// Depth first from `t`; `path` holds the tiers being visited, `done` the tiers
    /// finished, each after every tier it calls.
    fn visit(
        t: usize,
        calls: &[Vec<Call>],
        state: &mut [State],
        path: &mut Vec<usize>,
        done: &mut Vec<usize>,
    ) -> std::result::Result<(), (Vec<usize>, usize)> {
        state[t] = State::OnPath;
        path.push(t);
        for (j, call) in calls[t].iter().enumerate() {
            match state[call.tier] {
                State::OnPath => {
                    let start = path
                        .iter()
                        .position(|&p| p == call.tier)
                        .expect("a tier on the path is in it");
                    let mut cycle = path[start..].to_vec();
                    cycle.push(call.tier);
                    return Err((cycle, j));
                }
                State::New => visit(call.tier, calls, state, path, done)?,
                State::Done => {}
            }
        }
        path.pop();
        state[t] = State::Done;
        done.push(t);
        Ok(())
    }
    let mut state = vec![State::New; calls.len()];
    let mut done = Vec::with_capacity(calls.len());
    for t in 0..calls.len() {
        if state[t] == State::New {
            visit(t, calls, &mut state, &mut Vec::new(), &mut done)?;
        }
    }
    done.reverse();
    Ok(done)
}

impl TierPlan {
    /// Every tier's tables, resolved under its own keys.
    pub(super) fn resolve(
        self,
        ctx: &Ctx,
        duration: SimDuration,
        zones: usize,
    ) -> Result<Vec<TierConfig>> {
        let tiers = self
            .tiers
            .into_iter()
            .enumerate()
            .map(|(i, (written, calls, sends))| {
                resolve_tier(ctx, written, calls, sends, duration, zones, i == 0)
            })
            .collect::<Result<Vec<_>>>()?;
        check_pools(ctx, &tiers);
        Ok(tiers)
    }
}

/// The tables a tier of `kind` may have, beyond `service`: given for another kind,
/// a table is an error naming the kinds it belongs to.
fn check_tables_of_kind(ctx: &Ctx, kind: TierKind, raw: &RawTier) -> Result<()> {
    use TierKind::*;
    let tables: [(&str, bool, &[TierKind]); 30] = [
        (
            "instance",
            raw.instance.is_some(),
            &[Ec2, EcsEc2, Beanstalk, Worker],
        ),
        (
            "purchase",
            raw.purchase.is_some(),
            &[Ec2, Beanstalk, Worker],
        ),
        (
            "load_balancer",
            raw.load_balancer.is_some(),
            &[Ec2, Fargate, EcsEc2, Lambda, Beanstalk],
        ),
        (
            "autoscaling",
            raw.autoscaling.is_some(),
            &[Ec2, Fargate, EcsEc2, Beanstalk, Worker],
        ),
        (
            "spot",
            raw.spot.is_some(),
            &[Ec2, Fargate, Beanstalk, Worker, Batch, Emr],
        ),
        (
            "calls",
            raw.calls.is_some(),
            &[Ec2, Fargate, EcsEc2, Lambda, Beanstalk, Worker],
        ),
        ("environment", raw.environment.is_some(), &[Beanstalk]),
        ("task", raw.task.is_some(), &[Fargate, EcsEc2]),
        ("cluster", raw.cluster.is_some(), &[EcsEc2]),
        (
            "capacity_provider",
            raw.capacity_provider.is_some(),
            &[Fargate],
        ),
        ("lambda", raw.lambda.is_some(), &[Lambda]),
        ("api_gateway", raw.api_gateway.is_some(), &[Lambda]),
        ("rds", raw.rds.is_some(), &[Rds]),
        ("failover", raw.failover.is_some(), &[Rds]),
        // A worker's answers go to its queue: it sends no messages of its own (its
        // application's answer is sqsd's) and has no load balancer; it may call
        // other tiers while it processes a message.
        (
            "sends",
            raw.sends.is_some(),
            &[Ec2, Fargate, EcsEc2, Beanstalk],
        ),
        ("sqsd", raw.sqsd.is_some(), &[Worker]),
        ("messages", raw.messages.is_some(), &[Worker]),
        ("periodic_task", raw.periodic_task.is_some(), &[Worker]),
        ("cron_file", raw.cron_file.is_some(), &[Worker]),
        ("s3", raw.s3.is_some(), &[Ec2, Fargate, EcsEc2, Lambda]),
        ("placement", raw.placement.is_some(), &[Ec2]),
        ("compute", raw.compute.is_some(), &[Batch]),
        (
            "compute_environment",
            raw.compute_environment.is_some(),
            &[Batch],
        ),
        ("jobs", raw.jobs.is_some(), &[Batch, Emr]),
        ("queue", raw.queue.is_some(), &[Batch, Emr]),
        ("emr", raw.emr.is_some(), &[Emr]),
        ("instance_groups", raw.instance_groups.is_some(), &[Emr]),
        ("instance_fleets", raw.instance_fleets.is_some(), &[Emr]),
        ("node_loss", raw.node_loss.is_some(), &[Emr]),
        ("managed_scaling", raw.managed_scaling.is_some(), &[Emr]),
    ];
    if let Some((table, _, kinds)) = tables.iter().find(|t| t.1 && !t.2.contains(&kind)) {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.word()).collect();
        let kinds = match kinds.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        let message = format!(
            "is not a table of a tier of kind \"{}\"; it belongs to {kinds} tiers",
            kind.word(),
        );
        return Err(ctx.err_table(table, &message));
    }
    let Some(service) = &raw.service else {
        return Ok(());
    };
    match kind {
        Lambda => ctx.only_keys(
            "service",
            service,
            "time",
            &["response_bytes"],
            "is not a key of a lambda tier's [service], which gives only `time` and `response_bytes`",
        ),
        Rds => Err(ctx.err_table(
            "service",
            "is not a table of an rds tier: its queries' time is rds.query_time",
        )),
        Batch | Emr => Err(ctx.err_table(
            "service",
            format!(
                "is not a table of {} tier: its jobs' time is jobs.run_time",
                match kind {
                    Emr => "an emr",
                    _ => "a batch",
                }
            ),
        )),
        Worker if service.timeout.is_some() => Err(ctx.err(
            "service.timeout",
            "a worker's application answers sqsd, which waits sqsd.inactivity_timeout",
        )),
        // A task's vCPUs may be a fraction: its workers are given per task.
        Fargate | EcsEc2 if service.workers_per_vcpu == Some(true) => Err(ctx.err(
            "service.workers_per_vcpu",
            "a task's tier gives `workers` per task (a task's vCPUs may be a fraction)",
        )),
        _ => Ok(()),
    }
}

/// One tier's tables, with the cross-table rules of a tier.
fn resolve_tier(
    ctx: &Ctx,
    written: WrittenTier,
    calls: Vec<Call>,
    sends: Vec<Send>,
    duration: SimDuration,
    zones: usize,
    entry: bool,
) -> Result<TierConfig> {
    let WrittenTier {
        name,
        prefix,
        mut raw,
    } = written;
    let ctx = &ctx.within(prefix);
    let kind = built_kind(ctx, "kind", raw.kind)?;
    check_tables_of_kind(ctx, kind, &raw)?;
    // Beanstalk's defaults go into the tables before they are read as an ec2 tier's.
    let beanstalk = match kind {
        TierKind::Beanstalk => Some(resolve_beanstalk(ctx, &mut raw)?),
        _ => None,
    };
    // A lambda tier's other tables keep their defaults, unused but for `service.time`.
    let lambda = match kind {
        TierKind::Lambda => Some(resolve_lambda(
            ctx,
            raw.lambda.take().unwrap_or_default(),
            raw.api_gateway.take(),
            raw.load_balancer.as_ref(),
            entry,
        )?),
        _ => None,
    };
    // An rds tier's other tables keep their defaults, unused.
    let rds = match kind {
        TierKind::Rds if entry => {
            return Err(ctx.err_table(
                "kind",
                "an rds tier cannot receive [traffic]: a database is called by another tier (`[[tiers.<name>.calls]]`); make another tier the entry tier",
            ));
        }
        TierKind::Rds => Some(resolve_rds(
            ctx,
            raw.rds.take().unwrap_or_default(),
            raw.failover.take().unwrap_or_default(),
            duration,
        )?),
        _ => None,
    };
    let batch = match kind {
        TierKind::Batch => Some(resolve_batch(
            ctx,
            raw.compute.take(),
            raw.compute_environment.take(),
            raw.jobs.take(),
            raw.queue.take(),
            entry,
            duration,
        )?),
        TierKind::Emr => Some(resolve_emr(
            ctx,
            RawEmrTables {
                emr: raw.emr.take(),
                groups: raw.instance_groups.take(),
                fleets: raw.instance_fleets.take(),
                node_loss: raw.node_loss.take(),
                managed_scaling: raw.managed_scaling.take(),
                jobs: raw.jobs.take(),
                queue: raw.queue.take(),
            },
            entry,
            duration,
        )?),
        _ => None,
    };
    let (instance, purchase, fargate) = if let Some(b) = &batch {
        let instance = resolve_instance(ctx, RawInstance::default(), duration)?;
        (instance, b.purchase.clone(), None)
    } else if kind == TierKind::Fargate {
        let tier = resolve_fargate(
            ctx,
            raw.task.take().unwrap_or_default(),
            raw.capacity_provider.take(),
        )?;
        (tier.instance, tier.purchase, Some(tier.fargate))
    } else {
        let raw_instance = raw.instance.unwrap_or_default();
        if kind == TierKind::EcsEc2 && raw_instance.failures.is_some() {
            return Err(ctx.err_table(
                "instance.failures",
                "is not modelled for container instances (an ecs_ec2 tier's instance)",
            ));
        }
        let instance = resolve_instance(ctx, raw_instance, duration)?;
        let purchase =
            resolve_purchase(ctx, raw.purchase.unwrap_or_default(), &instance, duration)?;
        (instance, purchase, None)
    };
    let worker = match kind {
        TierKind::Worker => Some(resolve_worker(
            ctx,
            raw.sqsd.take().unwrap_or_default(),
            raw.messages.take(),
            (raw.periodic_task.take(), raw.cron_file.take()),
            entry,
            duration,
        )?),
        _ => None,
    };
    // Only the entry tier answers clients on the internet; a called tier answers its
    // caller inside the Region, and a worker answers sqsd on its own instance.
    if (!entry || worker.is_some())
        && raw
            .service
            .as_ref()
            .is_some_and(|s| s.response_bytes.is_some())
    {
        return Err(ctx.err(
            "service.response_bytes",
            "is the size of a response to the clients, which only the entry tier sends; a called tier answers its caller inside the Region, and a worker answers sqsd",
        ));
    }
    let mut service = resolve_service(ctx, raw.service.unwrap_or_default(), &instance)?;
    if let Some(w) = &worker {
        // sqsd waits this long for the application's answer (aws-facts.md 5).
        service.timeout = w.inactivity_timeout;
    }
    let s3 = match raw.s3 {
        Some(s3) => Some(resolve_s3(ctx, s3, entry)?),
        None => None,
    };
    let load_balancer = resolve_load_balancer(ctx, raw.load_balancer.unwrap_or_default())?;
    let mut raw_autoscaling = raw.autoscaling.unwrap_or_default();
    let ecs_service = matches!(kind, TierKind::Fargate | TierKind::EcsEc2);
    if ecs_service {
        // ECS publishes a service's CPU and memory every minute (aws-facts.md 15.4).
        if raw_autoscaling.monitoring.is_some() {
            return Err(ctx.err(
                "autoscaling.monitoring",
                "is EC2 monitoring; ECS publishes a service's metrics every minute",
            ));
        }
        if raw_autoscaling.warm_pool.is_some() {
            return Err(ctx.err_table(
                "autoscaling.warm_pool",
                "is an Auto Scaling group's; an ECS service has none",
            ));
        }
        raw_autoscaling.monitoring = Some(RawMonitoring::Detailed);
    }
    let autoscaling = resolve_autoscaling(ctx, raw_autoscaling, duration)?;
    // Memory utilisation is an ECS service's metric; an Auto Scaling group has none
    // without the CloudWatch agent (aws-facts.md 15.4).
    let memory = |p: &ScalingPolicy| p.period_metric() == Some(ScalingMetric::Memory);
    if !ecs_service && let Some(i) = autoscaling.policy.iter().position(memory) {
        return Err(ctx.err(
            &format!("autoscaling.policy[{i}].metric"),
            "memory utilisation is an ECS service's metric (fargate and ecs_ec2 tiers); an EC2 Auto Scaling group publishes none",
        ));
    }
    // NetworkOut is an EC2 instance's metric (aws-facts.md 3.11, 11.1).
    let network_out = |p: &ScalingPolicy| p.period_metric() == Some(ScalingMetric::NetworkOut);
    if ecs_service && let Some(i) = autoscaling.policy.iter().position(network_out) {
        return Err(ctx.err(
            &format!("autoscaling.policy[{i}].alarm.metric"),
            "NetworkOut is an EC2 instance's metric (ec2 and beanstalk tiers); an ECS service publishes CPU and memory",
        ));
    }
    check_queue_metrics(ctx, kind, &autoscaling)?;
    let ecs = match kind {
        TierKind::EcsEc2 => Some(resolve_ecs(
            ctx,
            raw.task.take().unwrap_or_default(),
            raw.cluster.take().unwrap_or_default(),
            &instance,
            &autoscaling,
        )?),
        _ => None,
    };
    let raw_spot = raw.spot.unwrap_or_default();
    if batch.is_some()
        && raw_spot
            .capacity_events
            .as_ref()
            .is_some_and(|c| c.per_day > 0.0)
    {
        return Err(ctx.err(
            "spot.capacity_events.per_day",
            "capacity events are not modelled for a batch or emr tier's instances; give interruption rates",
        ));
    }
    let on_fargate = fargate.is_some() || batch.as_ref().is_some_and(|b| b.batch.fargate());
    let spot = match on_fargate {
        true => resolve_fargate_spot(ctx, raw_spot, &purchase)?,
        false => resolve_spot(ctx, raw_spot, &purchase)?,
    };
    // AWS does not add warm pools to groups that launch spot instances (3.8).
    if autoscaling.warm_pool.is_some() && purchase.on_demand_percent_above_base < 100 {
        return Err(ctx.err("autoscaling.warm_pool", "a warm pool needs an all on-demand group (purchase.on_demand_percent_above_base = 100)"));
    }
    check_host_capacity(ctx, &purchase, &autoscaling, &instance)?;
    let placement = resolve_placement(ctx, raw.placement, autoscaling.max, zones)?;
    Ok(TierConfig {
        name,
        kind,
        service,
        instance,
        load_balancer,
        autoscaling,
        purchase,
        spot,
        calls,
        lambda,
        fargate,
        ecs,
        rds,
        beanstalk,
        worker,
        emr: batch.as_ref().and_then(|b| b.emr.clone()),
        batch: batch.map(|b| b.batch),
        sends,
        s3,
        placement,
        deployments: Vec::new(),
    })
}

/// The queue's metrics are a worker tier's, and a worker tier has no load balancer
/// to count requests per target; a worker's timeline holds its backlog in the warm
/// pool's column, so it has no warm pool.
fn check_queue_metrics(ctx: &Ctx, kind: TierKind, autoscaling: &AutoScalingConfig) -> Result<()> {
    let worker = kind == TierKind::Worker;
    for (i, p) in autoscaling.policy.iter().enumerate() {
        let metric = match p {
            ScalingPolicy::Predictive { metric, .. } => Some(*metric),
            p => p.period_metric(),
        };
        let queue = matches!(
            metric,
            Some(ScalingMetric::BacklogPerInstance | ScalingMetric::MessagesVisible)
        );
        let key = format!("autoscaling.policy[{i}].metric");
        if queue && !worker {
            return Err(ctx.err(
                &key,
                "a queue's metric is a worker tier's (kind = \"worker\"); this tier has no queue",
            ));
        }
        if worker && metric == Some(ScalingMetric::RequestCountPerTarget) {
            return Err(ctx.err(
                &key,
                "a worker tier has no load balancer to count requests per target; scale on \"backlog_per_instance\", \"messages_visible\" or \"cpu\"",
            ));
        }
    }
    if worker && autoscaling.warm_pool.is_some() {
        return Err(ctx.err_table("autoscaling.warm_pool", "is not modelled for a worker tier"));
    }
    Ok(())
}
