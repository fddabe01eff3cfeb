//! The shared test harness: one `moto` emulator per test binary, estates seeded once each, and
//! the real `overexposed` binary run against them.
//!
//! - The emulator is `python3 -m moto.server -H 127.0.0.1 -p <free port>`, started on first use
//!   and shared by every test of this binary. It runs under a tiny `sh` watchdog whose stdin is
//!   a pipe held by this process: when the test binary exits (however it exits), the pipe
//!   closes and the watchdog kills moto, so no emulator outlives its test run.
//! - Estates are seeded through the AWS APIs by `tests/estates/seed.py` (boto3), once per
//!   estate per process. The seeder prints a JSON map of the ids it created (moto's ids are
//!   random), which tests use to name the APIs and resources they assert on. Each estate uses
//!   its own account ids, so estates never see each other and tests run in parallel.
//! - Every run of the binary gets a clean AWS environment: fake static credentials, no
//!   profile or config files, no instance metadata lookups.

use serde_json::Value;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub struct Emulator {
    pub endpoint: String,
    /// Held for the life of the process: its stdin pipe is the watchdog's lifeline.
    _watchdog: Mutex<Child>,
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A directory for this test process's scratch files (logs, reports), under `target/`.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = project_root()
            .join("target")
            .join("it-scratch")
            .join(std::process::id().to_string());
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    })
}

/// A unique file path in the scratch directory.
pub fn scratch_file(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    scratch_dir().join(format!("{n}-{name}"))
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind an ephemeral port")
        .local_addr()
        .unwrap()
        .port()
}

/// The shared emulator, started on first use.
pub fn emulator() -> &'static Emulator {
    static EMULATOR: OnceLock<Emulator> = OnceLock::new();
    EMULATOR.get_or_init(start_emulator)
}

fn start_emulator() -> Emulator {
    let port = free_port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let log = scratch_dir().join("moto.log");
    let log_file = std::fs::File::create(&log).expect("create moto log");
    // `read _` returns when our end of the pipe closes (this process exited); then moto dies.
    let script = format!(
        "python3 -m moto.server -H 127.0.0.1 -p {port} & pid=$!; read _ignored; kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    );
    let child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file)
        .spawn()
        .expect("start sh (for python3 -m moto.server)");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if http_get(port, "/moto-api/").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "the moto emulator did not start on {endpoint} within 60 s. Install it with \
                 `python3 -m pip install -r requirements-test.txt` (scripts/test does). Log:\n{text}"
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Emulator {
        endpoint,
        _watchdog: Mutex::new(child),
    }
}

/// Minimal HTTP GET on loopback (no client dependency): the body, or None when nothing answers.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.starts_with("HTTP/1.").then_some(out)
}

/// Seeds an estate (once per process) and returns what the seeder created: a JSON object
/// mapping names to ids (see `tests/estates/seed.py`).
pub fn estate(name: &str) -> &'static Value {
    type Slot = Arc<OnceLock<&'static Value>>;
    static SEEDED: OnceLock<Mutex<HashMap<String, Slot>>> = OnceLock::new();
    let slot = {
        let mut map = SEEDED.get_or_init(Default::default).lock().unwrap();
        map.entry(name.to_string()).or_default().clone()
    };
    slot.get_or_init(|| {
        let emu = emulator();
        let out = Command::new("python3")
            .arg(project_root().join("tests/estates/seed.py"))
            .args(["--endpoint", &emu.endpoint, name])
            .output()
            .expect("run python3 tests/estates/seed.py");
        assert!(
            out.status.success(),
            "seeding estate {name} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "seed.py {name} printed no JSON ({e}):\n{}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        Box::leak(Box::new(v))
    })
}

/// A string id from an estate's JSON (panics with the estate's content when missing).
pub fn id(estate: &Value, key: &str) -> String {
    estate[key]
        .as_str()
        .unwrap_or_else(|| panic!("estate has no id {key:?}: {estate:#}"))
        .to_string()
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON report of a run that must have been complete (exit 0).
    #[track_caller]
    pub fn complete_json(&self) -> Value {
        assert_eq!(
            self.status, 0,
            "the run failed.\nstderr:\n{}\nstdout:\n{}",
            self.stderr, self.stdout
        );
        self.json()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}).\nstdout:\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// The binary, with a clean AWS environment: fake static credentials, no profile or config
/// files, no instance metadata, and the emulator as the endpoint.
pub fn command(endpoint: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_overexposed"));
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().to_string();
        if k.starts_with("AWS_") || k.starts_with("OVEREXPOSED_") {
            cmd.env_remove(&k);
        }
    }
    let nowhere = scratch_dir().join("no-such-aws-file");
    cmd.env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "AKIAOVEREXPOSEDTEST1")
        .env("AWS_SECRET_ACCESS_KEY", "overexposed-test-secret")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", &nowhere)
        .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_COLOR", "1");
    cmd
}

pub fn run(mut cmd: Command) -> Run {
    let out = cmd.output().expect("run the overexposed binary");
    Run {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary against the shared emulator with these arguments (add `--quiet` yourself
/// if progress lines matter to the test).
pub fn run_audit(args: &[&str]) -> Run {
    let mut cmd = command(&emulator().endpoint);
    cmd.args(args);
    run(cmd)
}

/// What leaves an audit's JSON report the only thing to read: no progress lines, and an exit
/// code that says only whether the scan was complete.
pub const JSON_REPORT: [&str; 5] = ["--format", "json", "--quiet", "--fail-on", "never"];

/// `audit` with [`JSON_REPORT`] plus `args` (the scope, other flags) against `endpoint`: the
/// emulator's, or a fault proxy's in front of it.
pub fn audit_at(endpoint: &str, args: &[&str]) -> Run {
    let mut cmd = command(endpoint);
    cmd.arg("audit").args(JSON_REPORT).args(args);
    run(cmd)
}

/// `audit --accounts A --regions R` plus `extra`, against the shared emulator. Asserts the
/// scan was complete (exit 0) and returns the report.
pub fn audit_json(accounts: &[&str], regions: &[&str], extra: &[&str]) -> Value {
    audit_json_at(&emulator().endpoint, accounts, regions, extra)
}

/// [`audit_json`] against another endpoint (a fault proxy in front of the emulator).
pub fn audit_json_at(endpoint: &str, accounts: &[&str], regions: &[&str], extra: &[&str]) -> Value {
    let (accounts, regions) = (accounts.join(","), regions.join(","));
    let scope = ["--accounts", &accounts, "--regions", &regions];
    let args: Vec<&str> = scope.iter().chain(extra).copied().collect();
    audit_at(endpoint, &args).complete_json()
}
