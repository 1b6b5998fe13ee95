//! Scheduled actions: `[[autoscaling.scheduled]]` or a policy of kind `scheduled`.

use super::*;

/// The keys of a policy of kind `scheduled`: those of a scheduled action.
pub(super) const KEYS: &[&str] = &["at", "recurrence", "min", "max", "desired"];

/// A scheduled action at `whole` (`autoscaling.scheduled[i]`, or a policy of kind
/// `scheduled`).
pub(super) fn resolve_scheduled(
    ctx: &Ctx,
    whole: &str,
    raw: &RawScheduled,
    duration: SimDuration,
) -> Result<ScheduledAction> {
    let key = |k: &str| format!("{whole}.{k}");
    let (at, cron) = match (&raw.at, &raw.recurrence) {
        // Accepted with a note, like a spike after the end: a shortened run simply
        // ends before the action.
        (Some(at), None) => {
            let at = ctx.duration(&key("at"), Some(at), SimDuration::ZERO)?;
            if at >= duration {
                ctx.note(
                    whole,
                    format!(
                        "is at {at}, not before the end of the run ({duration}): it does not happen"
                    ),
                );
            }
            (Some(at), None)
        }
        (None, Some(expr)) => {
            let cron = parse_cron(expr).map_err(|m| ctx.err(&key("recurrence"), m))?;
            if cron.next_after(0).is_none_or(|t| t >= duration.0) {
                ctx.note(
                    whole,
                    format!("(recurrence \"{expr}\") first fires after the end of the run ({duration}): it does not happen"),
                );
            }
            (None, Some(cron))
        }
        _ => {
            return Err(ctx.err(
                &whole,
                "give exactly one of `at` (a time) or `recurrence` (cron)",
            ));
        }
    };
    if raw.min.is_none() && raw.max.is_none() && raw.desired.is_none() {
        return Err(ctx.err(whole, "sets nothing: give min, max and/or desired"));
    }
    if raw.min == Some(0) {
        return Err(ctx.err(
            &key("min"),
            "must be at least 1: the group always keeps one instance alive",
        ));
    }
    if let (Some(lo), Some(hi)) = (raw.min, raw.max) {
        if lo > hi {
            return Err(ctx.err(
                &key("max"),
                format!("must be at least this action's min ({lo})"),
            ));
        }
    }
    for (k, v) in [("min", raw.min), ("max", raw.max), ("desired", raw.desired)] {
        if let Some(v) = v {
            ctx.at_most(&key(k), v, MAX_INSTANCES)?;
        }
    }
    Ok(ScheduledAction {
        at,
        recurrence: raw.recurrence.clone(),
        cron,
        min: raw.min,
        max: raw.max,
        desired: raw.desired,
    })
}
