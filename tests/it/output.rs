//! The output folder with the real binary (issue 11, "Output integrity"): a run folder
//! is always the complete output of exactly one run, whatever runs beside it, fails
//! or is killed.

use crate::common::{root, scenario_path, shipped_scenarios, simcloud, write_file};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("simcloud")
}

/// A small scenario: a run takes a fraction of a second.
const SMALL: &str = r#"
name = "small"
duration = "6h"
[traffic]
rate = 40
[service]
time = { dist = "exponential", mean = "20ms" }
[autoscaling]
min = 1
max = 3
"#;

fn scenario(dir: &Path, text: &str) -> PathBuf {
    write_file(dir, "small.toml", text)
}

/// Every file of a folder, by name, with its bytes.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

/// Names in `dir` that are not the folder `keep` (staging folders, old folders, ...).
fn strays(dir: &Path, keep: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !keep.contains(&n.as_str()))
        .collect()
}

fn run_into(scenario: &Path, out: &Path, extra: &[&str]) {
    simcloud()
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(out)
        .args(["--quiet"])
        .args(extra)
        .assert()
        .success();
}

/// Two processes write into one folder at the same time with different seeds. Both
/// finish successfully, and the folder is afterwards byte for byte the output of one
/// of them run alone: no file of the other, no mixed file, nothing else beside it.
#[test]
fn two_concurrent_runs_into_one_folder_leave_exactly_one_runs_output() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let alone: Vec<_> = ["1", "2"]
        .iter()
        .map(|seed| {
            let out = tmp.path().join(format!("alone-{seed}"));
            run_into(&path, &out, &["--seed", seed]);
            contents(&out)
        })
        .collect();
    let shared = tmp.path().join("shared");
    for round in 0..3 {
        let children: Vec<Child> = ["1", "2"]
            .iter()
            .map(|seed| {
                std::process::Command::new(binary())
                    .arg("run")
                    .arg(&path)
                    .arg("--out")
                    .arg(&shared)
                    .args(["--quiet", "--seed", seed])
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for child in children {
            let output = child.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let got = contents(&shared);
        assert!(
            got == alone[0] || got == alone[1],
            "round {round}: the folder is not the output of one run: {:?}",
            got.iter().map(|f| &f.0).collect::<Vec<_>>()
        );
        let left = strays(tmp.path(), &["small.toml", "alone-1", "alone-2", "shared"]);
        assert!(left.is_empty(), "round {round}: left behind: {left:?}");
    }
}

/// `--no-plots` after a run with charts: the folder holds the new numbers and no
/// chart or page of the run before.
#[test]
fn no_plots_does_not_keep_the_previous_runs_charts() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    run_into(&path, &out, &[]);
    assert!(out.join("report.html").exists());
    run_into(&path, &out, &["--no-plots", "--seed", "5"]);
    let mut names: Vec<String> = contents(&out).into_iter().map(|f| f.0).collect();
    names.sort();
    assert_eq!(names, ["cost.csv", "summary.json", "timeline.csv"]);
}

/// A folder holding anything simcloud does not write is never replaced (it may be a
/// committed study or the user's own files): exit 2, and the folder is untouched.
#[test]
fn a_folder_with_other_files_is_refused_and_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("study");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("README.md"), "how this study was made").unwrap();
    fs::write(out.join("summary.json"), "{}").unwrap();
    let before = contents(&out);
    let assert = simcloud()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("--out") && stderr.contains("README.md") && stderr.contains("study"),
        "{stderr}"
    );
    assert_eq!(contents(&out), before);
    assert!(strays(tmp.path(), &["small.toml", "study"]).is_empty());
}

/// A default run must never overwrite a committed study: no folder that a shipped
/// scenario writes by default (`results/<name>/`, `results/<name>-compare/`) holds one.
/// (Running `worldcup98.toml --set duration=1d` once replaced the World Cup study.)
#[test]
fn no_committed_study_sits_where_a_run_writes_by_default() {
    for path in shipped_scenarios() {
        let text = fs::read_to_string(&path).unwrap();
        let name = text
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .and_then(|l| l.split('"').next())
            .unwrap_or_else(|| path.file_stem().unwrap().to_str().unwrap())
            .to_string();
        for folder in [name.clone(), format!("{name}-compare")] {
            let dir = root().join("results").join(&folder);
            assert!(
                !dir.join("README.md").exists(),
                "results/{folder}/ is a committed study, and `simcloud run {}` writes there by default",
                path.display()
            );
        }
    }
    assert!(root().join("results/studies/worldcup98/README.md").exists());
}

/// Polls until `dir` holds a staging folder, for at most a minute.
fn wait_for_staging(dir: &Path, child: &mut Child) -> PathBuf {
    let started = Instant::now();
    loop {
        if let Some(found) = fs::read_dir(dir).unwrap().find_map(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".simcloud-staging-")
                .then(|| e.path())
        }) {
            return found;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the run ended ({status}) before a staging folder appeared");
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("no staging folder appeared in {}", dir.display());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits for the child for at most a minute.
fn wait_bounded(child: &mut Child) -> std::process::ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the run did not end after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts a run long enough to be signalled (30 simulated days) into `out`.
fn start_long_run(path: &Path, out: &Path) -> Child {
    std::process::Command::new(binary())
        .arg("run")
        .arg(path)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--set", "duration=30d", "--seed", "9"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Ctrl-C (SIGINT) and SIGTERM in the middle of a run: the process dies of the
/// signal, the previous folder is as it was, and no staging folder is left.
#[test]
fn sigint_and_sigterm_keep_the_previous_folder_and_leave_nothing_behind() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    run_into(&path, &out, &[]);
    let before = contents(&out);
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let mut child = start_long_run(&path, &out);
        wait_for_staging(tmp.path(), &mut child);
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let status = wait_bounded(&mut child);
        assert!(
            status.signal() == Some(signal) || status.code() == Some(128 + signal),
            "signal {signal}: {status}"
        );
        assert!(contents(&out) == before, "signal {signal}: folder changed");
        let left = strays(tmp.path(), &["small.toml", "out"]);
        assert!(left.is_empty(), "signal {signal}: left behind: {left:?}");
    }
}

