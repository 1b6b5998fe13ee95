//! The output folder, replaced as a whole: a run folder is always the complete output
//! of exactly one run.
//!
//! A run writes every file into a fresh *staging* folder beside its target, a hidden
//! sibling named `.simcloud-staging-<pid>-<random>`, and only when everything is
//! written does [`StagedFolder::commit`] put it in place of the old folder in one step.
//! So two runs into the same folder never mix their files (the last to finish wins,
//! and its folder is complete), `--no-plots` never leaves an older run's charts beside
//! new numbers, and a failed run leaves the previous folder exactly as it was.
//!
//! Per-file write-then-rename was rejected: it keeps each file whole, but not the
//! folder consistent (two runs interleave files, and files a run does not write stay
//! behind). A lock that refuses the second run was rejected too: waiting for or
//! failing on another terminal's run is worse than letting the later run win.
//!
//! Clean-up of an unfinished staging folder:
//! - on an error (or a panic that unwinds), [`StagedFolder`]'s `Drop` removes it;
//! - on SIGINT or SIGTERM, the binary calls [`remove_unfinished`] before it dies;
//! - SIGKILL (or a power cut) cannot be caught: the staging folder stays, hidden, and
//!   the next run that stages into the same parent folder removes every
//!   `.simcloud-staging-<pid>-*` whose process `<pid>` is no longer alive.
//!
//! Replacing a folder deletes what it held, so an existing target is replaced only if
//! it holds nothing but files simcloud writes ([`is_output_name`]): a folder with a
//! README, a study or anything of the user's is refused with [`OutputError::Foreign`].
//!
//! A comparison run in shards (`compare --shard K/N`) writes each shard as a folder
//! of its own, `shards/shard-K-of-N/`, inside the comparison's folder, staged and put
//! in place like any output folder (so a shard is written whole, and running it again
//! replaces it); `merge` writes the comparison's files beside them. An `optimize`
//! search run in shards writes each round's shards the same way, as
//! `shards/round-R-shard-K-of-N/`. So the one subfolder an output folder may hold is
//! `shards/`, of shard folders holding `shard.json` ([`SHARDS_FOLDER`],
//! [`is_shard_folder_name`]).
//!
//! This module does not know what a run writes; the callers write files into
//! [`StagedFolder::path`].

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Prefix of every staging folder (and of an old folder on its way out).
pub const STAGING_PREFIX: &str = ".simcloud-staging-";

/// The subfolder of a comparison's folder that holds its shards.
pub const SHARDS_FOLDER: &str = "shards";

/// The folder of shard `index` of `count` inside [`SHARDS_FOLDER`]: `shard-2-of-7`.
pub fn shard_folder_name(index: u32, count: u32) -> String {
    format!("shard-{index}-of-{count}")
}

/// The folder of round `round`'s shard `index` of `count` of an `optimize` search,
/// inside [`SHARDS_FOLDER`]: `round-3-shard-2-of-7`.
pub fn round_shard_folder_name(round: u32, index: u32, count: u32) -> String {
    format!("round-{round}-{}", shard_folder_name(index, count))
}

/// True for the names [`shard_folder_name`] and [`round_shard_folder_name`] give.
pub fn is_shard_folder_name(name: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let shard = match name.strip_prefix("round-") {
        Some(rest) => match rest.split_once('-') {
            Some((round, shard)) if digits(round) => shard,
            _ => return false,
        },
        None => name,
    };
    shard
        .strip_prefix("shard-")
        .and_then(|rest| rest.split_once("-of-"))
        .is_some_and(|(k, n)| digits(k) && digits(n))
}

