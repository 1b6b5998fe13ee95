//! The statistics of a comparison: means with Student-t confidence intervals and the
//! Pareto front (the method is stated in the module doc of `compare`).

use super::CONFIDENCE;
use crate::model::round_to;

/// A mean with its 95 % confidence interval; `std_dev` and `half_width` are `None`
/// when there is a single value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator).
    pub std_dev: Option<f64>,
    /// `t(0.975, n − 1) · std_dev / √n`.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// Mean and 95 % Student-t interval of `values` (at least one). Sums run in index
    /// order with a two-pass variance, so the result depends only on the values.
    pub fn of(values: &[f64]) -> Self {
        assert!(!values.is_empty(), "an estimate needs at least one value");
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate {
                mean,
                std_dev: None,
                half_width: None,
            };
        }
        let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        let std_dev = (squares / (n - 1) as f64).sqrt();
        let half_width = t_quantile_975((n - 1) as u64) * std_dev / (n as f64).sqrt();
        Estimate {
            mean,
            std_dev: Some(std_dev),
            half_width: Some(half_width),
        }
    }

    /// The interval `(low, high)`, when there is one.
    pub fn ci(&self) -> Option<(f64, f64)> {
        self.half_width.map(|h| (self.mean - h, self.mean + h))
    }

    /// True when the interval excludes zero (a difference that is not luck at 95 %).
    pub fn excludes_zero(&self) -> bool {
        self.ci().is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
    }

    pub(super) fn rounded(self, decimals: usize) -> Self {
        let r = |x: f64| round_to(x, decimals as i32);
        Estimate {
            mean: r(self.mean),
            std_dev: self.std_dev.map(r),
            half_width: self.half_width.map(r),
        }
    }
}

