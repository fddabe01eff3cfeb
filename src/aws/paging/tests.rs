use super::*;
use crate::aws::CallCounter;
use aws_config::SdkConfig;
use aws_sdk_apigateway::operation::get_resources::GetResourcesError;

fn ctx() -> RegionCtx {
    RegionCtx {
        account_id: "111111111111".into(),
        region: "us-east-1".into(),
        config: SdkConfig::builder().build(),
        calls: CallCounter::default(),
    }
}

/// Pages through a fake service answering `pages[i]` = (items, next token) to the i-th
/// request, and checks the token each request carried.
async fn walk(
    pages: &[(Vec<u32>, Option<&str>)],
    max_pages: usize,
) -> (Vec<u32>, usize, Result<(), ScanError>, u64) {
    let ctx = ctx();
    let mut sent: Vec<Option<String>> = Vec::new();
    let mut items = Vec::new();
    let answers: Vec<(Vec<u32>, Option<String>)> = pages
        .iter()
        .map(|(i, t)| (i.clone(), t.map(str::to_string)))
        .collect();
    let mut n = 0;
    let (read, result) = paginate_all(
        &ctx,
        Pager::with_limit(Operation::ApiGatewayGetResources, Some("api1"), max_pages),
        |token| {
            sent.push(token);
            let answer = answers[n.min(answers.len() - 1)].clone();
            n += 1;
            std::future::ready(Ok::<_, SdkError<GetResourcesError, HttpResponse>>(answer))
        },
        |(page, next)| {
            items.extend(page);
            next
        },
    )
    .await;
    // Every request after the first carried the token of the page before it.
    for (i, token) in sent.iter().enumerate().skip(1) {
        assert_eq!(token.as_deref(), answers[i - 1].1.as_deref());
    }
    assert_eq!(sent[0], None);
    let calls = ctx.calls.snapshot()[Operation::ApiGatewayGetResources.as_str()];
    (items, read, result, calls)
}

#[tokio::test]
async fn a_listing_ends_only_without_a_token() {
    let (items, read, result, calls) = walk(
        &[(vec![1], Some("a")), (vec![2], Some("b")), (vec![3], None)],
        MAX_PAGES,
    )
    .await;
    assert_eq!((items, read, calls), (vec![1, 2, 3], 3, 3));
    assert!(result.is_ok());
    let (_, read, result, _) = walk(&[(vec![1], Some(""))], MAX_PAGES).await;
    assert_eq!(read, 1);
    assert!(result.is_ok());
}

#[tokio::test]
async fn a_token_cycle_is_a_gap_that_keeps_what_was_read() {
    // A, B, A, B, … : the third page returns A again. A cycle longer than an immediate repeat
    // must be caught too, or the listing would run to the page limit and pass for complete.
    let (items, read, result, calls) = walk(
        &[
            (vec![1], Some("A")),
            (vec![2], Some("B")),
            (vec![3], Some("A")),
            (vec![4], Some("B")),
        ],
        MAX_PAGES,
    )
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.code, "PaginationLoop");
    assert_eq!(err.operation, Operation::ApiGatewayGetResources.as_str());
    assert_eq!(err.resource.as_deref(), Some("api1"));
    assert_eq!((items, read, calls), (vec![1, 2, 3], 3, 3));
    // An immediate repeat too.
    let (items, _, result, _) =
        walk(&[(vec![1], Some("A")), (vec![2], Some("A"))], MAX_PAGES).await;
    assert_eq!(result.unwrap_err().code, "PaginationLoop");
    assert_eq!(items, vec![1, 2]);
}

#[tokio::test]
async fn a_listing_longer_than_the_page_limit_is_a_gap() {
    let pages: Vec<(Vec<u32>, Option<&str>)> = ["t1", "t2", "t3", "t4", "t5"]
        .iter()
        .enumerate()
        .map(|(i, t)| (vec![i as u32], Some(*t)))
        .collect();
    let (items, read, result, calls) = walk(&pages, 3).await;
    assert_eq!(result.unwrap_err().code, "PageLimitExceeded");
    assert_eq!((items, read, calls), (vec![0, 1, 2], 3, 3));
    // Exactly at the limit, a listing that ends is complete.
    let (_, read, result, _) = walk(
        &[(vec![0], Some("x")), (vec![1], Some("y")), (vec![2], None)],
        3,
    )
    .await;
    assert_eq!(read, 3);
    assert!(result.is_ok());
}

#[tokio::test]
async fn a_page_that_fails_ends_the_listing_with_its_error() {
    let ctx = ctx();
    let mut items = Vec::new();
    let mut n = 0;
    let (read, result) = paginate_all(
        &ctx,
        Pager::new(Operation::ApiGatewayGetResources, None),
        |_token| {
            n += 1;
            std::future::ready(if n == 1 {
                Ok((vec![1], Some("next".to_string())))
            } else {
                Err(SdkError::<GetResourcesError, HttpResponse>::timeout_error(
                    "slow",
                ))
            })
        },
        |(page, next): (Vec<u32>, Option<String>)| {
            items.extend(page);
            next
        },
    )
    .await;
    assert_eq!(read, 1);
    assert_eq!(result.unwrap_err().code, "Timeout");
    assert_eq!(items, vec![1]);
    assert_eq!(
        ctx.calls.snapshot()[Operation::ApiGatewayGetResources.as_str()],
        2
    );
}
