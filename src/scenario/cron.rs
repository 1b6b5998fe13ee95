//! Cron recurrences, parsed into the model's [`Cron`]: of scheduled actions, and of a
//! worker environment's periodic tasks, which also come from a `cron.yaml` file read
//! here (the only YAML the scenario reads).

use super::ScenarioError;
use super::io_reason;
use crate::model::Cron;
use std::path::Path;

/// Parses `minute hour day-of-month month day-of-week`, each `*`, `*/n`, a number, a
/// range `a-b` or a list of those; day-of-month and month must be `*`.
pub(crate) fn parse_cron(expr: &str) -> std::result::Result<Cron, String> {
    let fields: Vec<&str> = expr.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(
            "expected 5 fields: minute hour day-of-month month day-of-week, like \"0 8 * * 1-5\""
                .into(),
        );
    }
    if fields[2] != "*" || fields[3] != "*" {
        return Err(
            "day-of-month and month must be `*` (simulated time has no calendar dates)".into(),
        );
    }
    let set = |field: &str, size: usize, name: &str| -> std::result::Result<Vec<bool>, String> {
        let mut out = vec![false; size];
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (
                    r,
                    s.parse::<usize>()
                        .ok()
                        .filter(|&s| s > 0)
                        .ok_or(format!("bad step in {name} `{part}`"))?,
                ),
                None => (part, 1),
            };
            let (lo, hi) = if range == "*" {
                (0, size - 1)
            } else if let Some((a, b)) = range.split_once('-') {
                (
                    a.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                    b.parse().map_err(|_| format!("bad {name} `{part}`"))?,
                )
            } else {
                let v: usize = range.parse().map_err(|_| format!("bad {name} `{part}`"))?;
                (v, v)
            };
            // Day-of-week 7 is Sunday too.
            let hi = if name == "day-of-week" && hi == 7 {
                6.max(lo)
            } else {
                hi
            };
            let lo = if name == "day-of-week" && lo == 7 {
                0
            } else {
                lo
            };
            if lo > hi || hi >= size {
                return Err(format!("{name} `{part}` is out of range 0-{}", size - 1));
            }
            for v in (lo..=hi).step_by(step) {
                out[v] = true;
            }
        }
        Ok(out)
    };
    Ok(Cron {
        minutes: set(fields[0], 60, "minute")?,
        hours: set(fields[1], 24, "hour")?,
        weekdays: set(fields[4], 7, "day-of-week")?,
    })
}

/// One task of a `cron.yaml`, as written, with the lines of its `name` and
/// `schedule` for errors.
#[derive(Debug, PartialEq)]
pub(crate) struct CronYamlTask {
    pub name: String,
    pub url: String,
    pub schedule: String,
    pub name_line: Option<usize>,
    pub schedule_line: Option<usize>,
}

/// The file as Elastic Beanstalk reads it from a worker environment's source bundle
/// (aws-facts.md 5; https://docs.aws.amazon.com/elasticbeanstalk/latest/dg/using-features-managing-env-tiers.html#worker-periodictasks):
/// `version: 1` and a `cron:` list of tasks, each with `name`, `url` and `schedule`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CronYaml {
    version: u32,
    cron: Vec<CronYamlEntry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CronYamlEntry {
    name: String,
    url: String,
    schedule: String,
}

/// Reads the `cron.yaml` at `path`: its tasks in order, or an error naming the
/// file, the line, the key and the value. Schedules are checked by the caller (with
/// [`parse_cron`]), which reports them at `schedule_line`.
pub(crate) fn read_cron_yaml(path: &Path) -> Result<Vec<CronYamlTask>, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ScenarioError::file(
            path,
            format!("cannot read the cron file: {}", io_reason(&e)),
        )
    })?;
    parse_cron_yaml(path, &text)
}

