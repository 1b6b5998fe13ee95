//! Dedicated Host families: the physical cores of a host and its on-demand price per
//! hour (aws-facts.md 20.1), in a table of its own beside the instance catalog.
//!
//! A host holds as many instances of a size as its cores allow: an M5 or R5 host has
//! 2 sockets and 48 physical cores, and "a host allocated for m5.4xlarge (8 cores
//! each) runs 6 of them" (20.1); an x86 instance has 2 vCPUs per core (1.2), so an
//! m5.large (2 vCPUs, 1 core) fills 1 of the 48. simcloud fills a host with one size,
//! the group's; AWS's multi-size hosts (20.1) would fit the same cores differently.

/// A Dedicated Host family.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct HostFamily {
    pub(crate) family: &'static str,
    pub(crate) physical_cores: u32,
    /// vCPUs per physical core of the family's instances: 2 on x86 (1.2).
    pub(crate) vcpus_per_core: u32,
    pub(crate) price_per_hour: f64,
}

/// Source: aws-facts.md 20.1. The M5 host's $5.069/h is marked unverified there (it
/// is 48 × $0.1056, 10 % above 48 shared-tenancy m5.large). The R5 host's price is
/// not in the facts: it is derived the same way, 48 × $0.126 (r5.large, 1.2) × 1.10
/// = $6.6528, and a scenario may give its own (`[purchase.hosts] price_per_hour`).
pub(crate) const HOST_FAMILIES: &[HostFamily] = &[
    HostFamily {
        family: "m5",
        physical_cores: 48,
        vcpus_per_core: 2,
        price_per_hour: 5.069,
    },
    HostFamily {
        family: "r5",
        physical_cores: 48,
        vcpus_per_core: 2,
        price_per_hour: 6.6528,
    },
];

pub(crate) fn host_family(family: &str) -> Option<&'static HostFamily> {
    HOST_FAMILIES.iter().find(|h| h.family == family)
}

/// The families' names, for error messages.
pub(crate) fn host_family_names() -> String {
    HOST_FAMILIES
        .iter()
        .map(|h| h.family)
        .collect::<Vec<_>>()
        .join(", ")
}

impl HostFamily {
    /// Instances of `vcpu` vCPUs one host holds: its cores over each instance's.
    pub(crate) fn instances_per_host(&self, vcpu: u32) -> u32 {
        let cores_each = vcpu.div_ceil(self.vcpus_per_core).max(1);
        self.physical_cores / cores_each
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// aws-facts.md 20.1: an M5 host runs 6 m5.4xlarge (16 vCPUs, 8 cores) and 48
    /// m5.large (2 vCPUs, 1 core).
    #[test]
    fn an_m5_host_holds_six_4xlarge_or_48_large() {
        let m5 = host_family("m5").unwrap();
        assert_eq!(m5.instances_per_host(16), 6);
        assert_eq!(m5.instances_per_host(2), 48);
    }
}