/// Why an output folder cannot be used or put in place.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The path exists and is a file (bad input).
    #[error("{}: exists and is not a folder", path.display())]
    NotAFolder { path: PathBuf },
    /// The folder holds something simcloud never writes (bad input): replacing it
    /// could delete the user's files.
    #[error(
        "{}: holds `{name}`, which simcloud never writes; a run replaces its output folder as a whole, so it does not replace a folder that may hold your own files (choose another output folder with --out, or move it away)",
        path.display()
    )]
    Foreign { path: PathBuf, name: String },
    /// The folder cannot be created or written (bad input: a read-only place, a path
    /// under a file, a name too long, ...).
    #[error("{}: cannot be used as the output folder", path.display())]
    Unusable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The finished output could not be put in place (the run failed).
    #[error("{}: cannot put the finished output in place", path.display())]
    Commit {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl OutputError {
    /// True when the user's choice of folder is at fault (exit code 2), false when the
    /// machine failed at the end of the run (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(self, OutputError::Commit { .. })
    }
}

/// The names simcloud writes into a run or comparison folder. Leftovers of older
/// versions (`.<name>.tmp`, written before whole-folder replacement) count as ours too,
/// so a folder written by an older simcloud can be replaced. A tier other than the
/// entry writes `timeline-<tier>.csv` and `<tier>-<chart>.svg`, and any tier name is
/// accepted there rather than only the scenario's: the folder may hold the run of an
/// earlier version of the scenario, with other tier names. The price is that a stray
/// `notes-cost.png` would be taken for ours.
pub fn is_output_name(name: &str) -> bool {
    const FILES: [&str; 13] = [
        "shard.json",
        "evidence.csv",
        "evidence.json",
        "chosen.toml",
        "runner-up-1.toml",
        "runner-up-2.toml",
        "summary.json",
        "timeline.csv",
        "cost.csv",
        "report.html",
        "compare.csv",
        "compare.json",
        "replicates.csv",
    ];
    const CHARTS: [&str; 9] = [
        "search",
        "jobs",
        "traffic",
        "latency",
        "cpu",
        "cost",
        "latency_distribution",
        "cost_vs_p99",
        "cost_breakdown",
    ];
    let name = name
        .strip_prefix('.')
        .and_then(|n| n.strip_suffix(".tmp"))
        .unwrap_or(name);
    // Chart names have no `-`, tier names may: `my-api-cost` is tier `my-api`'s.
    let chart = |stem: &str| {
        CHARTS.contains(&stem)
            || stem
                .rsplit_once('-')
                .is_some_and(|(tier, chart)| !tier.is_empty() && CHARTS.contains(&chart))
    };
    FILES.contains(&name)
        || name
            .strip_prefix("timeline-")
            .and_then(|tier| tier.strip_suffix(".csv"))
            .is_some_and(|tier| !tier.is_empty())
        || name
            .strip_suffix(".svg")
            .or_else(|| name.strip_suffix(".png"))
            .is_some_and(chart)
}

/// What a signal handler must remove: staging folders not yet committed and the parent
/// folders created for them, deepest first.
struct Unfinished {
    staging: PathBuf,
    created: Vec<PathBuf>,
}

/// Every unfinished staging folder of this process. A process-wide list because a
/// signal arrives for the process, not for a run; the lock also orders a signal's
/// clean-up against a commit in progress (whichever takes it first finishes).
static UNFINISHED: Mutex<Vec<Unfinished>> = Mutex::new(Vec::new());

