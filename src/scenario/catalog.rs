//! The built-in instance catalog: vCPU, memory and the us-east-1 Linux on-demand price.
//!
//! Source: aws-facts.md 1.2 (SpareCores `sc-data`, AWS ONDEMAND Linux, crawled
//! 2024-02-21; vCPU and memory from the EC2 user guide). m5a.large is not in that
//! table; its $0.086 is AWS's public on-demand price page for us-east-1 (it is the
//! AMD twin of m5.large, 10 % cheaper). A scenario may override any of these values.
//!
//! Also the reservation discounts (`reservation_discount`), the other half of the
//! price list the loader fills defaults from.

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct InstanceType {
    pub(crate) name: &'static str,
    pub(crate) vcpu: u32,
    pub(crate) memory_gib: f64,
    pub(crate) price_per_hour: f64,
}

pub(crate) const CATALOG: &[InstanceType] = &[
    InstanceType {
        name: "t3.micro",
        vcpu: 2,
        memory_gib: 1.0,
        price_per_hour: 0.0104,
    },
    InstanceType {
        name: "t3.medium",
        vcpu: 2,
        memory_gib: 4.0,
        price_per_hour: 0.0416,
    },
    InstanceType {
        name: "m5.large",
        vcpu: 2,
        memory_gib: 8.0,
        price_per_hour: 0.096,
    },
    InstanceType {
        name: "m5.xlarge",
        vcpu: 4,
        memory_gib: 16.0,
        price_per_hour: 0.192,
    },
    InstanceType {
        name: "m5a.large",
        vcpu: 2,
        memory_gib: 8.0,
        price_per_hour: 0.086,
    },
    InstanceType {
        name: "c5.large",
        vcpu: 2,
        memory_gib: 4.0,
        price_per_hour: 0.085,
    },
    InstanceType {
        name: "c5.xlarge",
        vcpu: 4,
        memory_gib: 8.0,
        price_per_hour: 0.17,
    },
    InstanceType {
        name: "r5.large",
        vcpu: 2,
        memory_gib: 16.0,
        price_per_hour: 0.126,
    },
    InstanceType {
        name: "m6i.large",
        vcpu: 2,
        memory_gib: 8.0,
        price_per_hour: 0.096,
    },
    InstanceType {
        name: "m7g.large",
        vcpu: 2,
        memory_gib: 8.0,
        price_per_hour: 0.0816,
    },
];

pub(crate) fn lookup(name: &str) -> Option<&'static InstanceType> {
    CATALOG.iter().find(|t| t.name == name)
}

/// The catalog's names, for error messages.
pub(crate) fn names() -> String {
    CATALOG
        .iter()
        .map(|t| t.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Effective discount of a reservation off on-demand, upfront amortised (aws-facts.md
/// 1.3, the table read from a current AWS price scrape). Savings plans are priced like
/// the reservation class they resemble: EC2 Instance Savings Plans like Standard RIs,
/// Compute Savings Plans like Convertible RIs.
pub(crate) fn reservation_discount(
    class: crate::model::OfferingClass,
    term: crate::model::Term,
    payment: crate::model::Payment,
) -> f64 {
    use crate::model::{OfferingClass::*, Payment::*, Term::*};
    match (class, term, payment) {
        (Standard, OneYear, NoUpfront) => 0.385,
        (Standard, OneYear, PartialUpfront) => 0.414,
        (Standard, OneYear, AllUpfront) => 0.426,
        (Standard, ThreeYears, NoUpfront) => 0.679,
        (Standard, ThreeYears, PartialUpfront) => 0.703,
        (Standard, ThreeYears, AllUpfront) => 0.721,
        (Convertible, OneYear, NoUpfront) => 0.261,
        (Convertible, OneYear, PartialUpfront) => 0.296,
        (Convertible, OneYear, AllUpfront) => 0.310,
        (Convertible, ThreeYears, NoUpfront) => 0.614,
        (Convertible, ThreeYears, PartialUpfront) => 0.643,
        (Convertible, ThreeYears, AllUpfront) => 0.650,
    }
}
