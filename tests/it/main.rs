//! Integration tests, in one binary (one link step instead of one per file).
//! Each module tests one topic through the public library or the real `simcloud` binary.

mod common;

mod architecture;
mod batch;
mod beanstalk;
mod burstable;
mod catalog;
mod cli;
mod compare;
mod compare_queue;
mod deployments;
mod determinism;
mod ecs;
mod egress;
mod emr;
mod emr_fleets;
mod fargate;
mod goldens;
mod inputs;
mod lambda;
mod loader_fuzz;
mod model;
mod optimize;
mod output;
mod plots;
mod policies;
mod properties;
mod purchase;
mod rds;
mod reports;
mod shards;
mod sweeps;
mod tenancy;
mod tier_outputs;
mod tiers_input;
mod validation;
mod worker;
mod zones;
