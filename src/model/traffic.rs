//! Request arrivals: a non-homogeneous Poisson process with the scenario's rate.
//!
//! Sampling is exact, by thinning (Lewis and Shedler, 1979): time is cut into windows
//! (60 s, or the trace interval if shorter); in each window candidate points come from
//! a homogeneous process at an upper bound `M` of the rate over the window, and each is
//! kept with probability `rate(t) / M`. Because the exponential distribution is
//! memoryless, a candidate that falls past the window end can be discarded and the
//! search restarted at the window end. The alternative, "hold the rate constant for a
//! minute", is wrong inside a ramp and is not used unless a trace says so.

use super::config::{Diurnal, Spike, Trace, TrafficConfig};
use crate::engine::{SimDuration, SimRng, SimTime};
use rand::Rng;
use std::f64::consts::TAU;

/// The arrival rate as a function of time, in requests per second.
#[derive(Clone, Debug)]
pub struct RateFunction {
    base: f64,
    spikes: Vec<Spike>,
    diurnal: Option<Diurnal>,
    trace: Option<Trace>,
}

impl RateFunction {
    pub fn new(config: &TrafficConfig) -> Self {
        RateFunction {
            base: config.rate,
            spikes: config.spike.clone(),
            diurnal: config.diurnal.clone(),
            trace: config.trace.clone(),
        }
    }

    /// The rate at `t_ns` nanoseconds.
    #[inline]
    pub fn at(&self, t_ns: u64) -> f64 {
        let t = t_ns as f64 * 1e-9;
        let mut rate = self.base;
        for spike in &self.spikes {
            rate += spike_at(spike, t);
        }
        if let Some(d) = &self.diurnal {
            rate += diurnal_at(d, t);
        }
        if let Some(trace) = &self.trace {
            rate += trace_at(trace, t_ns);
        }
        rate
    }

    /// The maximum of the rate over `[a_ns, b_ns)`, exact for every component.
    pub fn max_over(&self, a_ns: u64, b_ns: u64) -> f64 {
        let (a, b) = (a_ns as f64 * 1e-9, b_ns as f64 * 1e-9);
        let mut bound = self.base;
        for spike in &self.spikes {
            bound += spike_max_over(spike, a, b);
        }
        if let Some(d) = &self.diurnal {
            bound += diurnal_max_over(d, a, b);
        }
        if let Some(trace) = &self.trace {
            bound += trace_max_over(trace, a_ns, b_ns);
        }
        bound
    }

    /// True when the rate is constant inside each thinning window, so candidates need
    /// no acceptance test.
    fn piecewise_constant(&self) -> bool {
        self.spikes.is_empty() && self.diurnal.is_none()
    }

    /// The expected number of arrivals in `[a_ns, b_ns)`: the integral of the rate,
    /// in closed form for every component (a trapezoid is linear between its
    /// breakpoints, a cosine integrates to a sine, a trace is constant per interval),
    /// so it costs the same for a minute as for a month.
    pub fn integral(&self, a_ns: u64, b_ns: u64) -> f64 {
        if b_ns <= a_ns {
            return 0.0;
        }
        let (a, b) = (a_ns as f64 * 1e-9, b_ns as f64 * 1e-9);
        let mut sum = self.base * (b - a);
        for spike in &self.spikes {
            sum += spike_integral(spike, a, b);
        }
        if let Some(d) = &self.diurnal {
            sum += diurnal_integral(d, a, b);
        }
        if let Some(trace) = &self.trace {
            sum += trace_integral(trace, a_ns, b_ns);
        }
        sum
    }

    /// The mean rate over `[a_ns, b_ns)`, in requests per second.
    pub fn mean_over(&self, a_ns: u64, b_ns: u64) -> f64 {
        if b_ns <= a_ns {
            return self.at(a_ns);
        }
        self.integral(a_ns, b_ns) / ((b_ns - a_ns) as f64 * 1e-9)
    }
}

