//! The simulation kernel: integer time, the event queue, random number streams and
//! streaming statistics.
//!
//! Nothing here knows about clouds, files, threads or the wall clock. The model
//! (`crate::model`) drives these pieces with its own closed event enum; keeping the
//! kernel generic is what lets the benches measure it alone and the queue be tested
//! against a `BTreeMap` reference.

mod queue;
mod rng;
mod stats;
mod time;

pub use queue::EventQueue;
pub use rng::{RngStreams, SimRng};
pub use stats::{LatencyHistogram, TimeIntegral};
pub use time::{NANOS_PER_SEC, SECS_PER_HOUR, SimDuration, SimTime};
