//! The built-in instance catalog: vCPU, memory, the us-east-1 Linux on-demand price,
//! family, architecture and relative per-core speed of each instance type.
//!
//! Prices, vCPU and memory (each entry names its source):
//! - the ten types simcloud started with: aws-facts.md 1.2 (SpareCores `sc-data`, AWS
//!   ONDEMAND Linux, crawled 2024-02-21; vCPU and memory from the EC2 user guide).
//!   m5a.large is not in that table; its $0.086 is AWS's public on-demand price page
//!   for us-east-1 (it is the AMD twin of m5.large, 10 % cheaper). Their numbers are
//!   unchanged since.
//! - one or two sizes of every family the course notes name: aws-facts.md 20.6 (public
//!   price tables of January 2025 and April 2026, vCPU and memory from
//!   DescribeInstanceTypes dumps). Prices marked *(unverified)* there (a1, m4.xlarge,
//!   g3, h1) say so in their `source`.
//! - T3a and T4g (medium and large): neither the facts nor an AWS page found for this
//!   work gives their price, so they come second-hand, from public tables of us-east-1
//!   Linux on-demand prices that agree with one another (several cost tools' price
//!   tables of 2025-2026 on GitHub give t3a.medium $0.0376, t3a.large $0.0752,
//!   t4g.medium $0.0336, t4g.large $0.0672). They fit AWS's stated positioning: the
//!   AMD twins about 10 % below T3, Graviton2 about 20 % below. Their `source` says
//!   *second-hand*; an offer file (`[pricing] offer_file`) replaces them with AWS's own.
//!
//! A scenario may override any of these values (`[instance]`), or replace them with
//! AWS's own price list (`[pricing] offer_file`, see `offer`).
//!
//! **Speed** is the relative speed of one vCPU of the type at serving a request, with
//! m5.large = 1.0: a request drawn to take `t` on m5.large takes `t / speed` on the
//! type. AWS publishes no per-core benchmark across types, only each processor's clock
//! (the instance-types pages, and the offer file's `Clock Speed` column, aws-facts.md
//! 22.2). simcloud's assumption, stated once here and in README.md:
//! - families of the m5 generation and later (M5, M5a, M6i, M7g, C5, R5, T3, T3a, T4g, G4dn, and
//!   I3, which aws-facts.md 20.6 does not count as previous-generation) are 1.0. Their
//!   clocks differ by less than their cores do in other ways (m5 3.1 GHz, c5 3.4 GHz,
//!   m6i 3.5 GHz, m5a 2.5 GHz AMD, m7g 2.6 GHz Graviton3), and a clock ratio across
//!   vendors would rank Graviton3 below Skylake, which no benchmark does. This also
//!   keeps the shipped scenarios' results, which use these types, unchanged.
//! - the previous-generation families of aws-facts.md 20.6 (A1, T2, M4, C4, R4, X1, P2,
//!   P3, G3, D2, H1) are older cores: speed = their published clock ÷ m5's 3.1 GHz,
//!   rounded to two decimals and at most 1.0 (an older core is not faster than m5's at
//!   the same clock). Clocks as AWS publishes them: Graviton (A1) 2.3 GHz, Intel Xeon
//!   E5-2686 v4 (R4, P2, P3, G3, H1) 2.3 GHz, E7-8880 v3 (X1) 2.3 GHz, E5-2676 v3 (M4,
//!   D2) 2.4 GHz, E5-2666 v3 (C4) 2.9 GHz, T2 "up to 3.3 GHz" (so 1.0).
//!
//! A scenario overrides it with `[instance] speed`.
//!
//! Also the reservation discounts (`reservation_discount`), the other half of the
//! price list the loader fills defaults from.

/// An instance type's processor architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    pub fn word(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct InstanceType {
    pub(crate) name: &'static str,
    pub(crate) family: &'static str,
    pub(crate) arch: Arch,
    pub(crate) vcpu: u32,
    pub(crate) memory_gib: f64,
    pub(crate) price_per_hour: f64,
    /// Relative per-vCPU speed, m5.large = 1.0 (see the module's doc).
    pub(crate) speed: f64,
    /// Where the price, vCPU and memory come from.
    pub(crate) source: &'static str,
}

/// The speed of the previous-generation families (module doc): clock ÷ 3.1 GHz.
const CLOCK_2_3_GHZ: f64 = 0.74;
const CLOCK_2_4_GHZ: f64 = 0.77;
const CLOCK_2_9_GHZ: f64 = 0.94;

const FACTS_1_2: &str = "aws-facts.md 1.2";
const FACTS_20_6: &str = "aws-facts.md 20.6";
const FACTS_20_6_UNVERIFIED: &str = "aws-facts.md 20.6 (price unverified there)";
const SECOND_HAND: &str = "second-hand: public us-east-1 price tables (catalog.rs doc)";

