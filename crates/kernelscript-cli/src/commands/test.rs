//! `kernelscript test FILE.ks [--filter TEXT]`: compile with the test
//! runner, build it like `kernelscript build`, then run `NAME.test`, which
//! loads the object and runs each `@test` function (in a child process of
//! its own) and prints `test NAME ... ok` / `FAILED`, then
//! `N passed, M failed`. The runner's exit status is the command's.

use super::Failure;
use std::path::Path;
use std::process::Command;

pub fn run(
    file: &Path,
    settings: &super::compile::Settings,
    filter: Option<&str>,
) -> Result<(), Failure> {
    let verbose = settings.verbose;
    let compiled = super::build::build(file, settings)?;
    if !compiled.has_tests {
        return Err(Failure::Message(format!(
            "`{}` has no `@test` functions",
            file.display()
        )));
    }
    let runner = compiled.project.test_binary();
    let mut command = Command::new(&runner);
    command.current_dir(&compiled.project.dir);
    if let Some(filter) = filter {
        command.args(["--filter", filter]);
    }
    if verbose {
        eprintln!("running {}", runner.display());
    }
    let status = command
        .status()
        .map_err(|error| Failure::Message(format!("cannot run `{}`: {error}", runner.display())))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Failure::Status(u8::try_from(code).unwrap_or(1))),
        None => Err(Failure::Message(format!(
            "`{}` was killed by a signal",
            runner.display()
        ))),
    }
}
