//! Bounded concurrency for the per-resource reads of one account × region.

use std::future::Future;

/// Runs `work` on every item in its own task, at most `limit` at a time, and returns the
/// results in the order of `items` (so output stays deterministic whatever finishes first).
/// A panic in one task is resumed in the caller, exactly as if the caller had run the work
/// itself: the target scan that called this then fails as a whole (see [`collect`]).
pub(crate) async fn bounded<T, R, F, Fut>(items: Vec<T>, limit: usize, work: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let mut results: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let mut pending = items.into_iter().enumerate();
    let mut set = tokio::task::JoinSet::new();
    loop {
        while set.len() < limit.max(1) {
            let Some((i, item)) = pending.next() else {
                break;
            };
            let fut = work(item);
            set.spawn(async move { (i, fut.await) });
        }
        match set.join_next().await {
            Some(Ok((i, r))) => results[i] = Some(r),
            Some(Err(e)) => match e.try_into_panic() {
                Ok(payload) => std::panic::resume_unwind(payload),
                // Only a runtime shutting down cancels these tasks (the set is ours alone).
                Err(e) => panic!("a collection task was cancelled: {e}"),
            },
            None => break,
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every task either returned or its panic was resumed"))
        .collect()
}

#[cfg(test)]
mod tests;
