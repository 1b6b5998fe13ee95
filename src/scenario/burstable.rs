//! The burstable instance types (T2, T3, T3a, T4g): the CPU credits each size earns
//! per hour, its vCPUs, its baseline and the most credits it can hold, keyed by type
//! name. A table of its own beside the catalog (`catalog.rs`), which lists prices:
//! a burstable type gets its vCPUs and price from there (or from the scenario) and
//! its credits from here.
//!
//! Source: aws-facts.md 20.5 (the EC2 user guide's
//! `burstable-credits-baseline-concepts.md`): 1 CPU credit is 1 vCPU at 100 % for
//! 1 minute; a size earns `baseline × vCPUs × 60` credits an hour and holds at most
//! 24 hours of earnings. The facts give one row for T3 and T4g; T3a (the AMD twin)
//! has the same credits, vCPUs and baselines in the same AWS table, so it shares
//! T3's rows *(the T3a rows are that table's, not restated in aws-facts.md)*.
//! T2 alone gets launch credits: 30 per vCPU (20.5).

/// Credits of one burstable size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct BurstableType {
    pub(crate) vcpu: u32,
    /// Credits earned per hour (20.5's "credits/h").
    pub(crate) credits_per_hour: f64,
    /// Baseline utilisation per vCPU, as a fraction (0.2 for 20 %).
    pub(crate) baseline: f64,
    /// The most credits the balance holds: 24 h of earnings (20.5).
    pub(crate) max_balance: f64,
    /// Credits given at launch (and start), spent first, outside the balance limit:
    /// 30 per vCPU for T2, none for the others (20.5).
    pub(crate) launch_credits: f64,
}

/// The burstable families and whether they launch `unlimited` by default: "T4g,
/// T3a, T3 launch `unlimited`; T2 launch `standard`" (aws-facts.md 20.5).
const FAMILIES: [(&str, bool); 4] = [("t2", false), ("t3", true), ("t3a", true), ("t4g", true)];

/// (size, vCPU, credits per hour, baseline per vCPU) for T2 (aws-facts.md 20.5).
const T2: [(&str, u32, f64, f64); 7] = [
    ("nano", 1, 3.0, 0.05),
    ("micro", 1, 6.0, 0.10),
    ("small", 1, 12.0, 0.20),
    ("medium", 2, 24.0, 0.20),
    ("large", 2, 36.0, 0.30),
    ("xlarge", 4, 54.0, 0.225),
    ("2xlarge", 8, 81.6, 0.17),
];

/// The same for T3, T3a and T4g (aws-facts.md 20.5, "t3/t4g" rows).
const T3: [(&str, u32, f64, f64); 7] = [
    ("nano", 2, 6.0, 0.05),
    ("micro", 2, 12.0, 0.10),
    ("small", 2, 24.0, 0.20),
    ("medium", 2, 24.0, 0.20),
    ("large", 2, 36.0, 0.30),
    ("xlarge", 4, 96.0, 0.40),
    ("2xlarge", 8, 192.0, 0.40),
];

/// T2 launch credits per vCPU (aws-facts.md 20.5).
const T2_LAUNCH_CREDITS_PER_VCPU: f64 = 30.0;

/// The burstable size `name` (`t3.medium`), or `None` for any other type.
pub(crate) fn lookup(name: &str) -> Option<BurstableType> {
    let (family, size) = name.split_once('.')?;
    let &(_, _) = FAMILIES.iter().find(|(f, _)| *f == family)?;
    let table = if family == "t2" { &T2 } else { &T3 };
    let &(_, vcpu, credits_per_hour, baseline) = table.iter().find(|(s, ..)| *s == size)?;
    Some(BurstableType {
        vcpu,
        credits_per_hour,
        baseline,
        // "max accrued = 24 h of earnings" (20.5).
        max_balance: credits_per_hour * 24.0,
        launch_credits: if family == "t2" {
            T2_LAUNCH_CREDITS_PER_VCPU * f64::from(vcpu)
        } else {
            0.0
        },
    })
}

/// Whether the family of `name` launches in unlimited mode by default (20.5).
pub(crate) fn unlimited_by_default(name: &str) -> bool {
    let family = name.split_once('.').map_or(name, |(f, _)| f);
    FAMILIES
        .iter()
        .any(|&(f, unlimited)| f == family && unlimited)
}

/// The price of a surplus credit, per vCPU-hour: $0.05 for Linux in us-east-1, and
/// $0.04 for T4g (aws-facts.md 1.1 and 20.5; the T4g rate is marked unverified there).
pub(crate) fn surplus_price_per_vcpu_hour(name: &str) -> f64 {
    if name.starts_with("t4g.") { 0.04 } else { 0.05 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every row earns `baseline × vCPUs × 60` credits an hour, as 20.5 says the
    /// table is made, and holds 24 hours of them.
    #[test]
    fn rows_follow_the_earning_rule() {
        for family in ["t2", "t3", "t3a", "t4g"] {
            for size in [
                "nano", "micro", "small", "medium", "large", "xlarge", "2xlarge",
            ] {
                let t = lookup(&format!("{family}.{size}")).unwrap();
                let rule = t.baseline * f64::from(t.vcpu) * 60.0;
                assert!((rule - t.credits_per_hour).abs() < 1e-9, "{family}.{size}");
            }
        }
        assert_eq!(lookup("t2.micro").unwrap().max_balance, 144.0);
        assert_eq!(lookup("t2.micro").unwrap().launch_credits, 30.0);
        assert_eq!(lookup("t3.2xlarge").unwrap().max_balance, 4608.0);
        assert_eq!(lookup("t3.micro").unwrap().launch_credits, 0.0);
        assert!(lookup("m5.large").is_none());
        assert!(lookup("t3.4xlarge").is_none());
        assert!(unlimited_by_default("t3a.small") && !unlimited_by_default("t2.small"));
    }
}
