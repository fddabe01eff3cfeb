//! Pagination: every listing follows its tokens to the end, and one that cannot end is a gap.

use super::RegionCtx;
use crate::inventory::ScanError;
use crate::operation::Operation;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use std::future::Future;

/// Upper bound on pages of any one listing: a defence against a service that keeps handing
/// back a token (500 × 10,000 = five million items is beyond any real quota).
const MAX_PAGES: usize = 10_000;

/// Follows the pagination tokens of one listing and refuses to be led in circles.
///
/// A listing ends only when a page comes back without a token. A token that was already
/// returned earlier in the same listing (an immediate repeat or any longer cycle) or a listing
/// that still has more pages after [`MAX_PAGES`] is an error: the listing was cut short, and
/// that must be reported as a gap, never passed off as complete. Tokens are remembered by hash
/// only, so a hostile service sending huge tokens cannot make the set grow beyond
/// `MAX_PAGES` × 8 bytes.
pub(crate) struct Pager {
    operation: Operation,
    resource: Option<String>,
    max_pages: usize,
    pages: usize,
    seen: std::collections::HashSet<u64>,
    hasher: std::collections::hash_map::RandomState,
}

impl Pager {
    pub(crate) fn new(operation: Operation, resource: Option<&str>) -> Pager {
        Self::with_limit(operation, resource, MAX_PAGES)
    }

    pub(crate) fn with_limit(
        operation: Operation,
        resource: Option<&str>,
        max_pages: usize,
    ) -> Pager {
        Pager {
            operation,
            resource: resource.map(str::to_string),
            max_pages: max_pages.max(1),
            pages: 0,
            seen: Default::default(),
            hasher: Default::default(),
        }
    }

    /// Pages read so far.
    pub(crate) fn pages(&self) -> usize {
        self.pages
    }

    /// Records one page that was read and the token it returned: `Ok(Some(token))` to read the
    /// next page, `Ok(None)` at the end of the listing, or the error that cuts it short.
    pub(crate) fn next(&mut self, token: Option<&str>) -> Result<Option<String>, ScanError> {
        use std::hash::BuildHasher;
        self.pages += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if !self.seen.insert(self.hasher.hash_one(token)) {
            return Err(self.error(
                "PaginationLoop",
                format!(
                    "the service returned a pagination token it had already returned, after {} page(s): \
                     the listing would never end, so it stops here and is incomplete (the items of the pages \
                     read are kept)",
                    self.pages
                ),
            ));
        }
        if self.pages >= self.max_pages {
            return Err(self.error(
                "PageLimitExceeded",
                format!(
                    "the listing still had more pages after {} pages, the most overexposed reads of one \
                     listing: it is incomplete (the items of the pages read are kept)",
                    self.pages
                ),
            ));
        }
        Ok(Some(token.to_string()))
    }

    fn error(&self, code: &str, message: String) -> ScanError {
        ScanError {
            operation: self.operation.into(),
            code: code.to_string(),
            message,
            resource: self.resource.clone(),
        }
    }
}

/// Pages through one listing: `request(token)` sends one page's call, `on_page(output)` takes
/// the items and returns the next token. Every page is counted as one call. Returns the number
/// of pages read and, when the listing was cut short (a failing page, a token loop, the page
/// limit), the error. Items of the pages read are kept by `on_page`'s owner, but a listing cut
/// short is always reported, never passed off as complete.
pub(crate) async fn paginate_all<O, E, Fut, F, G>(
    ctx: &RegionCtx,
    mut pager: Pager,
    mut request: F,
    mut on_page: G,
) -> (usize, Result<(), ScanError>)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    G: FnMut(O) -> Option<String>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let operation = pager.operation;
    let resource = pager.resource.clone();
    let mut token: Option<String> = None;
    loop {
        let out = match ctx
            .call(operation, resource.as_deref(), request(token.take()))
            .await
        {
            Ok(out) => out,
            Err(e) => return (pager.pages(), Err(e)),
        };
        let next = on_page(out);
        match pager.next(next.as_deref()) {
            Ok(Some(t)) => token = Some(t),
            Ok(None) => return (pager.pages(), Ok(())),
            Err(e) => return (pager.pages(), Err(e)),
        }
    }
}

/// The pages read and the items of a listing read in full, or the error that cut it short.
pub(crate) type Listing<T> = Result<(usize, Vec<T>), ScanError>;

/// [`paginate_all`] collecting the items: `read_page(output, items)` adds one page's items and
/// returns the next token. Returns the items of every page read, even when the listing was
/// cut short, with the outcome of [`paginate_all`].
pub(crate) async fn paginate_items<T, O, E, Fut, F, G>(
    ctx: &RegionCtx,
    pager: Pager,
    request: F,
    mut read_page: G,
) -> (Vec<T>, (usize, Result<(), ScanError>))
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    G: FnMut(O, &mut Vec<T>) -> Option<String>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut items = Vec::new();
    let outcome = paginate_all(ctx, pager, request, |page| read_page(page, &mut items)).await;
    (items, outcome)
}

/// [`paginate_items`] for callers that keep nothing of a listing cut short.
pub(crate) async fn listing<T, O, E, Fut, F, G>(
    ctx: &RegionCtx,
    operation: Operation,
    resource: Option<&str>,
    request: F,
    read_page: G,
) -> Listing<T>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    G: FnMut(O, &mut Vec<T>) -> Option<String>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (items, (pages, result)) =
        paginate_items(ctx, Pager::new(operation, resource), request, read_page).await;
    result.map(|()| (pages, items))
}

#[cfg(test)]
mod tests;
