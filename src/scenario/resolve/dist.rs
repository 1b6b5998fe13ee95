//! Distributions of durations: service times, boot times, warm-pool starts.

use super::*;

/// A distribution of durations as written: a plain duration (`boot_time = "60s"`,
/// always the same) or a table naming the distribution and its parameters.
pub(super) fn resolve_dist_value(
    ctx: &Ctx,
    key: &str,
    value: &toml::Value,
) -> Result<DurationDist> {
    match value {
        toml::Value::String(text) => Ok(DurationDist::Constant {
            value: ctx.duration(key, Some(text), SimDuration::ZERO)?,
        }),
        toml::Value::Table(table) => {
            let raw: RawDist = deserialize(ctx, key, table)?;
            resolve_dist(ctx, key, &raw)
        }
        _ => Err(ctx.err(
            key,
            "expected a duration, like \"60s\", or a distribution, like { dist = \"uniform\", min = \"60s\", max = \"120s\" }",
        )),
    }
}

pub(super) fn resolve_dist(ctx: &Ctx, key: &str, raw: &RawDist) -> Result<DurationDist> {
    let k = |f: &str| format!("{key}.{f}");
    let need = |field: &Option<String>, f: &str| -> Result<SimDuration> {
        match field {
            Some(t) => ctx.duration(&k(f), Some(t), SimDuration::ZERO),
            None => Err(ctx.err(key, format!("dist = \"{}\" needs `{f}`", raw.dist))),
        }
    };
    let cv = || -> Result<f64> {
        match raw.cv {
            // Bounded so that the samplers' parameters stay finite and positive: a
            // gamma with cv = 1e-300 has shape 1/cv² = inf and scale 0 (rand_distr
            // refuses it), and a lognormal with cv = 1e300 has sigma² = inf (issue 6).
            Some(c) => ctx
                .positive(&k("cv"), c)
                .and_then(|c| ctx.range(&k("cv"), c, 0.001, 100.0, "")),
            None => Err(ctx.err(
                key,
                format!(
                    "dist = \"{}\" needs `cv` (standard deviation / mean)",
                    raw.dist
                ),
            )),
        }
    };
    let unused = |fields: &[(&str, bool)]| -> Result<()> {
        match fields.iter().find(|(_, present)| *present) {
            Some((f, _)) => Err(ctx.err(
                &k(f),
                format!("is not a parameter of dist = \"{}\"", raw.dist),
            )),
            None => Ok(()),
        }
    };
    let positive_mean = |mean: SimDuration| -> Result<SimDuration> {
        if mean == SimDuration::ZERO {
            Err(ctx.err(&k("mean"), "must be longer than zero"))
        } else {
            Ok(mean)
        }
    };
    let dist = match raw.dist.as_str() {
        "constant" => {
            unused(&[
                ("mean", raw.mean.is_some()),
                ("cv", raw.cv.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            DurationDist::Constant {
                value: need(&raw.value, "value")?,
            }
        }
        "exponential" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("cv", raw.cv.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            DurationDist::Exponential {
                mean: positive_mean(need(&raw.mean, "mean")?)?,
            }
        }
        "lognormal" | "gamma" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("min", raw.min.is_some()),
                ("max", raw.max.is_some()),
            ])?;
            let mean = positive_mean(need(&raw.mean, "mean")?)?;
            let cv = cv()?;
            if raw.dist == "lognormal" {
                DurationDist::Lognormal { mean, cv }
            } else {
                DurationDist::Gamma { mean, cv }
            }
        }
        "uniform" => {
            unused(&[
                ("value", raw.value.is_some()),
                ("mean", raw.mean.is_some()),
                ("cv", raw.cv.is_some()),
            ])?;
            let (min, max) = (need(&raw.min, "min")?, need(&raw.max, "max")?);
            if max < min {
                return Err(ctx.err(&k("max"), format!("must be at least min ({min})")));
            }
            DurationDist::Uniform { min, max }
        }
        _ => {
            return Err(ctx.err(&k("dist"), "unknown distribution; expected one of constant, exponential, lognormal, gamma, uniform"));
        }
    };
    Ok(dist)
}
