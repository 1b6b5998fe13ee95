//! The Application Load Balancer's target group: which instances get each request.
//!
//! Only registered, healthy targets are candidates (aws-facts.md 4.4); with none, the
//! load balancer answers 503 (4.6). Algorithms (4.1): `round_robin` (the ALB default),
//! `least_outstanding_requests`, plus `random` and `power_of_two` (two random targets,
//! the less loaded wins), which ALB does not offer but which students compare against.

use super::config::Routing;
use super::instance::Instance;
use crate::engine::SimRng;
use rand::Rng;

pub struct LoadBalancer {
    algorithm: Routing,
    /// Healthy, registered targets, in registration order.
    targets: Vec<u32>,
    cursor: usize,
    rng: SimRng,
    /// Requests routed since the last metric tick (`RequestCount`).
    pub routed_in_period: u64,
}

impl LoadBalancer {
    pub fn new(algorithm: Routing, rng: SimRng) -> Self {
        LoadBalancer {
            algorithm,
            targets: Vec::new(),
            cursor: 0,
            rng,
            routed_in_period: 0,
        }
    }

    pub fn register(&mut self, id: u32) {
        debug_assert!(!self.targets.contains(&id));
        self.targets.push(id);
    }

    pub fn deregister(&mut self, id: u32) {
        if let Some(pos) = self.targets.iter().position(|&t| t == id) {
            self.targets.remove(pos);
            if self.cursor > pos {
                self.cursor -= 1;
            }
        }
    }

    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// The target for the next request, or `None` (503) when there is none.
    #[inline]
    pub fn pick(&mut self, instances: &[Instance]) -> Option<u32> {
        let n = self.targets.len();
        if n == 0 {
            return None;
        }
        self.routed_in_period += 1;
        let chosen = match self.algorithm {
            Routing::RoundRobin => {
                if self.cursor >= n {
                    self.cursor = 0;
                }
                let t = self.targets[self.cursor];
                self.cursor += 1;
                t
            }
            Routing::LeastOutstandingRequests => {
                // Ties go to the first target after the previous choice, so equally
                // loaded targets share the traffic instead of the first one taking it.
                let start = if self.cursor >= n { 0 } else { self.cursor };
                let mut best = self.targets[start];
                let mut best_load = instances[best as usize].outstanding();
                let mut best_pos = start;
                for k in 1..n {
                    let pos = (start + k) % n;
                    let t = self.targets[pos];
                    let load = instances[t as usize].outstanding();
                    if load < best_load {
                        best = t;
                        best_load = load;
                        best_pos = pos;
                    }
                }
                self.cursor = best_pos + 1;
                best
            }
            Routing::Random => self.targets[self.rng.random_range(0..n)],
            Routing::PowerOfTwo => {
                if n == 1 {
                    self.targets[0]
                } else {
                    let i = self.rng.random_range(0..n);
                    let mut j = self.rng.random_range(0..n - 1);
                    if j >= i {
                        j += 1;
                    }
                    let (a, b) = (self.targets[i], self.targets[j]);
                    if instances[b as usize].outstanding() < instances[a as usize].outstanding() {
                        b
                    } else {
                        a
                    }
                }
            }
        };
        Some(chosen)
    }
}
