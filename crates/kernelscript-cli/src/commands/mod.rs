//! One module per subcommand, and the failure type they share.

pub mod build;
pub mod check;
pub mod compile;
pub mod fix;
pub mod init;
pub mod test;

use std::process::ExitCode;

/// Why a command failed. Diagnostics were already printed when the
/// source had errors; other failures carry their message.
pub enum Failure {
    /// The program has errors; they were rendered already.
    SourceErrors { count: usize },
    /// Anything else: unreadable file, a tool that failed, ...
    Message(String),
    /// A program this command ran failed with this exit status and said
    /// why itself (`kernelscript test`'s failing tests).
    Status(u8),
}

impl Failure {
    pub fn report(self) -> ExitCode {
        match self {
            Failure::SourceErrors { count } => {
                let plural = if count == 1 { "" } else { "s" };
                let shown = crate::render::MAX_ERRORS_SHOWN;
                if count > shown {
                    eprintln!("error: could not compile due to {count} errors; the first {shown} are shown");
                } else {
                    eprintln!("error: could not compile due to {count} previous error{plural}");
                }
            }
            Failure::Message(message) => eprintln!("error: {message}"),
            Failure::Status(status) => return ExitCode::from(status),
        }
        ExitCode::FAILURE
    }
}
