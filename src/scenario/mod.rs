//! Scenario files: the only code that knows TOML.
//!
//! Loading is two stages, as in ripgrep's argument handling: the text is parsed into a
//! TOML table (where `--set` overrides and `[[strategy]]` overrides are merged), then
//! deserialized into raw structs that mirror the file (`raw`) and resolved into the
//! validated [`Config`] with every default filled in (`resolve`). Each error names the
//! file, the dotted key, the value and, when the key is in the file, its line.

mod catalog;
mod duration;
mod error;
mod raw;
mod resolve;
mod spot_prices;
mod trace;

pub use catalog::{CATALOG, InstanceType, lookup as lookup_instance_type};
pub use duration::parse_duration;
pub use error::ScenarioError;

use crate::model::Config;
use std::path::{Path, PathBuf};

/// A scenario file read from disk, with any command-line overrides applied.
#[derive(Clone, Debug)]
pub struct ScenarioFile {
    path: PathBuf,
    text: String,
    table: toml::Table,
}

impl ScenarioFile {
    /// Reads and parses `path`; refuses directories, empty files and non-UTF-8 bytes.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        let fail = |message: String| ScenarioError::file(path, message);
        let metadata = std::fs::metadata(path)
            .map_err(|e| fail(format!("cannot read the scenario file: {}", io_reason(&e))))?;
        if metadata.is_dir() {
            return Err(fail("is a directory, not a scenario file".into()));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| fail(format!("cannot read the scenario file: {}", io_reason(&e))))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "is not a text file (invalid UTF-8 at byte {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        if text.trim().is_empty() {
            return Err(fail(
                "is empty; a scenario needs at least `duration` and `[traffic]`".into(),
            ));
        }
        Self::parse(path, text)
    }

    /// Parses scenario text as if read from `path` (used by tests and fuzzing).
    pub fn parse(path: &Path, text: String) -> Result<Self, ScenarioError> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let line = e.span().map(|s| line_of_offset(&text, s.start));
            ScenarioError {
                file: path.to_path_buf(),
                line,
                key: String::new(),
                value: None,
                message: format!("not valid TOML: {}", e.message()),
            }
        })?;
        Ok(ScenarioFile {
            path: path.to_path_buf(),
            text,
            table,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies a `key=value` override from the command line. The value is read as a
    /// TOML value (`3`, `true`, `"90s"`), or taken as a string if it is not one. A
    /// relative path given for a `file` key is taken relative to the working directory,
    /// where the user typed it, not to the scenario file.
    pub fn set(&mut self, assignment: &str) -> Result<(), ScenarioError> {
        let Some((key, raw_value)) = assignment.split_once('=') else {
            return Err(ScenarioError::file(
                &self.path,
                format!("--set {assignment}: expected key=value, like autoscaling.max=20"),
            ));
        };
        let key = key.trim();
        let mut value = parse_value(raw_value.trim());
        if key.rsplit('.').next() == Some("file") {
            if let toml::Value::String(s) = &value {
                if Path::new(s).is_relative() {
                    let cwd = std::env::current_dir().unwrap_or_default();
                    value = toml::Value::String(cwd.join(s).to_string_lossy().into_owned());
                }
            }
        }
        set_path(&mut self.table, key, value).map_err(|message| ScenarioError {
            file: self.path.clone(),
            line: None,
            key: key.to_string(),
            value: Some(raw_value.trim().to_string()),
            message,
        })
    }

    /// The validated scenario (strategies are not applied).
    pub fn resolve(&self) -> Result<Config, ScenarioError> {
        let mut table = self.table.clone();
        table.remove("strategy");
        resolve::resolve(self, &table)
    }

    /// The `[[strategy]]` tables: each a name and the resolved scenario with its
    /// overrides deep-merged into the base. Errors name the strategy.
    pub fn strategies(&self) -> Result<Vec<(String, Config)>, ScenarioError> {
        let Some(list) = self.table.get("strategy") else {
            return Ok(Vec::new());
        };
        let Some(list) = list.as_array() else {
            return Err(self.invalid(
                &self.table,
                "strategy",
                "must be an array of tables: [[strategy]]",
            ));
        };
        let mut base = self.table.clone();
        base.remove("strategy");
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let key = format!("strategy[{i}]");
            let Some(overrides) = item.as_table() else {
                return Err(self.invalid(&self.table, &key, "must be a table"));
            };
            let name = match overrides.get("name") {
                Some(toml::Value::String(name)) if !name.trim().is_empty() => name.clone(),
                _ => {
                    return Err(self.invalid(
                        &self.table,
                        &format!("{key}.name"),
                        "every strategy needs a non-empty `name`",
                    ));
                }
            };
            if !seen.insert(name.clone()) {
                return Err(self.invalid(
                    &self.table,
                    &format!("{key}.name"),
                    "two strategies have this name; names must be unique",
                ));
            }
            let mut merged = base.clone();
            for (k, v) in overrides.iter().filter(|(k, _)| k.as_str() != "name") {
                merge_path(&mut merged, k, v.clone());
            }
            let config = resolve::resolve(self, &merged).map_err(|mut e| {
                e.message = format!("in strategy \"{name}\": {}", e.message);
                // The line of the strategy's own table: the base's line for the same
                // key would point at a value the strategy replaced.
                e.line = locate(&self.text, &key).or(e.line);
                e
            })?;
            out.push((name, config));
        }
        Ok(out)
    }

    /// An error about `key`, with its value from `table` and its line in the file.
    fn invalid(&self, table: &toml::Table, key: &str, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            file: self.path.clone(),
            line: locate(&self.text, key),
            key: key.to_string(),
            value: value_at(table, key).map(|v| v.to_string()),
            message: message.into(),
        }
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

fn parse_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// Splits `a.b[2].c` into segments.
fn segments(key: &str) -> Vec<Segment<'_>> {
    let mut out = Vec::new();
    for part in key.split('.') {
        match part.split_once('[') {
            Some((name, rest)) => {
                out.push(Segment::Key(name));
                for index in rest.split('[') {
                    if let Ok(i) = index.trim_end_matches(']').parse() {
                        out.push(Segment::Index(i));
                    }
                }
            }
            None => out.push(Segment::Key(part)),
        }
    }
    out
}

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn value_at<'t>(table: &'t toml::Table, key: &str) -> Option<&'t toml::Value> {
    let mut segs = segments(key).into_iter();
    let Some(Segment::Key(first)) = segs.next() else {
        return None;
    };
    let mut value = table.get(first)?;
    for seg in segs {
        value = match seg {
            Segment::Key(k) => value.as_table()?.get(k)?,
            Segment::Index(i) => value.as_array()?.get(i)?,
        };
    }
    Some(value)
}

