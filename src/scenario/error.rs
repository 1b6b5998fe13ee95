//! Errors in scenario files: each names the file, the key, the value and, where it can
//! be found, the line.

use std::fmt;
use std::path::PathBuf;

/// A scenario that cannot be run. Always the user's input, never a bug: the binary
/// maps it to exit code 2.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioError {
    pub file: PathBuf,
    pub line: Option<usize>,
    /// Dotted key path, like `autoscaling.min` or `traffic.spike[0].peak`; empty when
    /// the problem is the file as a whole.
    pub key: String,
    /// The offending value as written, when there is one.
    pub value: Option<String>,
    pub message: String,
    /// The command-line argument that gave the offending value, with its option
    /// (`--set KEY=VALUE`, `--sweep KEY=V1,V2`), when the value came from the command
    /// line rather than the file: the error then names the argument instead of a line
    /// of the file, which holds another value.
    pub set: Option<String>,
}

impl ScenarioError {
    pub(crate) fn file(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.into(),
            line: None,
            key: String::new(),
            value: None,
            message: message.into(),
            set: None,
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.set {
            Some(argument) => write!(f, "{argument}: ")?,
            None => {
                write!(f, "{}", self.file.display())?;
                if let Some(line) = self.line {
                    write!(f, ":{line}")?;
                }
                write!(f, ": ")?;
            }
        }
        if !self.key.is_empty() {
            write!(f, "{}", self.key)?;
            if let Some(value) = &self.value {
                write!(f, " = {value}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ScenarioError {}
