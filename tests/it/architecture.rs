//! The layering ARCHITECTURE.md states, checked on the source: each top-level module
//! of the library uses only the modules below it, `cli → report → compare → scenario
//! → model → engine`, so no import circle can come back unnoticed (issue 12).

use crate::common::root;
use std::fs;
use std::path::Path;

const LAYERS: [&str; 5] = ["engine", "model", "scenario", "compare", "report"];

/// Every `crate::<module>` named in code (comments stripped) under `path`.
fn uses(path: &Path, found: &mut Vec<(String, String)>) {
    let mut files = Vec::new();
    collect(path, &mut files);
    for file in files {
        for line in fs::read_to_string(&file).unwrap().lines() {
            let code = line.split("//").next().unwrap_or("");
            // `crate::{a, b}` would name several layers at once, out of this check's
            // sight, so it is refused; `super::` paths stay inside a layer's own tree.
            assert!(
                !code.contains("crate::{"),
                "{}: grouped crate import",
                file.display()
            );
            for layer in LAYERS {
                if code.contains(&format!("crate::{layer}")) {
                    found.push((file.display().to_string(), layer.to_string()));
                }
            }
        }
    }
}

#[test]
fn each_module_uses_only_the_layers_below_it() {
    let mut wrong = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let dir = root().join("src").join(layer);
        let path = if dir.is_dir() {
            dir
        } else {
            root().join("src").join(format!("{layer}.rs"))
        };
        let mut found = Vec::new();
        uses(&path, &mut found);
        assert!(!found.is_empty() || rank == 0, "no imports read in {layer}");
        for (file, used) in found {
            let used_rank = LAYERS.iter().position(|l| *l == used).unwrap();
            if used_rank > rank {
                wrong.push(format!("{file} ({layer}) uses crate::{used}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layering:\n{}",
        wrong.join("\n")
    );
}

/// The engine and the model do no I/O, read no clock, see no environment and start no
/// threads (ARCHITECTURE.md): a run is a function of its `Config`, which is what makes
/// it deterministic and lets `compare` run many at once.
#[test]
fn the_engine_and_the_model_touch_nothing_outside_the_run() {
    const FORBIDDEN: [&str; 7] = [
        "std::fs",
        "std::thread",
        "std::env",
        "std::io::",
        "std::net",
        "Instant",
        "SystemTime",
    ];
    let mut wrong = Vec::new();
    for layer in ["engine", "model"] {
        let mut files = Vec::new();
        collect(&root().join("src").join(layer), &mut files);
        for file in files {
            for (n, line) in fs::read_to_string(&file).unwrap().lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for word in FORBIDDEN {
                    if code.contains(word) {
                        wrong.push(format!("{}:{}: {word}", file.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "outside the run:\n{}", wrong.join("\n"));
}

fn collect(path: &Path, out: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        for entry in fs::read_dir(path).unwrap() {
            collect(&entry.unwrap().path(), out);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        out.push(path.to_path_buf());
    }
}