/// The 0.975 quantile of Student's t distribution with `df` degrees of freedom (the
/// factor of a two-sided 95 % interval), to about 1e-12.
///
/// For integer degrees of freedom the t distribution function has a closed form in
/// θ = atan(t / √ν) (Abramowitz & Stegun 26.7.3): the probability of |T| < t is
/// - ν odd:  (2/π) [θ + sin θ (cos θ + ⅔ cos³θ + … + (2·4⋯(ν−3))/(1·3⋯(ν−2)) cos^{ν−2}θ)]
///   (just 2θ/π for ν = 1),
/// - ν even: sin θ [1 + ½ cos²θ + (1·3)/(2·4) cos⁴θ + … + (1·3⋯(ν−3))/(2·4⋯(ν−2)) cos^{ν−2}θ].
///
/// It is increasing in t, so bisection finds where it equals 0.95. This was preferred
/// to a printed table (which stops somewhere) and to the Cornish–Fisher expansion
/// (inaccurate for few degrees of freedom, which is exactly where compare lives).
pub fn t_quantile_975(df: u64) -> f64 {
    assert!(df >= 1, "Student t needs at least one degree of freedom");
    let (mut lo, mut hi) = (0.0f64, 64.0f64); // t(0.975, 1) = 12.71 is the largest
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_two_sided_mass(mid, df) < CONFIDENCE {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo < 1e-13 {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// P(|T| < t) for Student's t with `df` degrees of freedom (A&S 26.7.3).
fn t_two_sided_mass(t: f64, df: u64) -> f64 {
    let theta = (t / (df as f64).sqrt()).atan();
    let (sin, cos) = theta.sin_cos();
    let cos2 = cos * cos;
    if df % 2 == 1 {
        let mut sum = 0.0;
        if df > 1 {
            let mut term = cos;
            sum = term;
            for k in 1..=(df - 3) / 2 {
                term *= cos2 * (2 * k) as f64 / (2 * k + 1) as f64;
                sum += term;
            }
        }
        std::f64::consts::FRAC_2_PI * (theta + sin * sum)
    } else {
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..=(df - 2) / 2 {
            term *= cos2 * (2 * k - 1) as f64 / (2 * k) as f64;
            sum += term;
        }
        sin * sum
    }
}

/// Which strategies are Pareto-optimal when lower is better on both axes, each given
/// by its replicates' (x, y) values, paired by replicate across strategies. A strategy
/// is dominated when another is no worse on both axes and better on one, where
/// better and worse are significant: the 95 % t interval of the paired differences
/// lies wholly below (above) 0. Differences inside the interval are ties, so noise
/// alone never makes a front (issue 17). With one replicate there is no interval, and
/// the means decide; equal strategies are all optimal.
pub fn pareto_optimal(strategies: &[(Vec<f64>, Vec<f64>)]) -> Vec<bool> {
    // The sign of `a - b` on one axis: -1 significantly lower, 1 higher, 0 a tie.
    let compare = |a: &[f64], b: &[f64]| -> i8 {
        let diffs: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        let e = Estimate::of(&diffs);
        let (lo, hi) = e.ci().unwrap_or((e.mean, e.mean));
        if hi < 0.0 {
            -1
        } else if lo > 0.0 {
            1
        } else {
            0
        }
    };
    strategies
        .iter()
        .map(|(x, y)| {
            !strategies.iter().any(|(a, b)| {
                let (cx, cy) = (compare(a, x), compare(b, y));
                cx <= 0 && cy <= 0 && (cx < 0 || cy < 0)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Published 0.975 quantiles of Student's t (e.g. NIST/SEMATECH e-Handbook,
    /// table 1.3.6.7.2), to the 7 decimals printed there or more.
    #[test]
    fn t_quantile_matches_published_values() {
        let known = [
            (1, 12.706_204_7),
            (2, 4.302_652_7),
            (3, 3.182_446_3),
            (4, 2.776_445_1),
            (5, 2.570_581_8),
            (9, 2.262_157_2),
            (10, 2.228_138_9),
            (19, 2.093_024_1),
            (29, 2.045_229_6),
            (30, 2.042_272_5),
            (60, 2.000_297_8),
            (120, 1.979_930_4),
        ];
        for (df, t) in known {
            let got = t_quantile_975(df);
            assert!((got - t).abs() < 1e-6, "df {df}: {got} vs {t}");
        }
        // Large df tends to the normal quantile 1.959964.
        assert!((t_quantile_975(100_000) - 1.959_964).abs() < 1e-4);
    }

    /// The closed form agrees with the distribution functions known in elementary
    /// terms: ν = 1 is Cauchy (P(|T| < 1) = 1/2) and ν = 2 has P(|T| < t) = t/√(t²+2).
    #[test]
    fn t_mass_closed_form_special_cases() {
        assert!((t_two_sided_mass(1.0, 1) - 0.5).abs() < 1e-15);
        let t: f64 = 3.0;
        assert!((t_two_sided_mass(t, 2) - t / (t * t + 2.0).sqrt()).abs() < 1e-15);
    }

    /// Values 1..5: mean 3; s² = (4 + 1 + 0 + 1 + 4) / 4 = 2.5, s = 1.581139;
    /// t(0.975, 4) = 2.776445; half-width = 2.776445 × 1.581139 / √5 = 1.963243.
    #[test]
    fn half_width_of_a_hand_computed_example() {
        let e = Estimate::of(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        assert!((e.std_dev.unwrap() - 1.581_139).abs() < 1e-6);
        assert!((e.half_width.unwrap() - 1.963_243).abs() < 1e-6);
        let (lo, hi) = e.ci().unwrap();
        assert!((lo - 1.036_757).abs() < 1e-6 && (hi - 4.963_243).abs() < 1e-6);
        assert!(e.excludes_zero());
    }

    #[test]
    fn one_value_has_no_interval_and_identical_values_a_zero_one() {
        let e = Estimate::of(&[7.5]);
        assert_eq!(
            (e.mean, e.std_dev, e.half_width, e.ci()),
            (7.5, None, None, None)
        );
        let e = Estimate::of(&[0.0, 0.0, 0.0]);
        assert_eq!((e.mean, e.half_width), (0.0, Some(0.0)));
        assert!(!e.excludes_zero());
    }

    /// (1, 5) and (5, 1) trade off; (3, 3) is on the front; (4, 4) is dominated by
    /// (3, 3); (1, 5) twice: equal points are both optimal; (2, 5) is dominated by (1, 5).
    #[test]
    fn pareto_front_lower_is_better_on_both_axes() {
        let points = [
            (1.0, 5.0),
            (5.0, 1.0),
            (3.0, 3.0),
            (4.0, 4.0),
            (1.0, 5.0),
            (2.0, 5.0),
        ];
        let one_replicate: Vec<(Vec<f64>, Vec<f64>)> =
            points.iter().map(|&(x, y)| (vec![x], vec![y])).collect();
        assert_eq!(
            pareto_optimal(&one_replicate),
            vec![true, true, true, false, true, false]
        );
    }

    /// Over replicates, a difference inside the paired interval is a tie: B is cheaper
    /// on average by 0.1 but swings ±1 against A replicate by replicate, with the same
    /// p99, so neither dominates; C is dearer by exactly 1 in every replicate, with the
    /// same p99 as A, so A dominates it.
    #[test]
    fn pareto_front_treats_differences_inside_the_interval_as_ties() {
        let a = (vec![10.0, 10.0, 10.0, 10.0], vec![200.0; 4]);
        let b = (vec![11.0, 8.8, 10.9, 8.9], vec![200.0; 4]);
        let c = (vec![11.0, 11.0, 11.0, 11.0], vec![200.0; 4]);
        assert_eq!(pareto_optimal(&[a, b, c]), vec![true, true, false]);
    }
}