/// Sets a dotted key, creating tables on the way (`--set a.b.c=1`).
fn set_path(table: &mut toml::Table, key: &str, value: toml::Value) -> Result<(), String> {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err("not a valid key".into());
    }
    let mut current = table;
    for part in &parts[..parts.len() - 1] {
        let entry = current
            .entry(part.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        current = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{part}` is not a table, so it has no keys to set"))?;
    }
    current.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// Deep-merges an override into `table` at `key`: tables merge key by key, anything
/// else replaces. A strategy's `purchase.on_demand_percent_above_base = 100` and
/// `[strategy.purchase] on_demand_percent_above_base = 100` mean the same.
fn merge_path(table: &mut toml::Table, key: &str, value: toml::Value) {
    match (table.get_mut(key), value) {
        (Some(toml::Value::Table(existing)), toml::Value::Table(incoming)) => {
            for (k, v) in incoming {
                merge_path(existing, &k, v);
            }
        }
        (_, value) => {
            table.insert(key.to_string(), value);
        }
    }
}

/// The line of `key` in the scenario text, found through `toml_edit`'s spans.
fn locate(text: &str, key: &str) -> Option<usize> {
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut segs = segments(key).into_iter();
    let Some(Segment::Key(first)) = segs.next() else {
        return None;
    };
    let mut item = doc.as_table().get(first)?;
    let mut span = item.span();
    for seg in segs {
        item = match (seg, item) {
            (Segment::Key(k), item) => item.get(k)?,
            (Segment::Index(i), toml_edit::Item::ArrayOfTables(tables)) => {
                let table = tables.get(i)?;
                span = table.span().or(span);
                // An array-of-tables entry has no item to descend into; keep looking
                // for its keys in the table itself.
                return span.map(|s| line_of_offset(text, s.start));
            }
            (Segment::Index(i), item) => item.get(i)?,
        };
        span = item.span().or(span);
    }
    span.map(|s| line_of_offset(text, s.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_nested_keys() {
        let text = "name = \"x\"\n\n[autoscaling]\nmin = 0\nmax = 3\n\n[service]\ntime = { dist = \"constant\", value = \"5ms\" }\n";
        assert_eq!(locate(text, "autoscaling.min"), Some(4));
        assert_eq!(locate(text, "autoscaling.max"), Some(5));
        assert_eq!(locate(text, "service.time.value"), Some(8));
        assert_eq!(locate(text, "nowhere"), None);
    }

    #[test]
    fn merge_is_deep_for_tables_only() {
        let mut base: toml::Table = "[a]\nx = 1\ny = 2\n".parse().unwrap();
        merge_path(&mut base, "a", toml::Value::Table("x = 5".parse().unwrap()));
        assert_eq!(base["a"]["x"].as_integer(), Some(5));
        assert_eq!(base["a"]["y"].as_integer(), Some(2));
    }

    #[test]
    fn set_parses_toml_values_or_takes_strings() {
        assert_eq!(parse_value("3"), toml::Value::Integer(3));
        assert_eq!(parse_value("\"90s\""), toml::Value::String("90s".into()));
        assert_eq!(parse_value("90s"), toml::Value::String("90s".into()));
    }
}
