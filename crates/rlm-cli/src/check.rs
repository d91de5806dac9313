//! `rlm check PROGRAM.py...`: parse programs and print their diagnostics
//! (exit 1 if any has an error, 2 if a file cannot be read).

use std::path::PathBuf;

use crate::exec::read_program;
use crate::exit::{CliError, Exit};

/// The flags of `rlm check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The programs to check.
    #[arg(required = true)]
    pub programs: Vec<PathBuf>,
}

pub fn check(args: CheckArgs) -> Result<Exit, CliError> {
    let mut sources = Vec::with_capacity(args.programs.len());
    for p in &args.programs {
        sources.push((p.display().to_string(), read_program(p)?));
    }
    let mut exit = Exit::Ok;
    for (name, src) in &sources {
        if let Err(e) = rlm_syntax::parse(src) {
            eprint!("{}", e.render(src, name));
            exit = Exit::ProgramError;
        }
    }
    Ok(exit)
}