/// Parses `cron.yaml` text as if read from `path`.
pub(crate) fn parse_cron_yaml(path: &Path, text: &str) -> Result<Vec<CronYamlTask>, ScenarioError> {
    let file: CronYaml = serde_norway::from_str(text).map_err(|e| {
        let mut error = ScenarioError::file(path, format!("not a valid cron.yaml: {e}"));
        error.line = e.location().map(|l| l.line());
        error
    })?;
    let fail = |key: String, value: String, line: Option<usize>, message: &str| ScenarioError {
        file: path.to_path_buf(),
        line,
        key,
        value: Some(value),
        message: message.into(),
        set: None,
    };
    if file.version != 1 {
        return Err(fail(
            "version".into(),
            file.version.to_string(),
            key_lines(text, "version").first().copied(),
            "Elastic Beanstalk reads cron.yaml version 1",
        ));
    }
    if file.cron.is_empty() {
        return Err(ScenarioError {
            value: None,
            ..fail(
                "cron".into(),
                String::new(),
                key_lines(text, "cron").first().copied(),
                "lists no task: give at least one, with name, url and schedule",
            )
        });
    }
    // The k-th `name:` and `schedule:` keys are the k-th task's (each entry has one of
    // each, deny_unknown_fields refused any other key, and serde refused duplicates).
    let (names, schedules) = (key_lines(text, "name"), key_lines(text, "schedule"));
    let mut tasks: Vec<CronYamlTask> = Vec::with_capacity(file.cron.len());
    for (k, entry) in file.cron.into_iter().enumerate() {
        let task = CronYamlTask {
            name_line: names.get(k).copied(),
            schedule_line: schedules.get(k).copied(),
            name: entry.name,
            url: entry.url,
            schedule: entry.schedule,
        };
        // "The name must be unique for each task" (the page above).
        if tasks.iter().any(|t| t.name == task.name) {
            return Err(fail(
                format!("cron[{k}].name"),
                format!("{:?}", task.name),
                task.name_line,
                "another task has this name; each task's name must be unique",
            ));
        }
        tasks.push(task);
    }
    Ok(tasks)
}

/// The lines (from 1) where a mapping key `key` of a block sequence or mapping is
/// written (`key:` or `- key:`), in order.
fn key_lines(text: &str, key: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let line = line.trim_start();
            let line = line.strip_prefix('-').map_or(line, str::trim_start);
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's example cron.yaml (the page cited above): two tasks, with the lines of
    /// their names (3, 6) and schedules (5, 8) for errors.
    #[test]
    fn the_aws_example_cron_yaml_reads_with_its_lines() {
        let text = "version: 1\ncron:\n - name: \"backup-job\"\n   url: \"/backup\"\n   schedule: \"0 */12 * * *\"\n - name: \"audit\"\n   url: \"/audit\"\n   schedule: \"0 23 * * *\"\n";
        let tasks = parse_cron_yaml(Path::new("cron.yaml"), text).unwrap();
        let got: Vec<_> = tasks
            .iter()
            .map(|t| {
                (
                    t.name.as_str(),
                    t.url.as_str(),
                    t.schedule.as_str(),
                    t.name_line,
                    t.schedule_line,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("backup-job", "/backup", "0 */12 * * *", Some(3), Some(5)),
                ("audit", "/audit", "0 23 * * *", Some(6), Some(8)),
            ]
        );
        // Every 12 hours: 00:00 and 12:00; the first strictly after t = 0 is 12:00.
        let cron = parse_cron(&tasks[0].schedule).unwrap();
        assert_eq!(cron.next_after(0), Some(12 * 3_600_000_000_000));
    }

    #[test]
    fn a_task_missing_its_url_is_an_error_with_its_line() {
        let text = "version: 1\ncron:\n - name: \"a\"\n   schedule: \"* * * * *\"\n";
        let e = parse_cron_yaml(Path::new("cron.yaml"), text).unwrap_err();
        assert!(e.message.contains("missing field `url`"), "{e}");
        assert!(e.line.is_some(), "{e:?}");
    }
}
