//! The `[optimize]` table: what `simcloud optimize` searches, for what, under what.
//!
//! ```toml
//! [optimize]
//! objective = "cost"            # or "cost_per_month"
//! constraint = "p99_ms"         # p99 <= [slo] latency; or "slo_attainment" with `target`
//! confidence = 0.9              # the share of replicates in which it must hold
//! budget = 400                  # runs at most
//!
//! [[optimize.space]]
//! key = "instance.type"
//! values = ["m5.large", "c5.large"]
//!
//! [[optimize.space]]
//! key = "autoscaling.min"
//! range = [1, 4]                # integers, both ends included (`step` optional)
//! ```
//!
//! Each `[[optimize.space]]` is an axis of a grid expanded by the sweep code (`sweep`),
//! so a space means exactly what the same `[[sweep]]` tables would, names included;
//! `range` is only a shorter way to write integer `values`. This module reads and
//! checks the table; the search itself is `compare::optimize`'s.

// Errors are returned by value here as everywhere in the crate (`ScenarioError` names
// the file, key, value and line; it is built once per command, not in a loop), which
// clippy's size lint flags on every such function: allowed for this module's new ones
// rather than boxing one module's errors differently from the rest.
#![allow(clippy::result_large_err)]

use super::sweep::{Origin, check};
use super::{ScenarioError, ScenarioFile, limits};
use crate::model::Config;

/// Replicates per configuration at most (as for `compare --replicates`).
pub const MAX_REPLICATES: u32 = 10_000;

/// What the search minimises, per replicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Objective {
    /// The run's whole bill.
    Cost,
    /// The bill scaled to a month of 730 hours.
    CostPerMonth,
}

impl Objective {
    pub fn key(self) -> &'static str {
        match self {
            Objective::Cost => "cost",
            Objective::CostPerMonth => "cost_per_month",
        }
    }
}

/// What every replicate of an acceptable configuration should satisfy (with
/// probability at least the spec's `confidence`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Constraint {
    /// The run's p99 latency of completed requests is at most the `[slo]` latency.
    P99AtMostSlo,
    /// The run's SLO attainment (errors count as misses) is at least this share.
    AttainmentAtLeast(f64),
}

impl Constraint {
    /// The metric's name, as `compare` names it.
    pub fn metric_key(self) -> &'static str {
        match self {
            Constraint::P99AtMostSlo => "p99_ms",
            Constraint::AttainmentAtLeast(_) => "slo_attainment",
        }
    }
}

/// A checked `[optimize]` table with its space expanded and resolved.
#[derive(Clone, Debug)]
pub struct OptimizeSpec {
    pub objective: Objective,
    pub constraint: Constraint,
    pub confidence: f64,
    /// Runs at most (from the file or `--budget`), at least `configurations.len() ×
    /// first_replicates`.
    pub budget: u64,
    /// Replicates every configuration gets in the first round (at least 2).
    pub first_replicates: u32,
    /// Replicates a configuration gets at most.
    pub max_replicates: u32,
    /// Costs within this share of each other count as equal.
    pub indifference: f64,
    /// Every point of the space, in grid order, named as sweeps name them.
    pub configurations: Vec<(String, Config)>,
}

const KEYS: [&str; 8] = [
    "objective",
    "constraint",
    "target",
    "confidence",
    "budget",
    "first_replicates",
    "max_replicates",
    "indifference",
];

impl ScenarioFile {
    /// True when the scenario has an `[optimize]` table.
    pub fn has_optimize(&self) -> bool {
        self.table.contains_key("optimize")
    }

