use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bounded_work_keeps_order_and_its_bound() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let items: Vec<u64> = (0..12).collect();
    let out = bounded(items, |i| {
        let (running, peak) = (running.clone(), peak.clone());
        async move {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            // Later items finish first: the order must still be the input's.
            tokio::time::sleep(Duration::from_millis(40 - 3 * i)).await;
            running.fetch_sub(1, Ordering::SeqCst);
            i * 10
        }
    })
    .await;
    assert_eq!(out, (0..12).map(|i| i * 10).collect::<Vec<_>>());
    let peak = peak.load(Ordering::SeqCst);
    assert!(peak > 1 && peak <= PER_TARGET_CONCURRENCY, "peak {peak}");
    assert!(bounded(Vec::<u8>::new(), |i| async move { i })
        .await
        .is_empty());
}

#[tokio::test]
async fn a_panic_in_bounded_work_reaches_the_caller() {
    let caught = tokio::spawn(bounded(vec![1, 2, 3], |i| async move {
        if i == 2 {
            panic!("bug on item {i}");
        }
        i
    }))
    .await;
    // The caller's task stopped on that very panic: nothing came back short of item 2.
    let payload = caught.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<String>().unwrap(), "bug on item 2");
}