/// The integral of a trapezoid over `[a, b]`: on each of its three linear pieces the
/// trapezoid rule is exact.
fn spike_integral(s: &Spike, a: f64, b: f64) -> f64 {
    let [start, top, fall, end] = spike_breakpoints(s);
    let pieces = [
        (start, top, 0.0, s.peak),
        (top, fall, s.peak, s.peak),
        (fall, end, s.peak, 0.0),
    ];
    let mut sum = 0.0;
    for (p0, p1, v0, v1) in pieces {
        let (x, y) = (a.max(p0), b.min(p1));
        if y > x {
            let value = |t: f64| v0 + (v1 - v0) * (t - p0) / (p1 - p0);
            sum += 0.5 * (value(x) + value(y)) * (y - x);
        }
    }
    sum
}

/// `low + (high - low) (1 + cos(2π (t - peak) / P)) / 2` integrated over `[a, b]`.
fn diurnal_integral(d: &Diurnal, a: f64, b: f64) -> f64 {
    let (period, peak) = (d.period.as_secs_f64(), d.peak_at.as_secs_f64());
    let half = 0.5 * (d.high - d.low);
    let sine = |t: f64| (TAU * (t - peak) / period).sin();
    (d.low + half) * (b - a) + half * period / TAU * (sine(b) - sine(a))
}

/// The overlap of `[a_ns, b_ns)` with each trace interval, times its rate.
fn trace_integral(trace: &Trace, a_ns: u64, b_ns: u64) -> f64 {
    let step = trace.interval.0;
    let first = a_ns / step;
    let last = ((b_ns - 1) / step).min(trace.rates.len() as u64);
    (first..=last)
        .filter_map(|i| {
            let rate = *trace.rates.get(i as usize)?;
            let overlap = b_ns.min((i + 1) * step) - a_ns.max(i * step);
            Some(rate * overlap as f64 * 1e-9)
        })
        .sum()
}

fn spike_breakpoints(s: &Spike) -> [f64; 4] {
    let start = s.start.as_secs_f64();
    let top = start + s.ramp.as_secs_f64();
    let fall = top + s.hold.as_secs_f64();
    [start, top, fall, fall + s.ramp_down.as_secs_f64()]
}

fn spike_at(s: &Spike, t: f64) -> f64 {
    let [start, top, fall, end] = spike_breakpoints(s);
    if t <= start || t >= end {
        0.0
    } else if t < top {
        s.peak * (t - start) / (top - start)
    } else if t <= fall {
        s.peak
    } else {
        s.peak * (end - t) / (end - fall)
    }
}

fn spike_max_over(s: &Spike, a: f64, b: f64) -> f64 {
    // A trapezoid is linear between its breakpoints, so its maximum over an interval
    // is at an end of the interval or at a breakpoint inside it.
    let mut best = spike_at(s, a).max(spike_at(s, b));
    for p in spike_breakpoints(s) {
        if p > a && p < b {
            best = best.max(spike_at(s, p));
        }
    }
    best
}

fn diurnal_at(d: &Diurnal, t: f64) -> f64 {
    let phase = (t - d.peak_at.as_secs_f64()) / d.period.as_secs_f64();
    d.low + (d.high - d.low) * 0.5 * (1.0 + (TAU * phase).cos())
}

fn diurnal_max_over(d: &Diurnal, a: f64, b: f64) -> f64 {
    // The cosine's only interior maxima are its peaks; if one lies in [a, b] the bound
    // is `high`, otherwise the maximum is at an end.
    let period = d.period.as_secs_f64();
    let first_peak_after_a =
        d.peak_at.as_secs_f64() + ((a - d.peak_at.as_secs_f64()) / period).ceil() * period;
    if first_peak_after_a <= b {
        d.high
    } else {
        diurnal_at(d, a).max(diurnal_at(d, b))
    }
}

fn trace_at(trace: &Trace, t_ns: u64) -> f64 {
    let i = t_ns / trace.interval.0;
    trace.rates.get(i as usize).copied().unwrap_or(0.0)
}

