//! Sampling of [`DurationDist`]: service times and boot times, in nanoseconds.
//!
//! Parameters are converted once (mean and coefficient of variation into the
//! distribution's own parameters) so that a draw is one call into `rand_distr`.

use super::config::DurationDist;
use crate::engine::{SimDuration, SimRng};
use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, StandardNormal};

#[derive(Clone, Debug)]
pub(super) enum DurationSampler {
    Constant(u64),
    /// Mean in nanoseconds.
    Exponential(f64),
    /// Parameters of the underlying normal, in ln(nanoseconds).
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma(Gamma<f64>),
    Uniform {
        min: u64,
        width: u64,
    },
}

impl DurationSampler {
    pub(super) fn new(dist: &DurationDist) -> Self {
        match *dist {
            DurationDist::Constant { value } => DurationSampler::Constant(value.0),
            DurationDist::Exponential { mean } => DurationSampler::Exponential(mean.0 as f64),
            DurationDist::Lognormal { mean, cv } => {
                // For X = exp(N(mu, sigma²)): E[X] = exp(mu + sigma²/2) and
                // CV² = exp(sigma²) - 1, so sigma² = ln(1 + CV²), mu = ln(mean) - sigma²/2.
                let sigma2 = (1.0 + cv * cv).ln();
                DurationSampler::LogNormal {
                    mu: (mean.0 as f64).ln() - sigma2 / 2.0,
                    sigma: sigma2.sqrt(),
                }
            }
            DurationDist::Gamma { mean, cv } => {
                // Gamma(k, theta): mean k*theta, CV² = 1/k.
                let shape = 1.0 / (cv * cv);
                let scale = mean.0 as f64 / shape;
                DurationSampler::Gamma(
                    Gamma::new(shape, scale).expect("validated: cv > 0 and mean > 0"),
                )
            }
            DurationDist::Uniform { min, max } => DurationSampler::Uniform {
                min: min.0,
                width: max.0 - min.0,
            },
        }
    }

    /// One draw, in nanoseconds.
    #[inline]
    pub(super) fn sample(&self, rng: &mut SimRng) -> u64 {
        let nanos = match *self {
            DurationSampler::Constant(v) => return v,
            DurationSampler::Exponential(mean) => mean * rng.sample::<f64, _>(Exp1),
            DurationSampler::LogNormal { mu, sigma } => {
                (mu + sigma * rng.sample::<f64, _>(StandardNormal)).exp()
            }
            DurationSampler::Gamma(ref g) => g.sample(rng),
            DurationSampler::Uniform { min, width } => {
                return if width == 0 {
                    min
                } else {
                    min + rng.random_range(0..=width)
                };
            }
        };
        SimDuration::from_secs_f64(nanos * 1e-9).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::RngStreams;

    /// Sample mean and CV of 200 000 draws against the configured mean and CV. The
    /// standard error of a sample mean is cv * mean / sqrt(n) = 0.22 % for cv = 1, so a
    /// 1.5 % tolerance is about 7 standard errors (the sample CV converges more slowly
    /// under heavy tails, hence its 5 %).
    #[test]
    fn means_and_cvs_match_their_parameters() {
        let ms = |v| SimDuration::from_millis(v);
        let cases = [
            (DurationDist::Exponential { mean: ms(50) }, 50.0, 1.0),
            (
                DurationDist::Lognormal {
                    mean: ms(50),
                    cv: 1.0,
                },
                50.0,
                1.0,
            ),
            (
                DurationDist::Gamma {
                    mean: ms(80),
                    cv: 0.5,
                },
                80.0,
                0.5,
            ),
            (
                DurationDist::Uniform {
                    min: ms(60),
                    max: ms(120),
                },
                90.0,
                30.0 / 3f64.sqrt() / 90.0,
            ),
            (DurationDist::Constant { value: ms(7) }, 7.0, 0.0),
        ];
        for (dist, mean, cv) in cases {
            let sampler = DurationSampler::new(&dist);
            let mut rng = RngStreams::new(7).stream("service");
            let n = 200_000;
            let draws: Vec<f64> = (0..n)
                .map(|_| sampler.sample(&mut rng) as f64 / 1e6)
                .collect();
            let m = draws.iter().sum::<f64>() / n as f64;
            let var = draws.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
            assert!((m / mean - 1.0).abs() < 0.015, "{dist:?}: mean {m}");
            assert!(
                (var.sqrt() / m - cv).abs() < 0.05 * cv.max(1e-9) + 1e-9,
                "{dist:?}: cv"
            );
            assert_eq!(dist.mean().0 as f64 / 1e6, mean);
        }
    }
}
