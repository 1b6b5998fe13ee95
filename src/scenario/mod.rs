//! Scenario files: the only code that knows TOML.
//!
//! Loading is two stages, as in ripgrep's argument handling: the text is parsed into a
//! TOML table (where `--set` overrides and `[[strategy]]` overrides are merged), then
//! deserialized into raw structs that mirror the file (`raw`) and resolved into the
//! validated [`Config`] with every default filled in (`resolve`). Each error names the
//! file, the dotted key, the value and, when the key is in the file, its line; a value
//! given with `--set` is blamed on that argument instead.
//!
//! Overrides, from `--set` or a `[[strategy]]`, follow one rule: a table merges key by
//! key into the table it overrides (`--set autoscaling.max=5` keeps `min`), except that
//! a `--set` whose value is a whole table replaces the table, and an override that
//! picks another kind of a one-of table (another `dist`, another savings-plan `kind`, a
//! spot price `trace` instead of a `discount`, an interruption `per_hour` instead of a
//! `band`) replaces it, since the old kind's keys would not apply.

mod burstable;
mod catalog;
mod cron;
mod default;
mod duration;
mod error;
mod hosts;
mod keys;
mod limits;
mod offer;
mod optimize;
mod print;
mod raw;
mod resolve;
mod spot_prices;
mod sweep;
mod trace;

pub use catalog::{Arch, CatalogEntry, catalog_entries};
pub use error::ScenarioError;
pub use keys::known_keys;
pub use optimize::{Constraint, MAX_REPLICATES, Objective, OptimizeSpec};
pub use print::{resolved_toml, resolved_toml_from};

use crate::model::Config;
use std::path::{Path, PathBuf};

/// A scenario file read from disk, with any command-line overrides applied.
#[derive(Clone, Debug)]
pub struct ScenarioFile {
    path: PathBuf,
    text: String,
    table: toml::Table,
    /// The `--set` arguments applied, in order: the dotted key and the argument as
    /// typed (`--set KEY=VALUE`), so that an error about that key names the argument.
    overrides: Vec<(String, String)>,
    /// The `--sweep` arguments, in order; they vary after the file's `[[sweep]]`s.
    sweeps: Vec<sweep::Sweep>,
}

/// The top-level tables that describe runs to make of the scenario (`compare`'s
/// strategies and sweeps, `optimize`'s search) rather than the scenario itself.
const NOT_THE_SCENARIO: [&str; 3] = ["strategy", "sweep", "optimize"];

