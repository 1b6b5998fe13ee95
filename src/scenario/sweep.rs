//! Sweeps: a grid of values over scenario keys, expanded into strategies.
//!
//! Each `[[sweep]]` table (`key = "autoscaling.max"`, `values = [4, 8]`) or
//! `--sweep autoscaling.max=4,8` argument is one axis; the grid is their cartesian
//! product, the file's tables first and then the arguments, in order, the last axis
//! varying fastest. Each point is a strategy named from its values
//! (`max=8 type=c5.large`), applied on top of every `[[strategy]]` (named
//! `"<strategy> · <point>"`) or of the base when there is none. A value is set as a
//! `--set` value is (a whole table replaces the table), so a sweep means exactly what
//! the same `--set` would.
//!
//! Errors about a swept value name the sweep — its `[[sweep]]` table's line or its
//! `--sweep` argument — not the base's line for the key, which holds another value.
//! Sweeps are checked and the grid bounded (`limits::MAX_STRATEGIES`) before anything
//! is resolved, so a grid too large fails at once.

use super::{
    ScenarioError, ScenarioFile, StrategyTable, key_text, known_keys, limits, locate,
    new_tier_without_kind, no_such_tier, parse_key, parse_value, set_value, within,
};

/// One axis of the grid.
#[derive(Clone, Debug)]
pub(super) struct Sweep {
    /// The dotted key, normalised (`traffic.spike[0].peak`).
    key: String,
    values: Vec<toml::Value>,
    origin: Origin,
}

/// Where an axis was given, for errors.
#[derive(Clone, Debug)]
pub(super) enum Origin {
    /// A table of the file, by its key: `sweep[n]`, or `optimize.space[n]` (an axis of
    /// `simcloud optimize`'s search space, expanded by the same code).
    File(String),
    /// A `--sweep` argument, as typed (with the option).
    Argument(String),
}

impl ScenarioFile {
    /// Adds a `--sweep KEY=V1,V2,...` axis. Each value is read as a `--set` value is
    /// (a TOML value, or else a string); commas inside brackets, braces or quotes do
    /// not separate values (`--sweep 'service.time={dist="constant",value="5ms"},...'`).
    pub fn sweep(&mut self, argument: &str) -> Result<(), ScenarioError> {
        let shown = format!("--sweep {argument}");
        let fail = |key: &str, message: String| ScenarioError {
            file: self.path.clone(),
            line: None,
            key: key.to_string(),
            value: None,
            message,
            set: Some(shown.clone()),
        };
        let Some((key, values)) = argument.split_once('=') else {
            return Err(fail(
                "",
                "expected KEY=V1,V2,..., like autoscaling.max=4,8,16".into(),
            ));
        };
        let key = key.trim();
        let values: Vec<toml::Value> = split_values(values)
            .into_iter()
            .filter(|v| !v.is_empty())
            .map(parse_value)
            .collect();
        let cwd = std::env::current_dir().unwrap_or_default();
        let values = values
            .into_iter()
            .map(|mut v| {
                for path_key in super::PATH_KEYS {
                    super::absolutize(&mut v, key, path_key, &cwd);
                }
                v
            })
            .collect();
        let sweep = check(key, values, Origin::Argument(shown.clone()), "sweep")
            .map_err(|(_, m)| fail(key, m))?;
        self.sweeps.push(sweep);
        Ok(())
    }

    /// True when the scenario has `[[sweep]]` tables or `--sweep` arguments.
    pub fn has_sweeps(&self) -> bool {
        !self.sweeps.is_empty() || self.table.contains_key("sweep")
    }

    /// The file's `[[sweep]]` tables, then the `--sweep` arguments.
    pub(super) fn all_sweeps(&self) -> Result<Vec<Sweep>, ScenarioError> {
        let mut out = Vec::new();
        if let Some(list) = self.table.get("sweep") {
            let Some(list) = list.as_array() else {
                return Err(self.invalid(
                    &self.table,
                    "sweep",
                    "must be an array of tables: [[sweep]] with `key` and `values`",
                ));
            };
            for (i, item) in list.iter().enumerate() {
                let at = format!("sweep[{i}]");
                let Some(table) = item.as_table() else {
                    return Err(self.invalid(&self.table, &at, "must be a table"));
                };
                if let Some(other) = table
                    .keys()
                    .find(|k| !["key", "values"].contains(&k.as_str()))
                {
                    return Err(self.invalid(
                        &self.table,
                        &format!("{at}.{other}"),
                        "unknown key; a [[sweep]] has `key` and `values`",
                    ));
                }
                let Some(toml::Value::String(key)) = table.get("key") else {
                    return Err(self.invalid(
                        &self.table,
                        &format!("{at}.key"),
                        "every [[sweep]] needs a `key`, a dotted key as a string, like \"autoscaling.max\"",
                    ));
                };
                let Some(toml::Value::Array(values)) = table.get("values") else {
                    return Err(self.invalid(
                        &self.table,
                        &format!("{at}.values"),
                        "every [[sweep]] needs `values`, an array like [4, 8, 16]",
                    ));
                };
                let sweep = check(key, values.clone(), Origin::File(at.clone()), "sweep")
                    .map_err(|(field, m)| self.invalid(&self.table, &format!("{at}.{field}"), m))?;
                out.push(sweep);
            }
        }
        out.extend(self.sweeps.iter().cloned());
        Ok(out)
    }

