//! The cloud model: traffic, the load balancer, instances, the Auto Scaling group and
//! the bill, driven by one closed event enum over the kernel in `crate::engine`.
//!
//! The model reads a validated [`Config`] and produces a [`RunOutcome`] plus a stream of
//! [`TimelineRow`]s; it never touches files, threads or the wall clock. Every AWS rule
//! it implements cites `reference/aws-facts.md` next to the code.

mod balancer;
mod batch;
mod bill;
mod billing;
mod calls;
mod cluster;
pub mod config;
mod credits;
mod deployment;
mod dist;
mod ec2;
mod egress;
mod event;
mod fleet;
mod instance;
mod lambda;
mod metrics;
pub mod outcome;
mod queueing;
mod rds;
mod scaling;
mod serving;
mod sim;
mod spot;
mod sqs;
pub mod traffic;
mod warm_pool;

pub use bill::{BillPart, bill_parts};
pub use config::*;
pub use outcome::*;
pub use sim::{RunObserver, RunOutcome, simulate, simulate_observed};