/// Keys whose values are file paths (`*` is any tier's name). Relative paths in the
/// scenario file are relative to the file; relative paths typed with `--set` are
/// relative to the working directory, where the user typed them.
const PATH_KEYS: &[&str] = &[
    "traffic.trace.file",
    "spot.price.trace",
    "tiers.*.spot.price.trace",
    "pricing.offer_file",
    "tiers.*.cron_file",
];

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
                set: None,
            }
        })?;
        Ok(ScenarioFile {
            path: path.to_path_buf(),
            text,
            table,
            overrides: Vec::new(),
            sweeps: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Applies a `key=value` override from the command line. The value is read as a
    /// TOML value (`3`, `true`, `"90s"`, `{ file = "x.csv" }`), or taken as a string if
    /// it is not one. The key may name an element of an array (`traffic.spike[0].peak`;
    /// the index one past the end adds an element). A whole table as the value replaces
    /// the table: `--set 'traffic={trace={file="t.csv"}}'` replays the trace alone,
    /// where `--set traffic.trace.file=t.csv` adds it to the file's other traffic.
    pub fn set(&mut self, assignment: &str) -> Result<(), ScenarioError> {
        let fail = |key: &str, value: Option<String>, message: String| ScenarioError {
            file: self.path.clone(),
            line: None,
            key: key.to_string(),
            value,
            message,
            set: Some(format!("--set {assignment}")),
        };
        let Some((key, raw_value)) = assignment.split_once('=') else {
            return Err(fail(
                "",
                None,
                "expected KEY=VALUE, like autoscaling.max=20".into(),
            ));
        };
        let key = key.trim();
        let path = parse_key(key).map_err(|m| fail(key, None, m))?;
        let mut value = parse_value(raw_value.trim());
        let cwd = std::env::current_dir().unwrap_or_default();
        for path_key in PATH_KEYS {
            absolutize(&mut value, key, path_key, &cwd);
        }
        let shown = limits::show_value(&value);
        let mut root = toml::Value::Table(self.table.clone());
        set_value(&mut root, &path, value, String::new()).map_err(|m| fail(key, Some(shown), m))?;
        let toml::Value::Table(table) = root else {
            unreachable!("the root stays a table");
        };
        if let Some(tier) = new_tier_without_kind(&self.table, &table) {
            return Err(fail(
                &format!("tiers.{tier}"),
                None,
                no_such_tier(&self.table, &tier),
            ));
        }
        self.table = table;
        self.overrides
            .push((key_text(&path), format!("--set {assignment}")));
        Ok(())
    }

    /// The validated scenario (strategies are not applied).
    pub fn resolve(&self) -> Result<Config, ScenarioError> {
        self.resolve_with_notes().map(|(config, _)| config)
    }

    /// The validated scenario and the notes a user should see: things accepted but
    /// without effect, like a spike that starts after the end of the run (a shortened
    /// `duration` makes these; they simply do not happen).
    pub fn resolve_with_notes(&self) -> Result<(Config, Vec<String>), ScenarioError> {
        let mut table = self.table.clone();
        for comparison_only in NOT_THE_SCENARIO {
            table.remove(comparison_only);
        }
        resolve::resolve(self, &table)
    }

    /// The `[[strategy]]` tables: each a name and the resolved scenario with its
    /// overrides deep-merged into the base, and then, when the scenario has sweeps
    /// (`[[sweep]]` tables or `--sweep` arguments), every point of their grid applied
    /// on top of each (see `sweep`). Errors name the strategy or the sweep.
    pub fn strategies(&self) -> Result<Vec<(String, Config)>, ScenarioError> {
        let listed = self.strategy_tables()?;
        let sweeps = self.all_sweeps()?;
        if !sweeps.is_empty() {
            return self.swept_strategies(&listed, &sweeps);
        }
        listed
            .iter()
            .map(|s| {
                Ok((
                    s.name.clone(),
                    self.resolve_strategy(s, &s.merged, &s.name)?,
                ))
            })
            .collect()
    }

    /// The `[[strategy]]` tables, checked and merged into the base (not resolved).
    fn strategy_tables(&self) -> Result<Vec<StrategyTable>, ScenarioError> {
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
        let base = self.base_table();
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
            if let Some(tier) = new_tier_without_kind(&base, &merged) {
                return Err(ScenarioError {
                    value: None,
                    ..self.invalid(
                        &self.table,
                        &format!("{key}.tiers.{tier}"),
                        format!("in strategy \"{name}\": {}", no_such_tier(&base, &tier)),
                    )
                });
            }
            out.push(StrategyTable {
                key,
                name,
                overrides: overrides.clone(),
                merged,
            });
        }
        Ok(out)
    }

    /// The scenario without its `[[strategy]]`, `[[sweep]]` and `[optimize]` tables.
    fn base_table(&self) -> toml::Table {
        let mut base = self.table.clone();
        for comparison_only in NOT_THE_SCENARIO {
            base.remove(comparison_only);
        }
        base
    }

    /// Resolves `table`, the strategy `s` (with, under sweeps, a grid point on top)
    /// called `name` in errors.
    fn resolve_strategy(
        &self,
        s: &StrategyTable,
        table: &toml::Table,
        name: &str,
    ) -> Result<Config, ScenarioError> {
        let (config, _) = resolve::resolve(self, table).map_err(|mut e| {
            e.message = format!("in strategy \"{name}\": {}", e.message);
            // The line of the strategy's own table: the base's line for the same
            // key would point at a value the strategy replaced. A value the
            // strategy gives is the strategy's, not a `--set`'s.
            e.line = locate(&self.text, &s.key).or(e.line);
            if value_at(&s.overrides, &e.key).is_some() {
                e.set = None;
            }
            e
        })?;
        Ok(config)
    }

    /// An error about `key`, with its value from `table` and its line in the file.
    /// When the value came from a `--set`, the error names that argument: the file's
    /// line for the key holds the value the argument replaced.
    fn invalid(&self, table: &toml::Table, key: &str, message: impl Into<String>) -> ScenarioError {
        let set = self
            .overrides
            .iter()
            .rev()
            .find(|(set_key, _)| within(key, set_key))
            .map(|(_, assignment)| assignment.clone());
        ScenarioError {
            file: self.path.clone(),
            line: if set.is_some() {
                None
            } else {
                locate(&self.text, key)
            },
            key: key.to_string(),
            value: value_at(table, key).map(limits::show_value),
            message: message.into(),
            set,
        }
    }
}

