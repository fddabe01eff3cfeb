//! Thin entry point: parse, run, map errors to messages and exit codes. All logic lives in the
//! library (`overexposed::cli`).

use clap::Parser;
use overexposed::cli::{self, Cli};

fn main() {
    let cli = Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            cli::EXIT_INCOMPLETE_OR_USAGE
        }
    };
    std::process::exit(code);
}