    /// The `[optimize]` table, checked, with every configuration of its space resolved.
    /// `budget` (from `--budget`) replaces the file's. Errors name the key's line.
    pub fn optimization(&self, budget: Option<u64>) -> Result<OptimizeSpec, ScenarioError> {
        let Some(value) = self.table.get("optimize") else {
            return Err(ScenarioError::file(
                &self.path,
                "has no [optimize] table; optimize needs one, with the space to search ([[optimize.space]] tables, each a `key` and `values` or `range`), a `constraint` and a `budget`",
            ));
        };
        let Some(table) = value.as_table() else {
            return Err(self.invalid(&self.table, "optimize", "must be a table: [optimize]"));
        };
        let bad = |key: &str, message: String| {
            self.invalid(&self.table, &format!("optimize.{key}"), message)
        };
        if let Some(other) = table
            .keys()
            .find(|k| k.as_str() != "space" && !KEYS.contains(&k.as_str()))
        {
            return Err(bad(
                other,
                format!("unknown key; [optimize] has `space`, {}", KEYS.join(", ")),
            ));
        }
        let text = |key: &str, default: &'static str| match table.get(key) {
            None => Ok(default.to_string()),
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(bad(key, "expected a string".into())),
        };
        let number = |key: &str| match table.get(key) {
            None => Ok(None),
            Some(toml::Value::Float(x)) => Ok(Some(*x)),
            Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
            Some(_) => Err(bad(key, "expected a number".into())),
        };
        let count = |key: &str, default: u32, low: u32, high: u32, why: &str| match table.get(key) {
            None => Ok(default),
            Some(toml::Value::Integer(i)) if (i64::from(low)..=i64::from(high)).contains(i) => {
                Ok(*i as u32)
            }
            Some(_) => Err(bad(
                key,
                format!("expected an integer from {low} to {high}: {why}"),
            )),
        };
        let objective = match text("objective", "cost")?.as_str() {
            "cost" => Objective::Cost,
            "cost_per_month" => Objective::CostPerMonth,
            _ => {
                return Err(bad(
                    "objective",
                    "unknown objective; expected \"cost\" (the run's bill) or \"cost_per_month\" (the bill scaled to 730 hours)".into(),
                ));
            }
        };
        let target = number("target")?;
        let constraint = match text("constraint", "p99_ms")?.as_str() {
            "p99_ms" => {
                if target.is_some() {
                    return Err(bad(
                        "target",
                        "the p99_ms constraint holds p99 against [slo] latency; `target` belongs to the slo_attainment constraint".into(),
                    ));
                }
                Constraint::P99AtMostSlo
            }
            "slo_attainment" => match target {
                Some(t) if t > 0.0 && t <= 1.0 => Constraint::AttainmentAtLeast(t),
                Some(_) => {
                    return Err(bad(
                        "target",
                        "expected a share above 0 and at most 1, like 0.99".into(),
                    ));
                }
                None => {
                    return Err(bad(
                        "constraint",
                        "the slo_attainment constraint needs `target`, the least share of requests answered within [slo] latency, like 0.99".into(),
                    ));
                }
            },
            _ => {
                return Err(bad(
                    "constraint",
                    "unknown metric for a constraint; expected \"p99_ms\" (p99 latency at most [slo] latency) or \"slo_attainment\" (at least `target`)".into(),
                ));
            }
        };
        let confidence = match number("confidence")? {
            None => 0.9,
            Some(c) if c > 0.0 && c < 1.0 => c,
            Some(_) => {
                return Err(bad(
                    "confidence",
                    "expected a probability above 0 and below 1, like 0.9: the share of replicates in which the constraint must hold".into(),
                ));
            }
        };
        let indifference = match number("indifference")? {
            None => 0.0,
            Some(d) if (0.0..1.0).contains(&d) => d,
            Some(_) => {
                return Err(bad(
                    "indifference",
                    "expected a share from 0 to below 1, like 0.01: costs closer than this share count as equal".into(),
                ));
            }
        };
        let first_replicates = count(
            "first_replicates",
            3,
            2,
            MAX_REPLICATES,
            "every configuration's first round needs 2 replicates for an interval",
        )?;
        let max_replicates = count(
            "max_replicates",
            first_replicates.max(40),
            first_replicates,
            MAX_REPLICATES,
            "at least first_replicates, at most what compare allows",
        )?;
        let configurations = self.space(table)?;
        let needed = configurations.len() as u64 * u64::from(first_replicates);
        let (budget, shown) = match budget {
            Some(n) => (Some(n), Some(format!("--budget {n}"))),
            None => match table.get("budget") {
                None => (None, None),
                Some(toml::Value::Integer(n)) if *n >= 1 => (Some(*n as u64), None),
                Some(_) => {
                    return Err(bad(
                        "budget",
                        "expected a positive integer: the most runs the search may make".into(),
                    ));
                }
            },
        };
        let Some(budget) = budget else {
            return Err(bad(
                "budget",
                format!(
                    "missing: optimize needs a budget of runs (in [optimize] or --budget); the first round alone takes {needed}"
                ),
            ));
        };
        if budget < needed {
            let message = format!(
                "the space has {} configurations and the first round runs each {first_replicates} times ({needed} runs); give a budget of at least {needed}, or search a smaller space",
                configurations.len()
            );
            return Err(match shown {
                Some(argument) => ScenarioError {
                    file: self.path.clone(),
                    line: None,
                    key: "optimize.budget".into(),
                    value: Some(budget.to_string()),
                    message,
                    set: Some(argument),
                },
                None => bad("budget", message),
            });
        }
        Ok(OptimizeSpec {
            objective,
            constraint,
            confidence,
            budget,
            first_replicates,
            max_replicates,
            indifference,
            configurations,
        })
    }

    /// The `[[optimize.space]]` axes, expanded by the sweep code into configurations.
    fn space(&self, table: &toml::Table) -> Result<Vec<(String, Config)>, ScenarioError> {
        // The error names the table, not its whole value.
        let empty = || {
            ScenarioError {
            value: None,
            ..self.invalid(
                &self.table,
                "optimize",
                "the search space is empty; add [[optimize.space]] tables, each a `key` and `values = [...]` or `range = [low, high]`",
            )
        }
        };
        let list = match table.get("space") {
            None => return Err(empty()),
            Some(toml::Value::Array(list)) if list.is_empty() => return Err(empty()),
            Some(toml::Value::Array(list)) => list,
            Some(_) => {
                return Err(self.invalid(
                    &self.table,
                    "optimize.space",
                    "must be an array of tables: [[optimize.space]] with `key` and `values` or `range`",
                ));
            }
        };
        let mut axes = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let at = format!("optimize.space[{i}]");
            let bad = |field: &str, message: String| {
                let key = if field.is_empty() {
                    at.clone()
                } else {
                    format!("{at}.{field}")
                };
                self.invalid(&self.table, &key, message)
            };
            let Some(axis) = item.as_table() else {
                return Err(bad("", "must be a table".into()));
            };
            if let Some(other) = axis
                .keys()
                .find(|k| !["key", "values", "range", "step"].contains(&k.as_str()))
            {
                return Err(bad(
                    other,
                    "unknown key; an [[optimize.space]] has `key` and `values`, or `range` (and `step`)".into(),
                ));
            }
            let Some(toml::Value::String(key)) = axis.get("key") else {
                return Err(bad(
                    "key",
                    "every [[optimize.space]] needs a `key`, a dotted key as a string, like \"autoscaling.min\"".into(),
                ));
            };
            let values = match (axis.get("values"), axis.get("range")) {
                (Some(toml::Value::Array(values)), None) if !axis.contains_key("step") => {
                    values.clone()
                }
                (None, Some(range)) => {
                    integer_range(range, axis.get("step")).map_err(|(field, m)| bad(field, m))?
                }
                (Some(_), Some(_)) => {
                    return Err(bad("range", "give `values` or `range`, not both".into()));
                }
                (Some(toml::Value::Array(_)), None) => {
                    return Err(bad("step", "`step` goes with `range`, not `values`".into()));
                }
                _ => {
                    return Err(bad(
                        "values",
                        "every [[optimize.space]] needs `values`, an array like [1, 2, 4], or `range = [low, high]`".into(),
                    ));
                }
            };
            let axis = check(key, values, Origin::File(at.clone()), "space")
                .map_err(|(field, m)| bad(field, m))?;
            axes.push(axis);
        }
        self.swept_strategies(&[], &axes)
    }
}