/// A `[[strategy]]` table, checked: its key (`strategy[2]`), name, overrides, and the
/// scenario with them merged in.
#[derive(Clone, Debug)]
struct StrategyTable {
    key: String,
    name: String,
    overrides: toml::Table,
    merged: toml::Table,
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

enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

fn value_at<'t>(table: &'t toml::Table, key: &str) -> Option<&'t toml::Value> {
    let mut segs = parse_key(key).ok()?.into_iter();
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

/// Parses a `--set` key strictly: names of letters, digits, `_` and `-` separated by
/// dots, each optionally followed by `[n]` indices (`traffic.spike[0].peak`).
fn parse_key(key: &str) -> Result<Vec<Segment<'_>>, String> {
    let bad = || {
        "not a valid key: expected names separated by dots, with [n] for an element of an array, like traffic.spike[0].peak".to_string()
    };
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        let name_ok = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !name_ok {
            return Err(bad());
        }
        out.push(Segment::Key(name));
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[').ok_or_else(bad)?;
            let (index, after) = inner.split_once(']').ok_or_else(bad)?;
            out.push(Segment::Index(index.parse().map_err(|_| bad())?));
            rest = after;
        }
    }
    Ok(out)
}

/// A parsed key written back as text, the form error keys take (`a.b[0].c`).
fn key_text(path: &[Segment<'_>]) -> String {
    let mut text = String::new();
    for seg in path {
        match seg {
            Segment::Key(k) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(k);
            }
            Segment::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

/// True when `key` is `outer` or lies inside it (`a.b.c` and `a.b[0]` lie in `a.b`).
fn within(key: &str, outer: &str) -> bool {
    key.strip_prefix(outer)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

/// Sets `value` at `path` below `current`, creating tables on the way; an index may
/// name an existing element or the one just past the end, which is appended. `walked`
/// is the key so far, for messages.
fn set_value(
    current: &mut toml::Value,
    path: &[Segment<'_>],
    value: toml::Value,
    walked: String,
) -> Result<(), String> {
    let Some((first, rest)) = path.split_first() else {
        *current = value;
        return Ok(());
    };
    // What a missing step on the way becomes: a table for a name, an array for an index.
    let empty = |next: Option<&Segment>| match next {
        Some(Segment::Index(_)) => toml::Value::Array(Vec::new()),
        _ => toml::Value::Table(toml::Table::new()),
    };
    match first {
        Segment::Key(k) => {
            let toml::Value::Table(table) = current else {
                return Err(format!("`{walked}` is not a table, so it has no key `{k}`"));
            };
            let child = table
                .entry(k.to_string())
                .or_insert_with(|| empty(rest.first()));
            let walked = if walked.is_empty() {
                k.to_string()
            } else {
                format!("{walked}.{k}")
            };
            set_value(child, rest, value, walked)
        }
        Segment::Index(i) => {
            let toml::Value::Array(items) = current else {
                return Err(format!("`{walked}` is not an array, so it has no [{i}]"));
            };
            if *i > items.len() {
                return Err(format!(
                    "`{walked}` has {} element(s), so [{i}] is out of range (use [{}] to add one)",
                    items.len(),
                    items.len()
                ));
            }
            if *i == items.len() {
                items.push(empty(rest.first()));
            }
            set_value(&mut items[*i], rest, value, format!("{walked}[{i}]"))
        }
    }
}

/// Makes the path at `path_key` inside a `--set` value absolute against `cwd`, when
/// the value set at `key` holds it (`key` is `path_key` itself or a table above it;
/// `*` in `path_key` stands for any name).
fn absolutize(value: &mut toml::Value, key: &str, path_key: &str, cwd: &Path) {
    let key: Vec<&str> = key.split('.').collect();
    let pattern: Vec<&str> = path_key.split('.').collect();
    let matches =
        key.len() <= pattern.len() && key.iter().zip(&pattern).all(|(k, p)| *p == "*" || k == p);
    if matches {
        absolutize_below(value, &pattern[key.len()..], cwd);
    }
}

/// Makes the path at `pattern` below `value` absolute against `cwd`, in every entry
/// where the pattern says `*`.
fn absolutize_below(value: &mut toml::Value, pattern: &[&str], cwd: &Path) {
    match (pattern.split_first(), value) {
        (None, toml::Value::String(s)) if Path::new(s.as_str()).is_relative() => {
            *s = cwd.join(&*s).to_string_lossy().into_owned();
        }
        (Some((&"*", rest)), toml::Value::Table(table)) => {
            for (_, entry) in table.iter_mut() {
                absolutize_below(entry, rest, cwd);
            }
        }
        (Some((name, rest)), toml::Value::Table(table)) => {
            if let Some(entry) = table.get_mut(*name) {
                absolutize_below(entry, rest, cwd);
            }
        }
        _ => {}
    }
}

/// The first tier `merged` (a scenario with overrides applied) has that `base` does
/// not, when the override gave it no `kind`: a misspelt tier name (`--set
/// tiers.apx.autoscaling.max=8`) would otherwise be a new tier, missing its `kind`.
/// An override that gives a whole tier, kind included, adds one.
fn new_tier_without_kind(base: &toml::Table, merged: &toml::Table) -> Option<String> {
    let old = base.get("tiers").and_then(toml::Value::as_table);
    merged
        .get("tiers")?
        .as_table()?
        .iter()
        .find(|(name, tier)| {
            !old.is_some_and(|old| old.contains_key(*name))
                && tier.as_table().is_some_and(|t| !t.contains_key("kind"))
        })
        .map(|(name, _)| name.clone())
}

/// Why an override may not reach into the tier `name`, which `base` does not have.
fn no_such_tier(base: &toml::Table, name: &str) -> String {
    match base.get("tiers").and_then(toml::Value::as_table) {
        Some(tiers) => format!(
            "the scenario has no tier named \"{name}\"; its tiers are: {}",
            tiers.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        None => format!(
            "the scenario has no tier named \"{name}\": it is written in the single-tier form, whose keys have no `tiers.<name>.` prefix (like autoscaling.max)"
        ),
    }
}

/// The kind a one-of table has picked, as (what is chosen, the choice): a
/// distribution's `dist`, a savings plan's `kind`, a spot price's `discount` or
/// `trace`, an interruption rate's `band` or `per_hour`. Other tables have none.
fn kind_of(table: &toml::Table) -> Option<(&'static str, String)> {
    for tag in ["dist", "kind"] {
        if let Some(toml::Value::String(choice)) = table.get(tag) {
            return Some((tag, choice.clone()));
        }
    }
    for (group, choices) in [
        ("price", &["discount", "trace"]),
        ("interruption", &["band", "per_hour"]),
    ] {
        let present: Vec<&&str> = choices
            .iter()
            .filter(|c| table.get(**c).is_some_and(|v| !v.is_table()))
            .collect();
        if let [only] = present.as_slice() {
            return Some((group, only.to_string()));
        }
    }
    None
}

/// True when `incoming` picks another kind than `existing`: it then replaces it.
fn switches_kind(existing: &toml::Table, incoming: &toml::Table) -> bool {
    match (kind_of(existing), kind_of(incoming)) {
        (Some((a, x)), Some((b, y))) => a == b && x != y,
        _ => false,
    }
}

/// Deep-merges an override into `table` at `key`: tables merge key by key, anything
/// else replaces. A strategy's `purchase.on_demand_percent_above_base = 100` and
/// `[strategy.purchase] on_demand_percent_above_base = 100` mean the same. A table
/// that picks another kind (another `dist`, say) replaces the old one, whose keys
/// belong to the old kind.
fn merge_path(table: &mut toml::Table, key: &str, value: toml::Value) {
    match (table.get_mut(key), value) {
        (Some(toml::Value::Table(existing)), toml::Value::Table(incoming))
            if !switches_kind(existing, &incoming) =>
        {
            for (k, v) in incoming {
                merge_path(existing, &k, v);
            }
        }
        (_, value) => {
            table.insert(key.to_string(), value);
        }
    }
}

/// What `other` changes in `base`, as an override that `merge_path` turns `base` into
/// `other` with: the keys whose values differ, tables descended into unless they pick
/// another kind (then whole, as `merge_path` replaces them).
fn difference(base: &toml::Table, other: &toml::Table) -> toml::Table {
    let mut out = toml::Table::new();
    for (k, v) in other {
        match (base.get(k), v) {
            (Some(old), new) if old == new => {}
            (Some(toml::Value::Table(old)), toml::Value::Table(new))
                if !switches_kind(old, new) =>
            {
                out.insert(k.clone(), toml::Value::Table(difference(old, new)));
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// The line of `key` in the scenario text, found through `toml_edit`'s spans. A key
/// inside an array of tables (`deployment[1].batch_size`) is found on its own line;
/// one the entry does not have, at the entry's `[[header]]`.
fn locate(text: &str, key: &str) -> Option<usize> {
    /// Where the search stands: an item, or an entry of an array of tables (a table
    /// that is not an item of its own).
    enum Node<'a> {
        Item(&'a toml_edit::Item),
        Entry(&'a toml_edit::Table),
    }
    let doc = toml_edit::ImDocument::parse(text).ok()?;
    let mut segs = parse_key(key).ok()?.into_iter();
    let Some(Segment::Key(first)) = segs.next() else {
        return None;
    };
    let mut node = Node::Item(doc.as_table().get(first)?);
    let mut span = None;
    let mut in_entry = false;
    for seg in segs {
        let here = match &node {
            Node::Item(item) => item.span(),
            Node::Entry(table) => table.span(),
        };
        span = here.or(span);
        let next = match (seg, node) {
            (Segment::Key(k), Node::Item(item)) => item.get(k).map(Node::Item),
            (Segment::Key(k), Node::Entry(table)) => table.get(k).map(Node::Item),
            (Segment::Index(i), Node::Item(toml_edit::Item::ArrayOfTables(tables))) => {
                let entry = tables.get(i);
                in_entry = entry.is_some();
                entry.map(Node::Entry)
            }
            (Segment::Index(i), Node::Item(item)) => item.get(i).map(Node::Item),
            (Segment::Index(_), Node::Entry(_)) => None,
        };
        match next {
            Some(next) => node = next,
            // A key the entry lacks (a required one, say): its header.
            None if in_entry => return span.map(|s| line_of_offset(text, s.start)),
            None => return None,
        }
    }
    let found = match node {
        Node::Item(item) => item.span().or(span).or_else(|| first_span(item)),
        Node::Entry(table) => table.span().or(span),
    };
    found.map(|s| line_of_offset(text, s.start))
}

/// The earliest span inside `item`, for a table that has none of its own: `tiers`,
/// made by `[tiers.web]`, is found at its first tier.
fn first_span(item: &toml_edit::Item) -> Option<std::ops::Range<usize>> {
    item.as_table_like()?
        .iter()
        .filter_map(|(_, child)| child.span().or_else(|| first_span(child)))
        .min_by_key(|s| s.start)
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
        // A table made only by its subtables' headers is found at the first of them.
        let text = "x = 1\n[tiers.web]\nkind = \"ec2\"\n[tiers.api]\nkind = \"ec2\"\n";
        assert_eq!(locate(text, "tiers"), Some(2));
        // Keys of an array of tables' entries are found on their own lines; a key an
        // entry lacks, at its header.
        let text = "[[deployment]]\ntier = \"web\"\nat = \"1h\"\n\n[[deployment]]\ntier = \"web\"\n\nbatch_size = 0\n";
        assert_eq!(locate(text, "deployment[0].at"), Some(3));
        assert_eq!(locate(text, "deployment[1].batch_size"), Some(8));
        assert_eq!(locate(text, "deployment[1].at"), Some(5));
        assert_eq!(locate(text, "deployment[1]"), Some(5));
        assert_eq!(locate(text, "deployment[2].at"), None);
    }

    #[test]
    fn merge_is_deep_for_tables_only() {
        let mut base: toml::Table = "[a]\nx = 1\ny = 2\n".parse().unwrap();
        merge_path(&mut base, "a", toml::Value::Table("x = 5".parse().unwrap()));
        assert_eq!(base["a"]["x"].as_integer(), Some(5));
        assert_eq!(base["a"]["y"].as_integer(), Some(2));
    }

    #[test]
    fn a_table_of_another_kind_replaces_instead_of_merging() {
        let mut base: toml::Table =
            "[s]\ntime = { dist = \"lognormal\", mean = \"50ms\", cv = 1.0 }\n"
                .parse()
                .unwrap();
        let other: toml::Table = "dist = \"exponential\"\nmean = \"9ms\"".parse().unwrap();
        let s = base["s"].as_table_mut().unwrap();
        merge_path(s, "time", toml::Value::Table(other.clone()));
        assert_eq!(s["time"], toml::Value::Table(other));
        // The same kind merges: only the mean changes.
        let mean: toml::Table = "mean = \"7ms\"".parse().unwrap();
        merge_path(s, "time", toml::Value::Table(mean));
        assert_eq!(s["time"]["dist"].as_str(), Some("exponential"));
        assert_eq!(s["time"]["mean"].as_str(), Some("7ms"));
        // A band and a per-hour rate are two kinds of interruption rate.
        let mut spot: toml::Table = "interruption = { band = \"<5%\" }".parse().unwrap();
        let per_hour: toml::Table = "per_hour = 0.01".parse().unwrap();
        merge_path(&mut spot, "interruption", toml::Value::Table(per_hour));
        assert!(spot["interruption"].get("band").is_none());
    }

    #[test]
    fn difference_merges_back_into_the_other_table() {
        let base: toml::Table = "a = 1\n[t]\nx = 1\ny = 2\n[d]\ndist = \"gamma\"\ncv = 2.0\n"
            .parse()
            .unwrap();
        let other: toml::Table =
            "a = 1\n[t]\nx = 5\ny = 2\n[d]\ndist = \"constant\"\nvalue = \"1s\"\n"
                .parse()
                .unwrap();
        let diff = difference(&base, &other);
        assert!(diff.get("a").is_none());
        let mut merged = base.clone();
        for (k, v) in diff {
            merge_path(&mut merged, &k, v);
        }
        assert_eq!(merged, other);
    }

    #[test]
    fn set_keys_reach_array_elements_and_refuse_gaps() {
        let mut root =
            toml::Value::Table("[[spike]]\npeak = 1\n[f]\nat = [\"1h\"]\n".parse().unwrap());
        let set = |root: &mut toml::Value, key: &str, v: i64| {
            set_value(
                root,
                &parse_key(key).unwrap(),
                toml::Value::Integer(v),
                String::new(),
            )
        };
        set(&mut root, "spike[0].peak", 5).unwrap();
        set(&mut root, "spike[1].peak", 6).unwrap();
        set(&mut root, "f.at[0]", 7).unwrap();
        assert_eq!(root["spike"][0]["peak"].as_integer(), Some(5));
        assert_eq!(root["spike"][1]["peak"].as_integer(), Some(6));
        assert_eq!(root["f"]["at"][0].as_integer(), Some(7));
        let gap = set(&mut root, "spike[5].peak", 1).unwrap_err();
        assert!(gap.contains("`spike` has 2 element(s)"), "{gap}");
        for bad in ["a..b", "a[x]", "a[1", "[0]", "a b", ""] {
            assert!(parse_key(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn set_parses_toml_values_or_takes_strings() {
        assert_eq!(parse_value("3"), toml::Value::Integer(3));
        assert_eq!(parse_value("\"90s\""), toml::Value::String("90s".into()));
        assert_eq!(parse_value("90s"), toml::Value::String("90s".into()));
    }
}
