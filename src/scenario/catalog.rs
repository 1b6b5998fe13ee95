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

/// Effective discount of an RDS reservation off on-demand, upfront amortised, where
/// aws-facts.md 16.6 gives one: 1 year no upfront 0.70 × on-demand, 3 years all
/// upfront 0.33 × on-demand. For the other terms and payments it gives none: the
/// scenario gives the prices.
pub(crate) fn rds_reservation_discount(
    term: crate::model::Term,
    payment: crate::model::Payment,
) -> Option<f64> {
    use crate::model::{Payment::*, Term::*};
    match (term, payment) {
        (OneYear, NoUpfront) => Some(0.30),
        (ThreeYears, AllUpfront) => Some(0.67),
        _ => None,
    }
}

/// An RDS DB instance class: vCPU, memory and the us-east-1 Single-AZ on-demand price
/// per engine (Multi-AZ bills the standby too, so twice that).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DbClass {
    pub(crate) name: &'static str,
    pub(crate) vcpu: u32,
    pub(crate) memory_gib: f64,
    pub(crate) mysql_per_hour: f64,
    pub(crate) postgres_per_hour: f64,
}

/// Source: aws-facts.md 16.5 (and 7 for db.m5.xlarge's MySQL price). Prices marked
/// unverified there are kept as they are; db.m5.xlarge's PostgreSQL price is twice
/// db.m5.large's, as RDS prices double with each size within a family (unverified).
pub(crate) const DB_CLASSES: &[DbClass] = &[
    db("db.t3.micro", 2, 1.0, 0.017, 0.018),
    db("db.t3.medium", 2, 4.0, 0.068, 0.072),
    db("db.t4g.micro", 2, 1.0, 0.016, 0.016),
    db("db.t4g.small", 2, 2.0, 0.032, 0.032),
    db("db.t4g.medium", 2, 4.0, 0.065, 0.065),
    db("db.m5.large", 2, 8.0, 0.171, 0.178),
    db("db.m5.xlarge", 4, 16.0, 0.342, 0.356),
    db("db.m6g.large", 2, 8.0, 0.152, 0.159),
    db("db.r5.large", 2, 16.0, 0.240, 0.250),
    db("db.r6g.large", 2, 16.0, 0.215, 0.225),
];

const fn db(name: &'static str, vcpu: u32, memory_gib: f64, mysql: f64, postgres: f64) -> DbClass {
    DbClass {
        name,
        vcpu,
        memory_gib,
        mysql_per_hour: mysql,
        postgres_per_hour: postgres,
    }
}

pub(crate) fn db_class(name: &str) -> Option<&'static DbClass> {
    DB_CLASSES.iter().find(|c| c.name == name)
}

/// The DB classes' names, for error messages.
pub(crate) fn db_class_names() -> String {
    DB_CLASSES
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}