/// The integers of `range = [low, high]` (both included) every `step` (1 by default),
/// at most [`limits::MAX_STRATEGIES`] of them. An error names the field at fault.
fn integer_range(
    range: &toml::Value,
    step: Option<&toml::Value>,
) -> Result<Vec<toml::Value>, (&'static str, String)> {
    let Some([toml::Value::Integer(low), toml::Value::Integer(high)]) =
        range.as_array().map(Vec::as_slice)
    else {
        return Err((
            "range",
            "expected two integers, [low, high], both included".into(),
        ));
    };
    if high < low {
        return Err((
            "range",
            "the range is empty: its high end is below its low end".into(),
        ));
    }
    let step = match step {
        None => 1,
        Some(toml::Value::Integer(s)) if *s >= 1 => *s,
        Some(_) => return Err(("step", "expected a positive integer".into())),
    };
    let count = (high - low) / step + 1;
    if count > limits::MAX_STRATEGIES as i64 {
        return Err((
            "range",
            format!(
                "{count} values, more than the {} configurations a space may have",
                limits::MAX_STRATEGIES
            ),
        ));
    }
    Ok((0..count)
        .map(|i| toml::Value::Integer(low + i * step))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_include_both_ends_and_step() {
        let range: toml::Value = toml::Value::Array(vec![2.into(), 8.into()]);
        let got = integer_range(&range, Some(&3.into())).unwrap();
        assert_eq!(got, vec![2.into(), 5.into(), 8.into()] as Vec<toml::Value>);
        assert_eq!(integer_range(&range, None).unwrap().len(), 7);
        let backwards = toml::Value::Array(vec![8.into(), 2.into()]);
        assert_eq!(integer_range(&backwards, None).unwrap_err().0, "range");
        assert_eq!(
            integer_range(&range, Some(&0.into())).unwrap_err().0,
            "step"
        );
    }
}
