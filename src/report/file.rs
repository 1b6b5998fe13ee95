//! One output file: buffered, then flushed and synced with every error reported.
//!
//! Files are written straight into a staging folder ([`super::folder`]), which is
//! replaced as a whole, so a file needs no temporary name of its own. What matters is
//! that nothing is lost silently: a `BufWriter` dropped without a flush ignores write
//! errors, so [`OutputFile::finish`] flushes and syncs explicitly and reports failures.

use anyhow::{Context, Result};
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

/// A file being written into a (staging) folder.
pub struct OutputFile {
    name: String,
    writer: BufWriter<File>,
}

impl OutputFile {
    /// Creates `dir/name`. Errors name the file as the user will see it, by its name
    /// in the output folder, not by the hidden staging path.
    pub fn create(dir: &Path, name: &str) -> Result<Self> {
        let file = File::create(dir.join(name)).with_context(|| format!("cannot create {name}"))?;
        Ok(OutputFile {
            name: name.to_string(),
            writer: BufWriter::with_capacity(1 << 16, file),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Flushes and syncs to disk, so the folder that is put in place holds complete
    /// files even after a crash; returns the file's name.
    pub fn finish(self) -> Result<String> {
        let name = self.name;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {name}"))?;
        file.sync_all()
            .with_context(|| format!("cannot write {name}"))?;
        Ok(name)
    }
}

/// Writing through the buffer, so that streaming writers (CSV) can own the file.
impl std::io::Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}
