//! Write-then-rename files: a reader sees either the old file or the complete new one.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A file written under `.<name>.tmp` and renamed to `<name>` by [`AtomicFile::commit`];
/// dropped without commit, the temporary file is removed.
pub struct AtomicFile {
    temp: PathBuf,
    target: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    pub fn create(dir: &Path, name: &str) -> Result<Self> {
        let temp = dir.join(format!(".{name}.tmp"));
        let target = dir.join(name);
        let file =
            File::create(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        Ok(AtomicFile {
            temp,
            target,
            writer: Some(BufWriter::with_capacity(1 << 16, file)),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("not yet committed")
    }

    /// Flushes, syncs nothing more than the OS does, and renames into place.
    pub fn commit(mut self) -> Result<PathBuf> {
        let writer = self.writer.take().expect("committed once");
        writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", self.target.display()))?;
        std::fs::rename(&self.temp, &self.target)
            .with_context(|| format!("cannot move {} into place", self.target.display()))?;
        Ok(self.target.clone())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            self.writer = None;
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