#[allow(clippy::too_many_arguments)]
const fn t(
    name: &'static str,
    family: &'static str,
    arch: Arch,
    vcpu: u32,
    memory_gib: f64,
    price_per_hour: f64,
    speed: f64,
    source: &'static str,
) -> InstanceType {
    InstanceType {
        name,
        family,
        arch,
        vcpu,
        memory_gib,
        price_per_hour,
        speed,
        source,
    }
}

use Arch::{Arm64, X86_64};

/// One list, in the order the course notes name the families; `simcloud catalog`
/// sorts it for display. Other tables keyed by type name (burstable credits,
/// dedicated hosts) refer to these names.
pub(crate) const CATALOG: &[InstanceType] = &[
    // The ten types simcloud started with (aws-facts.md 1.2; m5a: see the module doc).
    t("t3.micro", "t3", X86_64, 2, 1.0, 0.0104, 1.0, FACTS_1_2),
    t("t3.medium", "t3", X86_64, 2, 4.0, 0.0416, 1.0, FACTS_1_2),
    t("m5.large", "m5", X86_64, 2, 8.0, 0.096, 1.0, FACTS_1_2),
    t("m5.xlarge", "m5", X86_64, 4, 16.0, 0.192, 1.0, FACTS_1_2),
    t(
        "m5a.large",
        "m5a",
        X86_64,
        2,
        8.0,
        0.086,
        1.0,
        "AWS on-demand price page, us-east-1",
    ),
    t("c5.large", "c5", X86_64, 2, 4.0, 0.085, 1.0, FACTS_1_2),
    t("c5.xlarge", "c5", X86_64, 4, 8.0, 0.17, 1.0, FACTS_1_2),
    t("r5.large", "r5", X86_64, 2, 16.0, 0.126, 1.0, FACTS_1_2),
    t("m6i.large", "m6i", X86_64, 2, 8.0, 0.096, 1.0, FACTS_1_2),
    t("m7g.large", "m7g", Arm64, 2, 8.0, 0.0816, 1.0, FACTS_1_2),
    // The families of the course notes (aws-facts.md 20.6).
    t(
        "a1.medium",
        "a1",
        Arm64,
        1,
        2.0,
        0.0255,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t(
        "a1.large",
        "a1",
        Arm64,
        2,
        4.0,
        0.051,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t("t2.micro", "t2", X86_64, 1, 1.0, 0.0116, 1.0, FACTS_20_6),
    t("t2.medium", "t2", X86_64, 2, 4.0, 0.0464, 1.0, FACTS_20_6),
    t("t3.large", "t3", X86_64, 2, 8.0, 0.0832, 1.0, FACTS_20_6),
    // T3a and T4g, second-hand (module doc); vCPU and memory as their T3 twins.
    t(
        "t3a.medium",
        "t3a",
        X86_64,
        2,
        4.0,
        0.0376,
        1.0,
        SECOND_HAND,
    ),
    t("t3a.large", "t3a", X86_64, 2, 8.0, 0.0752, 1.0, SECOND_HAND),
    t("t4g.medium", "t4g", Arm64, 2, 4.0, 0.0336, 1.0, SECOND_HAND),
    t("t4g.large", "t4g", Arm64, 2, 8.0, 0.0672, 1.0, SECOND_HAND),
    t(
        "m4.large",
        "m4",
        X86_64,
        2,
        8.0,
        0.10,
        CLOCK_2_4_GHZ,
        FACTS_20_6,
    ),
    t(
        "m4.xlarge",
        "m4",
        X86_64,
        4,
        16.0,
        0.20,
        CLOCK_2_4_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t(
        "c4.large",
        "c4",
        X86_64,
        2,
        3.75,
        0.10,
        CLOCK_2_9_GHZ,
        FACTS_20_6,
    ),
    t(
        "c4.xlarge",
        "c4",
        X86_64,
        4,
        7.5,
        0.199,
        CLOCK_2_9_GHZ,
        FACTS_20_6,
    ),
    t(
        "r4.large",
        "r4",
        X86_64,
        2,
        15.25,
        0.133,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "r4.xlarge",
        "r4",
        X86_64,
        4,
        30.5,
        0.266,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t("r5.xlarge", "r5", X86_64, 4, 32.0, 0.252, 1.0, FACTS_20_6),
    t(
        "x1.16xlarge",
        "x1",
        X86_64,
        64,
        976.0,
        6.669,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "x1.32xlarge",
        "x1",
        X86_64,
        128,
        1952.0,
        13.338,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "p2.xlarge",
        "p2",
        X86_64,
        4,
        61.0,
        0.90,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "p2.8xlarge",
        "p2",
        X86_64,
        32,
        488.0,
        7.20,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "p3.2xlarge",
        "p3",
        X86_64,
        8,
        61.0,
        3.06,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "p3.8xlarge",
        "p3",
        X86_64,
        32,
        244.0,
        12.24,
        CLOCK_2_3_GHZ,
        FACTS_20_6,
    ),
    t(
        "g3s.xlarge",
        "g3",
        X86_64,
        4,
        30.5,
        0.75,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t(
        "g3.4xlarge",
        "g3",
        X86_64,
        16,
        122.0,
        1.14,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t(
        "g4dn.xlarge",
        "g4dn",
        X86_64,
        4,
        16.0,
        0.526,
        1.0,
        FACTS_20_6,
    ),
    t(
        "g4dn.2xlarge",
        "g4dn",
        X86_64,
        8,
        32.0,
        0.752,
        1.0,
        FACTS_20_6,
    ),
    t("i3.large", "i3", X86_64, 2, 15.25, 0.156, 1.0, FACTS_20_6),
    t("i3.xlarge", "i3", X86_64, 4, 30.5, 0.312, 1.0, FACTS_20_6),
    t(
        "d2.xlarge",
        "d2",
        X86_64,
        4,
        30.5,
        0.69,
        CLOCK_2_4_GHZ,
        FACTS_20_6,
    ),
    t(
        "d2.2xlarge",
        "d2",
        X86_64,
        8,
        61.0,
        1.38,
        CLOCK_2_4_GHZ,
        FACTS_20_6,
    ),
    t(
        "h1.2xlarge",
        "h1",
        X86_64,
        8,
        32.0,
        0.468,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
    t(
        "h1.4xlarge",
        "h1",
        X86_64,
        16,
        64.0,
        0.936,
        CLOCK_2_3_GHZ,
        FACTS_20_6_UNVERIFIED,
    ),
];

pub(crate) fn lookup(name: &str) -> Option<&'static InstanceType> {
    CATALOG.iter().find(|t| t.name == name)
}

/// The family of a type name as AWS spells it: what comes before the dot
/// (`m5a.large` → `m5a`); the built-in catalog's own entry says otherwise only for
/// `g3s.xlarge` (family G3).
pub(crate) fn family_of(name: &str) -> String {
    match lookup(name) {
        Some(t) => t.family.to_string(),
        None => name.split('.').next().unwrap_or(name).to_string(),
    }
}

/// One instance type as `simcloud catalog` lists it: from the built-in catalog, or
/// from an offer file (with the built-in speed of a type the catalog knows, else 1.0).
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogEntry {
    pub name: String,
    pub family: String,
    pub arch: Arch,
    pub vcpu: u32,
    pub memory_gib: f64,
    pub price_per_hour: f64,
    pub speed: f64,
    /// Where vCPU, memory and price come from.
    pub source: String,
}

impl CatalogEntry {
    pub fn price_per_vcpu_hour(&self) -> f64 {
        self.price_per_hour / f64::from(self.vcpu)
    }
}

/// The catalog: the built-in one, or, given an AWS Price List offer file, the types
/// that file prices (in `region` when given); in the built-in list's order, or the
/// file's type names' order. Errors name the file and its line.
pub fn catalog_entries(
    offer_file: Option<&std::path::Path>,
    region: Option<&str>,
) -> Result<Vec<CatalogEntry>, super::ScenarioError> {
    let Some(path) = offer_file else {
        return Ok(CATALOG
            .iter()
            .map(|t| CatalogEntry {
                name: t.name.into(),
                family: t.family.into(),
                arch: t.arch,
                vcpu: t.vcpu,
                memory_gib: t.memory_gib,
                price_per_hour: t.price_per_hour,
                speed: t.speed,
                source: t.source.into(),
            })
            .collect());
    };
    let offer = super::offer::load_offer(path, region).map_err(|e| super::ScenarioError {
        line: e.line.map(|l| l as usize),
        ..super::ScenarioError::file(path, e.message)
    })?;
    let file_name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(offer
        .types
        .iter()
        .map(|(name, t)| CatalogEntry {
            name: name.clone(),
            family: family_of(name),
            arch: t.arch,
            vcpu: t.vcpu,
            memory_gib: t.memory_gib,
            price_per_hour: t.price_per_hour,
            speed: lookup(name).map_or(DEFAULT_SPEED, |b| b.speed),
            source: format!("{file_name}:{}", t.line),
        })
        .collect())
}

/// The speed of a type the built-in catalog does not know (an offer file's, or one a
/// scenario describes with `vcpu` and `price_per_hour`): m5.large's, 1.0, unless the
/// scenario says otherwise.
pub(crate) const DEFAULT_SPEED: f64 = 1.0;

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
