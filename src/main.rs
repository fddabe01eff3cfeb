//! Thin entry point: parse, run, map errors to messages and exit codes. All logic lives in the
//! library (`overexposed::cli`).

use clap::Parser;
use overexposed::cli::{self, Cli};

// An organization's analysis makes and frees a few strings per method judged (ARNs, messages,
// evidence): mimalloc does that several times faster than glibc's allocator, and far faster
// than musl's, which the static release binaries would otherwise use. Built without
// transparent huge pages (Cargo.toml: `no_thp`): with them, every first touch of a fresh
// mimalloc page faulted in and zeroed 2 MiB, a third of the time of a findings-heavy run.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (the same ordinal in its v2 and v3 headers).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    // Never hand freed memory back to the OS while the process runs: the analysis threads make
    // findings that the writer frees, and by default mimalloc returns such pages after 10 ms and
    // faults them in again, zeroed, moments later (a fifth of the time of a findings-heavy
    // organization went to clearing pages). A run is short; its peak is what it needs anyway.
    // SAFETY: sets one of mimalloc's global options; no memory is touched.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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