fn unfinished() -> MutexGuard<'static, Vec<Unfinished>> {
    // A panic while holding the lock leaves the list as valid as before it.
    UNFINISHED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every unfinished staging folder of this process (and the parents created
/// for them), and keeps any later commit from happening. For a signal handler that is
/// about to end the process: it returns with the list locked for good.
pub fn remove_unfinished() {
    let mut list = unfinished();
    for u in list.drain(..) {
        remove_quietly(&u.staging, &u.created);
    }
    // The process is about to die; a commit racing with it must not start.
    std::mem::forget(list);
}

fn remove_quietly(staging: &Path, created: &[PathBuf]) {
    let _ = fs::remove_dir_all(staging);
    for dir in created {
        // Only if empty: another process may have put something there meanwhile.
        let _ = fs::remove_dir(dir);
    }
}

/// A staging folder for `target`; see the module docs.
#[derive(Debug)]
pub struct StagedFolder {
    target: PathBuf,
    staging: PathBuf,
    /// Parent folders this run created, deepest first, removed again if it fails.
    created: Vec<PathBuf>,
    committed: bool,
}

impl StagedFolder {
    /// Checks that `target` can be replaced, creates its missing parent folders and a
    /// fresh staging folder beside it, and removes staging folders left by killed runs.
    /// Every error here is the user's choice of folder ([`OutputError::is_bad_input`]),
    /// and on error nothing is left behind.
    pub fn prepare(target: &Path) -> Result<Self, OutputError> {
        let unusable = |source| OutputError::Unusable {
            path: target.to_path_buf(),
            source,
        };
        let target = resolve_link(target).map_err(unusable)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            Some(_) => PathBuf::from("."),
            None => {
                return Err(unusable(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a run needs a folder it can replace, not the root of the file system",
                )));
            }
        };
        if target
            .file_name()
            .is_none_or(|n| n == OsStr::new(".") || n == OsStr::new(".."))
        {
            return Err(unusable(io::Error::new(
                io::ErrorKind::InvalidInput,
                "name the folder itself, not `.` or `..`",
            )));
        }
        check_replaceable(&target)?;
        let created = create_parents(&parent).map_err(unusable)?;
        let fail = |e: OutputError| {
            for dir in &created {
                let _ = fs::remove_dir(dir);
            }
            e
        };
        // A name too long or a parent we may not write only shows now.
        match fs::symlink_metadata(&target) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail(unusable(e))),
            _ => {}
        }
        remove_abandoned(&parent);
        let mut list = unfinished();
        let staging = tempfile::Builder::new()
            .prefix(&format!("{STAGING_PREFIX}{}-", std::process::id()))
            .rand_bytes(8)
            .tempdir_in(&parent)
            .map_err(|e| fail(unusable(e)))?
            .keep();
        list.push(Unfinished {
            staging: staging.clone(),
            created: created.clone(),
        });
        Ok(StagedFolder {
            target,
            staging,
            created,
            committed: false,
        })
    }

    /// Where to write the files.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder the files will be in after [`StagedFolder::commit`].
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the staging folder in place of the target in one step and removes the old
    /// folder. On Linux the two are exchanged atomically (`renameat2` with
    /// `RENAME_EXCHANGE`), so the target never goes missing, even for a moment;
    /// elsewhere the old folder is renamed away first. A folder that became foreign
    /// meanwhile is left as it was ([`OutputError::Foreign`]).
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let failed = |source| OutputError::Commit {
            path: self.target.clone(),
            source,
        };
        // Held across the swap so that a signal's clean-up waits for it to finish.
        let mut list = unfinished();
        // Another run may commit between our look and our rename: try again, a few
        // times, rather than fail a finished run.
        let mut attempts = 0;
        loop {
            attempts += 1;
            check_replaceable(&self.target)?;
            let result = match fs::symlink_metadata(&self.target) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::rename(&self.staging, &self.target).map(|()| None)
                }
                Err(e) => Err(e),
                Ok(_) => replace(&self.staging, &self.target).map(Some),
            };
            match result {
                Ok(old) => {
                    if let Some(old) = old {
                        if let Err(e) = check_replaceable(&old) {
                            // Someone put their own file in the folder after our check:
                            // give it back untouched.
                            let _ = replace(&old, &self.target);
                            return Err(e);
                        }
                        let _ = fs::remove_dir_all(&old);
                    }
                    break;
                }
                Err(e) if attempts < 10 && is_taken(&e) => continue,
                Err(e) => return Err(failed(e)),
            }
        }
        list.retain(|u| u.staging != self.staging);
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        if !self.committed {
            let mut list = unfinished();
            list.retain(|u| u.staging != self.staging);
            remove_quietly(&self.staging, &self.created);
        }
    }
}

