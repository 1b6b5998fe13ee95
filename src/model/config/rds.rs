//! The configuration of an `rds` tier: the database, its failovers and its engine
//! (aws-facts.md 7, 16).

use super::*;

/// An Amazon RDS database (`kind = "rds"`): a primary, its Multi-AZ standby and read
/// replicas of one instance class, the connection pools its callers keep, and the
/// queries each call runs (issue 13).
#[derive(Clone, Debug, PartialEq)]
pub struct RdsConfig {
    pub engine: DbEngine,
    /// The instance class (`db.m5.large`) of the primary, the standby and the replicas.
    pub class: String,
    pub vcpu: u32,
    pub memory_gib: f64,
    /// The Single-AZ on-demand price of the class for the engine (aws-facts.md 16.5).
    pub price_per_hour: f64,
    /// A synchronous standby in another zone, billed like the primary (16.1).
    pub multi_az: bool,
    pub read_replicas: u32,
    /// The share of calls that only read: they go to a replica when there is one.
    pub read_share: f64,
    /// Connections each instance accepts: the engine's formula on the class's memory
    /// unless given (aws-facts.md 7).
    pub max_connections: u32,
    /// Connections each calling instance keeps to each endpoint at most.
    pub pool_size: u32,
    /// Queries per call, run one after the other on the call's connection.
    pub queries: u32,
    /// The database CPU time of one query.
    pub query_time: DurationDist,
    /// gp3 storage, GB (billed per GB-month, aws-facts.md 16.4).
    pub storage_gb: u32,
    /// Multi-AZ failovers, in time order (a Multi-AZ database only).
    pub failovers: Vec<Failover>,
    /// RDS Proxy in front of the primary (aws-facts.md 16.3).
    pub proxy: bool,
    /// Reserved DB instances of `class` (aws-facts.md 16.6), settled per clock hour as
    /// EC2's: each covers 3,600 seconds of any of the tier's DB instances (primary,
    /// standby, replicas) per clock hour.
    pub reserved: Vec<Reservation>,
}

/// A Multi-AZ failover at `at`: the primary answers nothing until the standby has
/// taken over, after `duration` (aws-facts.md 16.1: typically 60-120 s).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Failover {
    pub at: SimDuration,
    /// `None`: drawn uniformly between 60 s and 120 s.
    pub duration: Option<SimDuration>,
}

/// The database engine: it sets the price and the `max_connections` formula.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbEngine {
    Mysql,
    Postgres,
}

impl DbEngine {
    /// The default parameter group's `max_connections` for a class of `memory_gib`
    /// (aws-facts.md 7): MySQL `{DBInstanceClassMemory/12582880}`, PostgreSQL
    /// `LEAST({DBInstanceClassMemory/9531392},5000)`, with `DBInstanceClassMemory` the
    /// class's memory in bytes (16 GiB gives MySQL 1,365, "around 1,300" in AWS's
    /// words; 4 GiB gives PostgreSQL 450).
    pub fn max_connections(self, memory_gib: f64) -> u32 {
        let bytes = memory_gib * 1024.0 * 1024.0 * 1024.0;
        match self {
            DbEngine::Mysql => (bytes / 12_582_880.0).floor() as u32,
            DbEngine::Postgres => ((bytes / 9_531_392.0).floor() as u32).min(5000),
        }
    }
}