    /// Every `[[strategy]]` (or the base) × every point of the grid, resolved.
    pub(super) fn swept_strategies(
        &self,
        listed: &[StrategyTable],
        sweeps: &[Sweep],
    ) -> Result<Vec<(String, crate::model::Config)>, ScenarioError> {
        // The bound, checked axis by axis, so the error names the axis that passes it.
        let mut size = listed.len().max(1);
        for sweep in sweeps {
            size = size.saturating_mul(sweep.values.len());
            if size > limits::MAX_STRATEGIES {
                return Err(self.sweep_error(
                    sweep,
                    format!(
                        "the sweeps make {} strategies, more than the {} a comparison may have; sweep fewer keys or values, or split the study",
                        listed.len().max(1).saturating_mul(grid_size(sweeps)),
                        limits::MAX_STRATEGIES,
                    ),
                ));
            }
        }
        let names = point_names(sweeps);
        let base_strategy = StrategyTable {
            key: String::new(),
            name: String::new(),
            overrides: toml::Table::new(),
            merged: self.base_table(),
        };
        let bases: Vec<&StrategyTable> = match listed {
            [] => vec![&base_strategy],
            _ => listed.iter().collect(),
        };
        let mut out = Vec::with_capacity(size);
        for strategy in bases {
            for (point, point_name) in names.iter().enumerate() {
                let name = match strategy.name.as_str() {
                    "" => point_name.clone(),
                    s => format!("{s} · {point_name}"),
                };
                let mut root = toml::Value::Table(strategy.merged.clone());
                let mut rest = point;
                let mut chosen = vec![0; sweeps.len()];
                for (axis, sweep) in sweeps.iter().enumerate().rev() {
                    chosen[axis] = rest % sweep.values.len();
                    rest /= sweep.values.len();
                }
                for (sweep, &i) in sweeps.iter().zip(&chosen) {
                    let path = parse_key(&sweep.key).expect("checked when the sweep was read");
                    set_value(&mut root, &path, sweep.values[i].clone(), String::new()).map_err(
                        |m| self.sweep_error(sweep, format!("in strategy \"{name}\": {m}")),
                    )?;
                }
                let toml::Value::Table(table) = root else {
                    unreachable!("the root stays a table");
                };
                if let Some(tier) = new_tier_without_kind(&strategy.merged, &table) {
                    let sweep = sweeps
                        .iter()
                        .rev()
                        .find(|s| within(&s.key, &format!("tiers.{tier}")))
                        .expect("only a sweep adds a tier here");
                    return Err(self.sweep_error(
                        sweep,
                        format!(
                            "in strategy \"{name}\": {}",
                            no_such_tier(&strategy.merged, &tier)
                        ),
                    ));
                }
                let config = match strategy.key.as_str() {
                    "" => super::resolve::resolve(self, &table)
                        .map(|(c, _)| c)
                        .map_err(|mut e| {
                            e.message = format!("in strategy \"{name}\": {}", e.message);
                            e
                        }),
                    _ => self.resolve_strategy(strategy, &table, &name),
                }
                .map_err(|e| self.blame_sweep(e, sweeps))?;
                out.push((name, config));
            }
        }
        Ok(out)
    }

    /// An error about `sweep` itself: its table's line or its argument.
    fn sweep_error(&self, sweep: &Sweep, message: String) -> ScenarioError {
        let (line, set) = self.sweep_origin(sweep);
        ScenarioError {
            file: self.path.clone(),
            line,
            key: sweep.key.clone(),
            value: None,
            message,
            set,
        }
    }

    fn sweep_origin(&self, sweep: &Sweep) -> (Option<usize>, Option<String>) {
        match &sweep.origin {
            Origin::File(at) => (locate(&self.text, at), None),
            Origin::Argument(argument) => (None, Some(argument.clone())),
        }
    }