/// `--out` naming a symbolic link to a folder means that folder: the link stays, the
/// folder it points to is replaced.
fn resolve_link(target: &Path) -> io::Result<PathBuf> {
    match fs::symlink_metadata(target) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(target),
        _ => Ok(target.to_path_buf()),
    }
}

/// Ok when `dir` is absent or a folder holding only files simcloud writes (and its
/// shards).
pub fn check_replaceable(dir: &Path) -> Result<(), OutputError> {
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(OutputError::Unusable {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    if !meta.is_dir() {
        return Err(OutputError::NotAFolder {
            path: dir.to_path_buf(),
        });
    }
    match foreign_entry(dir, Level::Output) {
        Ok(Some(name)) => Err(OutputError::Foreign {
            path: dir.to_path_buf(),
            name,
        }),
        Ok(None) => Ok(()),
        Err(source) => Err(OutputError::Unusable {
            path: dir.to_path_buf(),
            source,
        }),
    }
}

/// Where a folder sits in an output folder, which decides the subfolders it may hold.
#[derive(Clone, Copy)]
enum Level {
    /// A run's or comparison's folder: files, and `shards/`.
    Output,
    /// `shards/`: shard folders, and the staging folders of shards being written.
    Shards,
    /// One shard: files only.
    Shard,
}

/// The first entry under `dir` (in name order, so that a message names the same one
/// every time) that simcloud does not write, as a path relative to `dir`.
fn foreign_entry(dir: &Path, level: Level) -> io::Result<Option<String>> {
    let mut entries: Vec<(String, fs::FileType)> = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.file_type()?,
        ));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, kind) in entries {
        let inner = match level {
            Level::Output if name == SHARDS_FOLDER => Some(Level::Shards),
            Level::Shards if is_shard_folder_name(&name) || name.starts_with(STAGING_PREFIX) => {
                Some(Level::Shard)
            }
            _ => None,
        };
        match inner {
            Some(inner) if kind.is_dir() => {
                if let Some(deeper) = foreign_entry(&dir.join(&name), inner)? {
                    return Ok(Some(format!("{name}/{deeper}")));
                }
            }
            _ if kind.is_file() && is_output_name(&name) => {}
            _ => return Ok(Some(name)),
        }
    }
    Ok(None)
}

/// `create_dir_all`, returning the folders it created, deepest first.
fn create_parents(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || fs::symlink_metadata(d).is_ok() {
            break;
        }
        missing.push(d.to_path_buf());
        at = d.parent();
    }
    if let Err(e) = fs::create_dir_all(dir) {
        for d in &missing {
            let _ = fs::remove_dir(d);
        }
        return Err(e);
    }
    Ok(missing)
}

/// True for the errors of renaming onto a folder that another run has just filled.
fn is_taken(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::AlreadyExists | io::ErrorKind::DirectoryNotEmpty
    )
}

/// Puts `new` at `target` and returns where the old `target` now is (to be removed).
fn replace(new: &Path, target: &Path) -> io::Result<PathBuf> {
    #[cfg(target_os = "linux")]
    {
        match exchange(new, target) {
            Ok(()) => return Ok(new.to_path_buf()),
            // File systems without RENAME_EXCHANGE: fall through to two renames.
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {}
            Err(e) => return Err(e),
        }
    }
    let mut old = new.as_os_str().to_owned();
    old.push("-old");
    let old = PathBuf::from(old);
    fs::rename(target, &old)?;
    if let Err(e) = fs::rename(new, target) {
        // Put the old folder back rather than leave none.
        let _ = fs::rename(&old, target);
        return Err(e);
    }
    Ok(old)
}

