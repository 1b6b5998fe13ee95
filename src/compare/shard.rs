//! Parts of a comparison's grid: the strategy × replicate grid as its files name it
//! ([`Grid`]), and one part of it for a shard of an array job ([`Shard`], `--shard`).

use super::CompareError;

/// The strategy × replicate grid of a comparison, as its files name it: what a shard
/// records and a merge checks, without the configurations.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// The scenario's `name`.
    pub scenario: String,
    pub base_seed: u64,
    pub replicates: u32,
    /// Strategy names in file order; the first is the baseline.
    pub strategies: Vec<String>,
    /// Each strategy's SLO, in the same order: the chart draws it and a merge, which
    /// has no scenario, reads it from the shards.
    pub slos: Vec<Slo>,
}

/// The SLO a strategy is judged against: the `percentile`-th percentile latency at
/// most `latency_ms`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub latency_ms: f64,
    pub percentile: f64,
}

impl Slo {
    pub fn of(config: &crate::model::Config) -> Self {
        Slo {
            latency_ms: config.slo.latency.as_secs_f64() * 1e3,
            percentile: config.slo.percentile,
        }
    }
}

impl Grid {
    /// Number of runs: strategies × replicates.
    pub fn runs(&self) -> usize {
        self.strategies.len() * self.replicates as usize
    }

    /// The (strategy, replicate) of the run at `index` in grid order (strategy, then
    /// replicate).
    pub fn cell(&self, index: usize) -> (usize, u32) {
        let r = self.replicates as usize;
        (index / r, (index % r) as u32)
    }
}

/// Part `index` of `count` of a comparison's grid (`--shard K/N`).
///
/// Shard K runs the grid's runs K, K + N, K + 2N, ... (in grid order) rather than a
/// contiguous block: strategies can differ a lot in run time (a fleet of 20 against
/// one of 2), and striding gives every shard its share of each strategy, so the array
/// job ends when its average shard does rather than its unluckiest. Any N up to the
/// number of runs is allowed; the shards then differ by at most one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// `K/N` as typed after `--shard`.
    pub fn parse(text: &str) -> Result<Shard, CompareError> {
        let bad = || CompareError::ShardSyntax {
            given: text.to_string(),
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The shard of an array job, from its engine's variables (`--shard auto`): Slurm
    /// (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`, counted from
    /// `SLURM_ARRAY_TASK_MIN` when set, so `--array=1-4` works too), AWS Batch
    /// (`AWS_BATCH_JOB_ARRAY_INDEX`, `AWS_BATCH_JOB_ARRAY_SIZE`) or a Kubernetes
    /// Indexed Job (`JOB_COMPLETION_INDEX`; it has no count variable, so N is
    /// `shards`, from `--shards`). `shards`, when given, must agree with the engine's
    /// count. `var` looks a variable up (the environment, in the binary).
    pub fn from_environment(
        var: &dyn Fn(&str) -> Option<String>,
        shards: Option<u32>,
    ) -> Result<Shard, CompareError> {
        let fail = |text: String| CompareError::ShardEnvironment(format!("--shard auto: {text}"));
        let number = |name: &str| -> Result<Option<u32>, CompareError> {
            match var(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u32>().map(Some).map_err(|_| {
                    fail(format!(
                        "{name}={v:?} is not a whole number from 0 to {}",
                        u32::MAX
                    ))
                }),
            }
        };
        let engines: [(&str, &str, Option<&str>); 3] = [
            (
                "SLURM_ARRAY_TASK_ID",
                "SLURM_ARRAY_TASK_COUNT",
                Some("SLURM_ARRAY_TASK_MIN"),
            ),
            (
                "AWS_BATCH_JOB_ARRAY_INDEX",
                "AWS_BATCH_JOB_ARRAY_SIZE",
                None,
            ),
            ("JOB_COMPLETION_INDEX", "", None),
        ];
        for (index_var, count_var, min_var) in engines {
            let Some(id) = number(index_var)? else {
                continue;
            };
            let min = match min_var {
                Some(name) => number(name)?.unwrap_or(0),
                None => 0,
            };
            let count = if count_var.is_empty() {
                None
            } else {
                number(count_var)?
            };
            let count = match (count, shards) {
                (Some(c), Some(s)) if c != s => {
                    return Err(fail(format!(
                        "{count_var}={c} but --shards {s}: the array and the comparison must have the same number of parts"
                    )));
                }
                (Some(c), _) | (None, Some(c)) => c,
                (None, None) if count_var.is_empty() => {
                    return Err(fail(format!(
                        "{index_var} is set but a Kubernetes Indexed Job has no variable for the number of parts: pass --shards N (the job's completions)"
                    )));
                }
                (None, None) => {
                    return Err(fail(format!(
                        "{index_var} is set but {count_var} is not: pass --shards N"
                    )));
                }
            };
            let index = id.checked_sub(min).filter(|&k| k < count).ok_or_else(|| {
                let from = if min > 0 {
                    format!(" counted from {min}")
                } else {
                    String::new()
                };
                fail(format!(
                    "{index_var}={id}{from} is not a part of {count} (0 to {})",
                    count.saturating_sub(1)
                ))
            })?;
            return Ok(Shard { index, count });
        }
        Err(fail(
            "no array-job variables are set: SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (Slurm), AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ARRAY_SIZE (AWS Batch), or JOB_COMPLETION_INDEX with --shards N (Kubernetes); outside an array job use --shard K/N".to_string(),
        ))
    }

    /// The grid indices this shard runs, in grid order.
    pub fn cells(self, runs: usize) -> impl Iterator<Item = usize> {
        (self.index as usize..runs).step_by(self.count as usize)
    }

    /// `K/N`.
    pub fn label(self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every run belongs to exactly one shard, for any number of shards, and shards
    /// differ by at most one run: 10 runs in 3 shards are 4, 3 and 3.
    #[test]
    fn shards_cover_the_grid_once_and_evenly() {
        for runs in 1..=12 {
            for count in 1..=runs as u32 {
                let mut seen = vec![0; runs];
                let sizes: Vec<usize> = (0..count)
                    .map(|index| {
                        let cells: Vec<usize> = Shard { index, count }.cells(runs).collect();
                        cells.iter().for_each(|&c| seen[c] += 1);
                        cells.len()
                    })
                    .collect();
                assert!(seen.iter().all(|&n| n == 1), "{runs} runs, {count} shards");
                let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
                assert!(max - min <= 1, "{runs} runs, {count} shards: {sizes:?}");
            }
        }
        let sizes: Vec<usize> = (0..3)
            .map(|k| Shard { index: k, count: 3 }.cells(10).count())
            .collect();
        assert_eq!(sizes, [4, 3, 3]);
    }

    #[test]
    fn shard_options_parse_and_bad_ones_are_refused() {
        assert_eq!(Shard::parse("2/7").unwrap(), Shard { index: 2, count: 7 });
        for bad in ["7/7", "0/0", "-1/3", "1", "a/b", "1/3/4"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "3"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_environment(&slurm, None).unwrap(),
            Shard { index: 3, count: 4 }
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "5")]);
        assert_eq!(
            Shard::from_environment(&k8s, Some(6)).unwrap(),
            Shard { index: 5, count: 6 }
        );
        assert!(Shard::from_environment(&k8s, None).is_err());
        assert!(Shard::from_environment(&env(&[]), Some(6)).is_err());
    }
}