    /// Blames an error on the last sweep whose key holds the error's key or lies
    /// inside it (an unknown key is reported at its table): that sweep gave the value.
    fn blame_sweep(&self, mut e: ScenarioError, sweeps: &[Sweep]) -> ScenarioError {
        let blamed = sweeps
            .iter()
            .rev()
            .find(|s| !e.key.is_empty() && (within(&e.key, &s.key) || within(&s.key, &e.key)));
        if let Some(sweep) = blamed {
            (e.line, e.set) = self.sweep_origin(sweep);
        }
        e
    }
}

/// Checks one axis: a key of the file format and a non-empty list of distinct values.
/// An error says which of the two is wrong (`"key"` or `"values"`) and why; `noun`
/// names the axis's kind in messages (`"sweep"`, `"space"`).
pub(super) fn check(
    key: &str,
    values: Vec<toml::Value>,
    origin: Origin,
    noun: &str,
) -> Result<Sweep, (&'static str, String)> {
    let path = parse_key(key).map_err(|m| ("key", m))?;
    let key = key_text(&path);
    if !is_known(&key) {
        return Err((
            "key",
            "no such key in a scenario (`simcloud validate` prints a scenario's keys); a sweep varies one key, like autoscaling.max".into(),
        ));
    }
    if values.is_empty() {
        return Err((
            "values",
            format!("the {noun} has no values; give at least one"),
        ));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err((
                "values",
                format!(
                    "the value {} appears twice among the {noun}'s values",
                    limits::show_value(v)
                ),
            ));
        }
    }
    Ok(Sweep {
        key,
        values,
        origin,
    })
}

/// True when `key` (indices as `[n]`) is a key of the file format, as `known_keys`
/// lists them (`[]` for any index, `*` for any tier's name).
fn is_known(key: &str) -> bool {
    let mut shape = String::new();
    let mut in_index = false;
    for c in key.chars() {
        match c {
            '[' => {
                in_index = true;
                shape.push_str("[]");
            }
            ']' => in_index = false,
            c if !in_index => shape.push(c),
            _ => {}
        }
    }
    let parts: Vec<&str> = shape.split('.').collect();
    known_keys().iter().any(|known| {
        let pattern: Vec<&str> = known.split('.').collect();
        pattern.len() == parts.len() && pattern.iter().zip(&parts).all(|(p, k)| *p == "*" || p == k)
    })
}

/// Splits `a,b,{x=1,y=2}` at the commas outside brackets, braces and quotes.
fn split_values(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut quote, mut start) = (0i32, None, 0);
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out
}

fn grid_size(sweeps: &[Sweep]) -> usize {
    sweeps
        .iter()
        .fold(1usize, |n, s| n.saturating_mul(s.values.len()))
}

/// The name of every point, in grid order: `leaf=value` per axis, joined by spaces
/// (`max=8 type=c5.large`), where the leaf is the key's last name, or the whole key
/// when two axes share a leaf. Two values that print alike (`8` and `"8"`) would give
/// one name twice; later ones get ` (2)`, ` (3)`, ...
fn point_names(sweeps: &[Sweep]) -> Vec<String> {
    let leaf = |key: &str| key.rsplit('.').next().unwrap_or(key).to_string();
    let labels: Vec<String> = sweeps
        .iter()
        .map(|s| {
            let shared = sweeps
                .iter()
                .filter(|o| leaf(&o.key) == leaf(&s.key))
                .count()
                > 1;
            if shared { s.key.clone() } else { leaf(&s.key) }
        })
        .collect();
    let mut names = vec![String::new()];
    for (sweep, label) in sweeps.iter().zip(&labels) {
        names = names
            .iter()
            .flat_map(|prefix| {
                sweep.values.iter().map(move |v| {
                    let value = match v {
                        toml::Value::String(s) => s.clone(),
                        v => limits::show_value(v),
                    };
                    match prefix.as_str() {
                        "" => format!("{label}={value}"),
                        p => format!("{p} {label}={value}"),
                    }
                })
            })
            .collect();
    }
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    names
        .into_iter()
        .map(|name| {
            let count = seen.entry(name.clone()).or_default();
            *count += 1;
            match *count {
                1 => name,
                n => format!("{name} ({n})"),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas() {
        assert_eq!(split_values("1, 2,3"), ["1", "2", "3"]);
        assert_eq!(
            split_values("{a=1,b=\"x,y\"},[1,2]"),
            ["{a=1,b=\"x,y\"}", "[1,2]"]
        );
    }

    #[test]
    fn keys_are_checked_against_the_file_format() {
        assert!(is_known("autoscaling.max"));
        assert!(is_known("traffic.spike[0].peak"));
        assert!(is_known("tiers.api.autoscaling.max"));
        assert!(!is_known("autoscaling.maxx"));
    }
}