/// Integer indices, so that a window ending exactly where an interval starts does not
/// pick up that interval's rate.
fn trace_max_over(trace: &Trace, a_ns: u64, b_ns: u64) -> f64 {
    let first = (a_ns / trace.interval.0) as usize;
    let last = ((b_ns.max(a_ns + 1) - 1) / trace.interval.0) as usize;
    if first >= trace.rates.len() {
        return 0.0;
    }
    let last = last.min(trace.rates.len() - 1);
    trace.rates[first..=last]
        .iter()
        .copied()
        .fold(0.0, f64::max)
}

/// Draws arrival times one at a time, in order; it holds no per-request state.
pub struct ArrivalProcess {
    rate: RateFunction,
    rng: SimRng,
    /// Candidate clock, in nanoseconds.
    now: u64,
    window_end: u64,
    window_len: u64,
    bound: f64,
    constant_in_window: bool,
    end: u64,
}

impl ArrivalProcess {
    /// Arrivals in `[0, end)`.
    pub fn new(config: &TrafficConfig, rng: SimRng, end: SimTime) -> Self {
        let rate = RateFunction::new(config);
        let mut window_len = SimDuration::from_secs(60).0;
        if let Some(trace) = &config.trace {
            window_len = window_len.min(trace.interval.0);
        }
        let constant_in_window = rate.piecewise_constant()
            && config
                .trace
                .as_ref()
                .is_none_or(|t| t.interval.0 % window_len == 0);
        let mut process = ArrivalProcess {
            rate,
            rng,
            now: 0,
            window_end: 0,
            window_len,
            bound: 0.0,
            constant_in_window,
            end: end.0,
        };
        process.enter_window(0);
        process
    }

    fn enter_window(&mut self, start: u64) {
        self.now = start;
        self.window_end = (start / self.window_len + 1) * self.window_len;
        self.bound = self.rate.max_over(start, self.window_end);
    }