/// Swaps two paths atomically (Linux 3.15+).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Removes the staging folders in `parent` whose process has died (SIGKILL, power
/// cut). Errors are ignored: this is tidying, not the run's job.
fn remove_abandoned(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != std::process::id() && !process_alive(pid) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Whether a process with this id exists. A reused id keeps a dead run's staging
/// folder a while longer, which is harmless; only a process that certainly does not
/// exist loses its folder.
fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // SAFETY: signal 0 only checks that the process exists and may be signalled.
        let rc = unsafe { libc::kill(pid, 0) };
        rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_are_what_runs_and_comparisons_write() {
        for name in [
            "summary.json",
            "cost.svg",
            "latency_distribution.png",
            "compare.json",
            "cost_vs_p99.svg",
            ".timeline.csv.tmp",
            "timeline-api.csv",
            "api-latency.svg",
            "my-api-latency_distribution.png",
        ] {
            assert!(is_output_name(name), "{name}");
        }
        for name in [
            "README.md",
            ".gitignore",
            "notes.txt",
            "cost.pdf",
            ".tmp",
            "timeline-.csv",
            "-cost.svg",
            "api-costs.svg",
        ] {
            assert!(!is_output_name(name), "{name}");
        }
    }

    #[test]
    fn commit_replaces_the_whole_folder_and_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("a/b/run");
        fs::create_dir_all(&target).unwrap();
        fs::write(target.join("cost.png"), "old chart").unwrap();
        fs::write(target.join("summary.json"), "old").unwrap();
        let staged = StagedFolder::prepare(&target).unwrap();
        fs::write(staged.path().join("summary.json"), "new").unwrap();
        staged.commit().unwrap();
        assert_eq!(
            fs::read_to_string(target.join("summary.json")).unwrap(),
            "new"
        );
        assert!(!target.join("cost.png").exists(), "old chart left behind");
        let siblings: Vec<_> = fs::read_dir(tmp.path().join("a/b")).unwrap().collect();
        assert_eq!(siblings.len(), 1, "staging or old folder left behind");
    }

    #[test]
    fn a_dropped_stage_removes_itself_and_the_parents_it_created() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("new/deeper/run");
        let staged = StagedFolder::prepare(&target).unwrap();
        fs::write(staged.path().join("timeline.csv"), "half").unwrap();
        drop(staged);
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_with_foreign_files_is_refused_and_kept() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("README.md"), "mine").unwrap();
        let err = StagedFolder::prepare(tmp.path()).unwrap_err();
        assert!(matches!(err, OutputError::Foreign { ref name, .. } if name == "README.md"));
        assert!(err.is_bad_input());
        assert!(tmp.path().join("README.md").exists());
    }

    #[test]
    fn shard_folder_names_of_comparisons_and_searches_are_recognised() {
        assert_eq!(round_shard_folder_name(3, 2, 7), "round-3-shard-2-of-7");
        for good in [
            "shard-2-of-7",
            "round-3-shard-2-of-7",
            "round-10-shard-0-of-1",
        ] {
            assert!(is_shard_folder_name(good), "{good}");
        }
        for bad in [
            "shard-2",
            "round-shard-2-of-7",
            "round-x-shard-1-of-2",
            "notes",
        ] {
            assert!(!is_shard_folder_name(bad), "{bad}");
        }
    }

    #[test]
    fn staging_folders_of_dead_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        // Linux pids stop at 2^22; this one cannot be alive.
        let dead = tmp.path().join(format!("{STAGING_PREFIX}99999999-abc"));
        let alive = tmp
            .path()
            .join(format!("{STAGING_PREFIX}{}-abc", std::process::id()));
        fs::create_dir(&dead).unwrap();
        fs::create_dir(&alive).unwrap();
        let staged = StagedFolder::prepare(&tmp.path().join("run")).unwrap();
        assert!(!dead.exists());
        assert!(alive.exists());
        drop(staged);
    }
}
