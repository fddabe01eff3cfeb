//! Thin entry point: parse, run, map errors to messages and exit codes. All logic lives in the
//! library (`overexposed::cli`).

use clap::Parser;
use overexposed::cli::{self, Cli};

// An organization's analysis makes and frees a few strings per method judged (ARNs, messages,
// evidence): mimalloc does that several times faster than glibc's allocator, and far faster
// than musl's, which the static release binaries would otherwise use.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
