//! # simcloud
//!
//! A deterministic discrete-event simulator of a web application on AWS: request
//! traffic reaches an Application Load Balancer, which routes it to EC2 instances in an
//! Auto Scaling group (never fewer than one instance alive); every run ends in a cost
//! and latency report.
//!
//! ```text
//!   scenario.toml ──► scenario ──► model::Config ──► model::simulate ──► report
//!   (TOML, --set)     (validate,      (plain data)     (event loop over   (summary.json,
//!                      defaults)                        engine)            timeline.csv,
//!                                                                          cost.csv)
//! ```
//!
//! `simcloud compare` runs the same pipeline for every `[[strategy]]` of a scenario ×
//! R seeds in parallel ([`compare`], the only module with threads) and summarises the
//! runs side by side with confidence intervals; `simcloud optimize` runs it in rounds
//! over the points of an `[optimize]` space ([`compare::optimize`]) to find the
//! cheapest configuration that meets a constraint.
//!
//! Dependencies point one way: `cli → compare/report → scenario → model → engine`.
//!
//! ## Determinism
//! - Simulated time is an integer number of nanoseconds; events are ordered by
//!   `(time, sequence number)`.
//! - Every random component draws from its own xoshiro256++ stream derived from
//!   `(seed, component name)`; see [`engine::RngStreams`].
//! - A run is single-threaded and reads no clock; outputs are rounded to fixed
//!   decimals. The same scenario and seed give byte-identical files.
//! - `compare` parallelises across runs only and orders results by input index, so its
//!   files are byte-identical whatever the thread count; so are `optimize`'s, whose
//!   decisions are taken on one thread from results in that order.
//!
//! ## Example
//! ```
//! use simcloud::{model, scenario::ScenarioFile};
//! use std::path::Path;
//!
//! let text = r#"
//!     duration = "10m"
//!     [traffic]
//!     rate = 50
//!     [service]
//!     time = { dist = "exponential", mean = "20ms" }
//! "#;
//! let config = ScenarioFile::parse(Path::new("example.toml"), text.into())?.resolve()?;
//! let outcome = model::simulate(&config, &mut |_row| {});
//! let r = outcome.summary.requests;
//! assert_eq!(r.arrived, r.completed + r.rejected + r.timed_out + r.interrupted + r.in_flight);
//! # Ok::<(), simcloud::scenario::ScenarioError>(())
//! ```

// A `pub` item must be reachable from outside the crate; what only the crate uses
// says `pub(crate)` (issue 12), so the public API is what it looks like.
#![warn(unreachable_pub)]

pub mod compare;
pub mod engine;
pub mod model;
pub mod report;
pub mod scenario;
