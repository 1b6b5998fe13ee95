//! The `simcloud` binary: arguments → `cli` → exit code.

#![warn(unreachable_pub)]

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
