//! `Immutable` (aws-facts.md 11.5): a temporary Auto Scaling group behind the same load
//! balancer launches one instance with the new version; when it passes its health
//! checks, as many more as the original group has (the model's temporary group then
//! holds as many instances as the original: one plus the rest), so that capacity and
//! cost briefly double; when all are healthy they move into the original group and the
//! old instances are drained and terminated. New instances pass the load balancer's
//! health checks after their boot, like any launched instance.

use super::{Active, Phase, Step};

pub(super) fn next(active: &mut Active) -> Step {
    match active.phase {
        Phase::Started => {
            active.phase = Phase::FirstNew;
            active.batches = 1;
            Step::Launch(1)
        }
        Phase::FirstNew if active.old.len() > 1 => {
            active.phase = Phase::RestNew;
            active.batches = 2;
            Step::Launch(active.old.len() as u32 - 1)
        }
        Phase::FirstNew | Phase::RestNew => {
            active.phase = Phase::Retiring;
            let old = active.old.clone();
            active.waiting.extend(&old);
            Step::Retire(old)
        }
        _ => Step::Done,
    }
}