/// SIGKILL cannot be caught: the killed run's staging folder stays, hidden and apart
/// from the result, and the next run into the same place removes it.
#[test]
fn after_sigkill_the_next_run_removes_the_dead_runs_staging_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    run_into(&path, &out, &[]);
    let before = contents(&out);
    let mut child = start_long_run(&path, &out);
    let staging = wait_for_staging(tmp.path(), &mut child);
    child.kill().unwrap();
    wait_bounded(&mut child);
    assert!(contents(&out) == before, "the folder changed");
    assert!(staging.exists());
    run_into(&path, &out, &["--no-plots"]);
    assert!(
        !staging.exists(),
        "the dead run's staging folder is still there"
    );
    assert!(strays(tmp.path(), &["small.toml", "out"]).is_empty());
}

/// A run that fails while writing (here: a file-size limit of 60 KiB, which lets the
/// CSV files through and makes the first chart fail with EFBIG the way a full disk
/// fails with ENOSPC) exits 1, says the system's error once (it once read "No space
/// left on device (os error 28): No space left on device (os error 28)"), keeps the
/// previous folder whole (new numbers were once committed beside old charts) and
/// leaves no staging folder.
#[test]
fn a_run_that_cannot_write_keeps_the_previous_folder_and_says_why_once() {
    use std::os::unix::process::CommandExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    let out = tmp.path().join("out");
    run_into(&path, &out, &[]);
    let before = contents(&out);
    let mut command = std::process::Command::new(binary());
    command
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--seed", "3"]);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(|| {
            // Writes past 60 KiB fail with EFBIG instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 60 * 1024,
                rlim_max: 60 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let output = command.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let os_error = "File too large (os error 27)";
    assert_eq!(stderr.matches(os_error).count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("error: ") && stderr.contains("cannot write traffic.png"),
        "{stderr}"
    );
    assert!(contents(&out) == before, "the previous folder changed");
    assert!(strays(tmp.path(), &["small.toml", "out"]).is_empty());
}

/// An output folder that cannot be made (under a regular file, a name longer than the
/// file system allows, a place even root may not write, a read-only folder) is bad
/// input: exit 2, a message naming --out, and nothing written, before any simulation.
#[test]
fn an_unusable_out_is_bad_input_and_writes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let path = scenario(tmp.path(), SMALL);
    fs::write(tmp.path().join("a-file"), "x").unwrap();
    let locked = tmp.path().join("read-only");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let mut cases = vec![
        tmp.path().join("a-file/run"),
        tmp.path().join("new").join("x".repeat(300)),
        PathBuf::from("/sys/simcloud-cannot-write-here"),
    ];
    // Root writes into a read-only folder anyway; the case only holds for others.
    if fs::write(locked.join("probe"), "").is_err() {
        cases.push(locked.join("run"));
    }
    let _ = fs::remove_file(locked.join("probe"));
    for out in cases {
        let assert = simcloud()
            .arg("run")
            .arg(&path)
            .arg("--out")
            .arg(&out)
            .args(["--quiet", "--set", "duration=30d"])
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with("error: --out ") && !stderr.contains("panicked"),
            "{}: {stderr}",
            out.display()
        );
        assert!(!out.exists(), "{}", out.display());
    }
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
    let left = strays(tmp.path(), &["small.toml", "a-file", "read-only"]);
    assert!(left.is_empty(), "left behind: {left:?}");
    assert_eq!(fs::read_dir(&locked).unwrap().count(), 0);
}

/// Output to a closed pipe ends quietly with exit 0 (the reader wanted no more), for
/// every command; output to a full device is exit 1 with one clear message.
#[test]
fn a_closed_pipe_ends_quietly_and_a_full_device_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let compare = tmp.path().join("compare.toml");
    fs::write(
        &compare,
        format!(
            "{SMALL}\n[[strategy]]\nname = \"a\"\n[[strategy]]\nname = \"b\"\nautoscaling.max = 4\n"
        ),
    )
    .unwrap();
    let spike = scenario_path("spike.toml");
    let out = tmp.path().join("out");
    let commands: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["validate".into(), spike.clone().into()],
        vec![
            "run".into(),
            compare.clone().into(),
            "--no-plots".into(),
            "--out".into(),
            out.clone().into(),
        ],
        vec![
            "compare".into(),
            compare.clone().into(),
            "--replicates".into(),
            "2".into(),
            "--no-plots".into(),
            "--out".into(),
            out.with_extension("compare").into(),
        ],
    ];
    for args in &commands {
        // A pipe whose reading end is closed before the command starts: every write
        // fails with EPIPE, with no race against the reader.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = std::process::Command::new(binary())
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );

        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let output = std::process::Command::new(binary())
            .args(args)
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr,
            "error: cannot write to standard output: No space left on device (os error 28)\n",
            "{args:?}"
        );
    }
}
