//! Scan progress on stderr: a live bar on a terminal, one line per event elsewhere.

use crate::aws::{Progress, ProgressSink};
use crate::inventory::TargetStatus;
use crate::report::counted;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

/// Scan progress on stderr: a live bar on a terminal; one line per event in CI, pipes and logs,
/// where a redrawn bar would be noise.
pub(super) fn stderr_progress() -> ProgressSink {
    if std::io::stderr().is_terminal() && !in_ci(std::env::var("CI").ok().as_deref()) {
        live_progress()
    } else {
        Arc::new(|event| eprintln!("{}", progress_line(&event)))
    }
}

/// `CI` set to anything but empty, `false` or `0` (CI services set `CI=true`).
pub(super) fn in_ci(ci: Option<&str>) -> bool {
    ci.is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// The live bar: targets done out of planned, failures, and what was read so far (findings
/// come from the analysis, which starts when the reads are done). A target that failed also
/// gets its line above the bar, so failures stay on screen.
pub(super) fn live_progress() -> ProgressSink {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let bar = indicatif::ProgressBar::hidden();
    let failures = AtomicUsize::new(0);
    let apis = AtomicUsize::new(0);
    let network = AtomicUsize::new(0);
    Arc::new(move |event| match &event {
        Progress::OrganizationListed { .. } => eprintln!("{}", progress_line(&event)),
        Progress::ScanStarted { targets, .. } => {
            eprintln!("{}", progress_line(&event));
            bar.set_length(*targets as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:30}] {pos}/{len} targets · {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_message("reading");
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.enable_steady_tick(Duration::from_millis(250));
        }
        Progress::TargetFinished {
            done,
            total,
            target: t,
        } => {
            if t.status != TargetStatus::Complete {
                failures.fetch_add(1, Ordering::Relaxed);
                bar.println(progress_line(&event));
            }
            apis.fetch_add(t.rest_apis + t.http_apis, Ordering::Relaxed);
            network.fetch_add(
                t.load_balancers + t.endpoint_services + t.peerings,
                Ordering::Relaxed,
            );
            bar.set_position(*done as u64);
            bar.set_message(format!(
                "{} not fully scanned · {} and {} read",
                counted(failures.load(Ordering::Relaxed), "target", "targets"),
                counted(apis.load(Ordering::Relaxed), "API", "APIs"),
                counted(
                    network.load(Ordering::Relaxed),
                    "network entry point",
                    "network entry points"
                ),
            ));
            if done == total {
                bar.finish_and_clear();
            }
        }
    })
}

pub(super) fn progress_line(event: &Progress) -> String {
    match event {
        Progress::OrganizationListed { active, skipped } => {
            let mut line = format!(
                "organization: {}",
                counted(*active, "active account", "active accounts")
            );
            if *skipped > 0 {
                line += &format!(", {skipped} skipped (not active)");
            }
            line
        }
        Progress::ScanStarted {
            targets,
            accounts,
            concurrency,
            accounts_not_entered,
        } => {
            let mut line = format!(
                "scanning {} in {}, {concurrency} at a time",
                counted(
                    *targets,
                    "account × region target",
                    "account × region targets"
                ),
                counted(*accounts, "account", "accounts"),
            );
            if *accounts_not_entered > 0 {
                line += &format!(
                    "; {} could not be entered",
                    counted(*accounts_not_entered, "account", "accounts")
                );
            }
            line
        }
        Progress::TargetFinished {
            done,
            total,
            target: t,
        } => {
            let state = match t.status {
                TargetStatus::Complete => "done".to_string(),
                TargetStatus::Partial => {
                    format!("PARTIAL ({})", counted(t.errors, "error", "errors"))
                }
                TargetStatus::Failed => format!(
                    "FAILED ({})",
                    t.first_error_code.as_deref().unwrap_or("unknown")
                ),
            };
            format!(
                "[{done}/{total}] {}/{}: {state}: {}, {}, {}, {}, {}",
                t.account_id,
                t.region,
                counted(t.rest_apis, "REST API", "REST APIs"),
                counted(t.http_apis, "HTTP API", "HTTP APIs"),
                counted(t.load_balancers, "load balancer", "load balancers"),
                counted(t.endpoint_services, "endpoint service", "endpoint services"),
                counted(t.peerings, "peering", "peerings"),
            )
        }
    }
}