    /// The next arrival time, or `None` once past the end of the run.
    #[inline]
    pub fn next_arrival(&mut self) -> Option<SimTime> {
        loop {
            if self.now >= self.end {
                return None;
            }
            if self.bound <= 0.0 {
                self.enter_window(self.window_end);
                continue;
            }
            let gap: f64 = self.rng.sample(rand_distr::Exp1);
            let step = SimDuration::from_secs_f64(gap / self.bound).0;
            let candidate = self.now.saturating_add(step.max(1));
            if candidate >= self.window_end {
                self.enter_window(self.window_end);
                continue;
            }
            self.now = candidate;
            if self.constant_in_window {
                return (candidate < self.end).then_some(SimTime(candidate));
            }
            let u: f64 = self.rng.random();
            if u * self.bound < self.rate.at(candidate) {
                return (candidate < self.end).then_some(SimTime(candidate));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    fn spike_config() -> TrafficConfig {
        TrafficConfig {
            rate: 20.0,
            spike: vec![Spike {
                start: SimDuration::from_secs(100),
                ramp: SimDuration::from_secs(50),
                hold: SimDuration::from_secs(100),
                ramp_down: SimDuration::from_secs(50),
                peak: 180.0,
            }],
            diurnal: None,
            trace: None,
        }
    }

    #[test]
    fn spike_shape_is_a_trapezoid() {
        let r = RateFunction::new(&spike_config());
        let s = |secs: u64| secs * 1_000_000_000;
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-9, "{a} vs {b}");
        close(r.at(s(50)), 20.0);
        close(r.at(s(125)), 20.0 + 90.0);
        close(r.at(s(200)), 200.0);
        close(r.at(s(275)), 20.0 + 90.0);
        close(r.at(s(400)), 20.0);
        close(r.max_over(0, s(120)), 20.0 + 180.0 * 20.0 / 50.0);
        close(r.max_over(s(120), s(130)), 20.0 + 180.0 * 30.0 / 50.0);
    }

    /// The closed-form integral agrees with a fine midpoint sum (1 ms steps: error
    /// well under 1e-6 relative for these shapes) over windows that cut the spike's
    /// ramps, a trace's intervals and the cosine anywhere, and adds up over splits.
    #[test]
    fn the_integral_is_exact_for_every_component() {
        let mut config = spike_config();
        config.diurnal = Some(Diurnal {
            low: 10.0,
            high: 110.0,
            period: SimDuration::from_secs(600),
            peak_at: SimDuration::from_secs(100),
        });
        config.trace = Some(Trace {
            file: "t.csv".into(),
            interval: SimDuration::from_secs(7),
            column: "count".into(),
            scale: 1.0,
            rates: (0..40).map(|i| f64::from(i % 3) * 50.0).collect(),
        });
        let r = RateFunction::new(&config);
        let numeric = |a: u64, b: u64| {
            const STEP: u64 = 1_000_000;
            (a..b)
                .step_by(STEP as usize)
                .map(|t| r.at(t + STEP.min(b - t) / 2) * STEP.min(b - t) as f64 * 1e-9)
                .sum::<f64>()
        };
        let ms = |m: u64| m * 1_000_000;
        for (a, b) in [
            (0, 400_000),
            (13_500, 121_250),
            (99_999, 100_001),
            (250_000, 260_000),
        ] {
            let (exact, approx) = (r.integral(ms(a), ms(b)), numeric(ms(a), ms(b)));
            assert!(
                (exact - approx).abs() <= 1e-6 * approx.max(1.0),
                "[{a}, {b}) ms: {exact} vs {approx}"
            );
        }
        let whole = r.integral(0, ms(300_000));
        let split = r.integral(0, ms(123_457)) + r.integral(ms(123_457), ms(300_000));
        assert!((whole - split).abs() < 1e-9 * whole);
        assert_eq!(r.integral(ms(5), ms(5)), 0.0);
    }

    #[test]
    fn diurnal_bound_covers_the_peak() {
        let d = Diurnal {
            low: 10.0,
            high: 110.0,
            period: SimDuration::from_secs(86_400),
            peak_at: SimDuration::from_secs(50_400),
        };
        assert!((diurnal_at(&d, 50_400.0) - 110.0).abs() < 1e-9);
        assert!((diurnal_at(&d, 50_400.0 - 43_200.0) - 10.0).abs() < 1e-9);
        assert_eq!(diurnal_max_over(&d, 50_000.0, 50_500.0), 110.0);
        // Away from a peak the bound is the larger end: at midnight the rate is still
        // falling towards the 02:00 trough, so the earlier end.
        let edge = diurnal_max_over(&d, 0.0, 60.0);
        assert_eq!(edge, diurnal_at(&d, 0.0));
        assert!(diurnal_at(&d, 0.0) > diurnal_at(&d, 60.0));
    }

    /// Counts in each of 100 windows of 10 s around a spike are Poisson with mean equal
    /// to the integral of the rate. Over 20 seeds the total count is compared with the
    /// total integral: the standard deviation of a Poisson total with mean m is sqrt(m),
    /// so 4 sigma bounds a false failure at about 6e-5.
    #[test]
    fn arrival_counts_match_the_integral_of_the_rate() {
        let config = spike_config();
        let rate = RateFunction::new(&config);
        let end = SimTime::from_secs(400);
        let expected_per_run = rate.integral(0, end.0);
        let mut total = 0u64;
        let runs = 20;
        for seed in 0..runs {
            let rng = RngStreams::new(seed).stream("arrivals");
            let mut process = ArrivalProcess::new(&config, rng, end);
            let mut last = SimTime::ZERO;
            while let Some(t) = process.next_arrival() {
                assert!(t >= last && t < end);
                last = t;
                total += 1;
            }
        }
        let mean = expected_per_run * runs as f64;
        assert!(
            ((total as f64) - mean).abs() < 4.0 * mean.sqrt(),
            "total {total} vs {mean}"
        );
    }
}
