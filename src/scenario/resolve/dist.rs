//! Distributions of durations: service times, boot times, warm-pool starts.

use super::*;

/// The distribution at `key`, or `default` when the file does not give one.
pub(super) fn dist_or(
    ctx: &Ctx,
    key: &str,
    value: Option<&RawDistValue>,
    default: DurationDist,
) -> Result<DurationDist> {
    value.map_or(Ok(default), |v| resolve_dist_value(ctx, key, v))
}

/// A distribution of durations as written: a plain duration (`boot_time = "60s"`,
/// always the same) or a table naming the distribution and its parameters.
fn resolve_dist_value(ctx: &Ctx, key: &str, value: &RawDistValue) -> Result<DurationDist> {
    match &value.0 {
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

fn resolve_dist(ctx: &Ctx, key: &str, raw: &RawDist) -> Result<DurationDist> {
    let k = |f: &str| format!("{key}.{f}");
    let kind = word(&raw.dist);
    // Each distribution's own parameters; any other given is a mistake worth naming.
    let parameters: &[&str] = match raw.dist {
        RawDistKind::Constant => &["value"],
        RawDistKind::Exponential => &["mean"],
        RawDistKind::Lognormal | RawDistKind::Gamma => &["mean", "cv"],
        RawDistKind::Uniform => &["min", "max"],
    };
    ctx.only_keys(
        key,
        raw,
        "dist",
        parameters,
        &format!("is not a parameter of dist = \"{kind}\""),
    )?;
    let need = |field: &Option<String>, f: &str| -> Result<SimDuration> {
        match field {
            Some(t) => ctx.duration(&k(f), Some(t), SimDuration::ZERO),
            None => Err(ctx.err(key, format!("dist = \"{kind}\" needs `{f}`"))),
        }
    };
    let mean = || -> Result<SimDuration> {
        let mean = need(&raw.mean, "mean")?;
        if mean == SimDuration::ZERO {
            return Err(ctx.err(&k("mean"), "must be longer than zero"));
        }
        Ok(mean)
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
                format!("dist = \"{kind}\" needs `cv` (standard deviation / mean)"),
            )),
        }
    };
    Ok(match raw.dist {
        RawDistKind::Constant => DurationDist::Constant {
            value: need(&raw.value, "value")?,
        },
        RawDistKind::Exponential => DurationDist::Exponential { mean: mean()? },
        RawDistKind::Lognormal => DurationDist::Lognormal {
            mean: mean()?,
            cv: cv()?,
        },
        RawDistKind::Gamma => DurationDist::Gamma {
            mean: mean()?,
            cv: cv()?,
        },
        RawDistKind::Uniform => {
            let (min, max) = (need(&raw.min, "min")?, need(&raw.max, "max")?);
            if max < min {
                return Err(ctx.err(&k("max"), format!("must be at least min ({min})")));
            }
            DurationDist::Uniform { min, max }
        }
    })
}
