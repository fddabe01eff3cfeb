//! The snapshots `analyze` and `collect --resume` read: one file, a directory of shards merged
//! into one scan, and the checkpoints a running `collect` writes.

use super::{write_atomically, UsageError};
use crate::aws::{self, ScanOptions};
use crate::inventory::{Inventory, ShardSpec};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A JSON report of `audit`/`analyze` (it has `tool` and `findings`): the file users most
/// often pass to `analyze` by mistake, which deserves better than "missing field".
pub(super) fn looks_like_audit_report(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|v| v.get("tool").is_some() && v.get("findings").is_some())
        .unwrap_or(false)
}

/// Snapshot files up to this size are read whole and parsed from memory: serde_json parses a
/// slice about twice as fast as a stream, which it reads byte by byte (at 1,000 accounts, an
/// 80 MB snapshot, 0.55 s → 0.35 s). A bigger file is parsed as it is read, so the text of a
/// very large organization never sits in memory beside the inventory it becomes.
const READ_WHOLE_UP_TO: u64 = 256 << 20;

/// Loads one snapshot; errors name the file and, for the usual mistake, what it is instead.
pub(super) fn load_inventory(path: &Path) -> Result<Inventory, UsageError> {
    load_inventory_reading_whole_up_to(path, READ_WHOLE_UP_TO)
}

/// [`load_inventory`], reading files up to `limit` bytes whole (see [`READ_WHOLE_UP_TO`]).
pub(super) fn load_inventory_reading_whole_up_to(
    path: &Path,
    limit: u64,
) -> Result<Inventory, UsageError> {
    let unreadable =
        |e: std::io::Error| UsageError(format!("could not read inventory {}: {e}", path.display()));
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    let loaded = if size <= limit {
        let mut bytes = Vec::with_capacity(size as usize + 1);
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(unreadable)?;
        Inventory::from_snapshot_bytes(&bytes)
    } else {
        Inventory::from_snapshot_reader(file)
    };
    loaded.map_err(|e| {
        // Read again only to word the error.
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if looks_like_audit_report(&text) {
            UsageError(format!(
                "{} is an audit report, not an inventory snapshot: pass a file written by \
                 `overexposed collect` or `audit --snapshot`",
                path.display()
            ))
        } else {
            UsageError(format!("{}: {e}", path.display()))
        }
    })
}

/// The snapshot files `--inventory` names: each file as given, each directory's `*.json` files
/// (sorted, not recursive).
pub(super) fn inventory_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, UsageError> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let entries = std::fs::read_dir(path)
            .map_err(|e| UsageError(format!("could not read directory {}: {e}", path.display())))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        if found.is_empty() {
            return Err(UsageError(format!(
                "{} holds no snapshot (*.json)",
                path.display()
            )));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Refuses to resume a snapshot with flags of another scope: the kept targets and the new ones
/// would describe different scans.
pub(super) fn check_resumable(
    previous: &Inventory,
    opts: &ScanOptions,
    path: &Path,
) -> Result<(), UsageError> {
    // The organization's accounts are compared once it is listed again (a shard's plan).
    let scope = opts.scope();
    let previous_flags = crate::inventory::ScanScope {
        organization_accounts: Vec::new(),
        organization_id: None,
        ..previous.scope.clone()
    };
    if previous_flags != scope {
        return Err(UsageError(format!(
            "cannot resume {}: it is a scan of another scope ({}; these flags give {}): give the flags it was collected with",
            path.display(),
            previous_flags.describe(),
            scope.describe()
        )));
    }
    let shard = previous.shard.as_ref().map(|s| s.spec());
    if shard != opts.shard {
        let name =
            |s: Option<ShardSpec>| s.map_or("no shard".to_string(), |s| format!("shard {s}"));
        return Err(UsageError(format!(
            "cannot resume {}: it is {}, and these flags give {}",
            path.display(),
            name(shard),
            name(opts.shard)
        )));
    }
    Ok(())
}

/// Checkpoints of a running `collect` written over its output file, atomically. A checkpoint
/// that cannot be written is said once; the scan goes on (the final write reports its own
/// error).
pub(super) fn checkpoint_to(path: PathBuf) -> aws::CheckpointSink {
    let warned = std::sync::atomic::AtomicBool::new(false);
    Arc::new(move |inv: &Inventory| {
        let written = serde_json::to_string_pretty(inv)
            .map_err(std::io::Error::other)
            .and_then(|json| write_atomically(&path, &(json + "\n")));
        if let Err(e) = written {
            if !warned.swap(true, std::sync::atomic::Ordering::SeqCst) {
                eprintln!(
                    "warning: could not write a checkpoint to {}: {e}",
                    path.display()
                );
            }
        }
    })
}

/// Every snapshot `--inventory` names, merged into one (see [`crate::inventory::merge`]).
pub(super) fn load_inventories(paths: &[PathBuf]) -> Result<Inventory, UsageError> {
    let mut parts = Vec::new();
    for file in inventory_files(paths)? {
        let inv = load_inventory(&file)?;
        parts.push((file.display().to_string(), inv));
    }
    crate::inventory::merge(parts).map_err(|e| UsageError(e.to_string()))
}
