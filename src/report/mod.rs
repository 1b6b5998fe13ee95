//! Exporters: the run folder (`summary.json`, `timeline.csv`, `cost.csv`).
//!
//! One result record feeds every exporter, as in hyperfine. Files are written under a
//! temporary name and renamed into place only when the whole run has succeeded, so a
//! failed or interrupted run never leaves a half-written file behind.

mod atomic;

pub use atomic::AtomicFile;

use crate::model::{Config, CostItem, RunOutcome, Summary, TimelineRow, simulate};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a finished run wrote.
pub struct RunReport {
    pub summary: Summary,
    pub dir: PathBuf,
    pub files: Vec<PathBuf>,
}

/// Runs `config` and writes its run folder in `dir`; `on_row` sees every timeline row
/// as it is produced (for progress display).
pub fn run_to_folder(
    config: &Config,
    dir: &Path,
    on_row: &mut dyn FnMut(&TimelineRow),
) -> Result<RunReport> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
    let mut timeline = AtomicFile::create(dir, "timeline.csv")?;
    let mut write_error = None;
    let outcome = {
        let mut writer = csv::Writer::from_writer(timeline.writer());
        let outcome = simulate(config, &mut |row| {
            on_row(row);
            if write_error.is_none() {
                if let Err(e) = writer.serialize(row) {
                    write_error = Some(e);
                }
            }
        });
        writer.flush().context("cannot write timeline.csv")?;
        outcome
    };
    if let Some(e) = write_error {
        return Err(e).context("cannot write timeline.csv");
    }
    let RunOutcome {
        summary,
        cost_items,
    } = outcome;
    let mut summary_file = AtomicFile::create(dir, "summary.json")?;
    write_summary_json(&summary, summary_file.writer())?;
    let mut cost_file = AtomicFile::create(dir, "cost.csv")?;
    write_cost_csv(&cost_items, cost_file.writer())?;
    let files = vec![
        timeline.commit()?,
        summary_file.commit()?,
        cost_file.commit()?,
    ];
    Ok(RunReport {
        summary,
        dir: dir.to_path_buf(),
        files,
    })
}

pub fn write_summary_json(summary: &Summary, mut out: impl Write) -> Result<()> {
    serde_json::to_writer_pretty(&mut out, summary)?;
    writeln!(out)?;
    Ok(())
}

pub fn summary_json(summary: &Summary) -> String {
    serde_json::to_string_pretty(summary).expect("a summary always serializes")
}

pub fn write_cost_csv(items: &[CostItem], out: impl Write) -> Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for item in items {
        writer.serialize(item)?;
    }
    writer.flush()?;
    Ok(())
}
