//! Shards: a scan cut into N independent jobs (`--shard K/N`), each reading a deterministic
//! slice of the accounts and writing its own snapshot.
//!
//! The slice is by account, never by account × region: an account's regions are discovered
//! inside the account (`ec2:DescribeRegions`), so only the account is known before it is
//! entered, and slicing by account enters each account exactly once in the whole scan (one
//! `sts:AssumeRole`, one `ec2:DescribeRegions`): the shards together make the calls one
//! unsharded scan makes. An account goes to the shard its hash names, so adding an account
//! moves no other account between shards.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `--shard K/N`: shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShardSpec {
    pub index: u32,
    pub count: u32,
}

/// The most shards a scan is cut into: more jobs than this cost more in overhead (each one
/// lists the organization) than they save.
pub const MAX_SHARDS: u32 = 10_000;

impl ShardSpec {
    /// Parses `K/N` with 1 ≤ K ≤ N ≤ [`MAX_SHARDS`].
    pub fn parse(raw: &str) -> Result<ShardSpec, String> {
        let bad = || {
            format!(
                "'{raw}' is not a shard: use K/N, shard K of N counted from 1 (e.g. 2/4), N at most {MAX_SHARDS}"
            )
        };
        let (k, n) = raw.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(ShardSpec { index, count })
    }

    /// Whether `account_id` belongs to this shard.
    pub fn owns(&self, account_id: &str) -> bool {
        shard_of(account_id, self.count) == self.index
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (1-based, of `count`) an account belongs to: the first 8 bytes of the SHA-256 of
/// its id, modulo `count`. SHA-256 rather than a std hasher, whose output may change between
/// Rust releases: shards written by different builds must agree.
pub fn shard_of(account_id: &str, count: u32) -> u32 {
    let digest = Sha256::digest(account_id.as_bytes());
    let mut head = [0u8; 8];
    head.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(head) % u64::from(count.max(1))) as u32 + 1
}

/// What a shard's snapshot records about the scan it is part of: which shard it is, and the
/// plan it was cut from, so that a merge can tell a missing shard, or shards of different
/// plans (an organization that changed between the jobs), from a complete set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, 1-based.
    pub index: u32,
    /// How many shards the scan was cut into.
    pub count: u32,
    /// Every account of the whole scan before slicing (sorted): the named accounts, the
    /// organization's active accounts, or the caller's own.
    pub plan_accounts: Vec<String>,
}

impl Shard {
    pub fn spec(&self) -> ShardSpec {
        ShardSpec {
            index: self.index,
            count: self.count,
        }
    }
}

#[cfg(test)]
mod tests;
