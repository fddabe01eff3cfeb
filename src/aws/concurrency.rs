//! Bounded concurrency for the per-resource reads of one account × region.

use futures_util::stream::{self, StreamExt};
use std::future::Future;

/// Per-resource reads in flight at once for one account × region (the details of API Gateway
/// APIs, endpoint services, target groups, load balancers, prefix lists). Targets already run
/// in parallel (`--concurrency`), and every account and region has its own throttling quota
/// (API Gateway's is a few requests per second): a few reads at a time per target hide most of
/// the round trips, even in a region with thousands of resources, without turning the scan
/// into a stream of throttling retries.
pub(crate) const PER_TARGET_CONCURRENCY: usize = 4;

/// Runs `work` on every item, [`PER_TARGET_CONCURRENCY`] at a time, and returns the results in
/// the order of `items`, so the inventory is the same whatever finishes first.
///
/// The work runs inside the caller's task, not in tasks of its own. That way every item's
/// result comes back, or the caller itself stops: no task can be cancelled on its own and
/// leave a hole in the results. A panic in one item's work unwinds the caller exactly as if
/// the caller had run that work itself; the target's scan then fails as a whole and is
/// recorded as an `InternalError` target (see `collect::scan_targets`), never as a target that silently
/// lacks some resources.
pub(crate) async fn bounded<I, F, Fut>(items: I, work: F) -> Vec<Fut::Output>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: Future,
{
    stream::iter(items)
        .map(work)
        .buffered(PER_TARGET_CONCURRENCY)
        .collect()
        .await
}

#[cfg(test)]
mod tests;
