//! SDK failures turned into [`ScanError`]s fit for a report.

use super::redact::redact;
use crate::inventory::ScanError;
use crate::operation::Operation;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Classifies an SDK failure: the AWS error code when the service answered with one, else the
/// transport class (`Timeout`, `DispatchFailure`, `MalformedResponse`, `HTTP <status>`).
///
/// The message is one line, at most 400 characters, and passed through [`redact`]: a service
/// may echo parts of the request in an error (a `SignatureDoesNotMatch` answer quotes the
/// canonical request, session-token header included), and nothing of it may reach a report.
pub(crate) fn scan_error<E>(
    operation: Operation,
    resource: Option<&str>,
    err: &SdkError<E, HttpResponse>,
) -> ScanError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let (code, message) = match err {
        SdkError::ServiceError(service) if service.raw().status().is_success() => {
            // A success status whose body could not be deserialized: the SDK reports it as an
            // unhandled service error with no code. It is a malformed answer, not a refusal.
            let status = service.raw().status().as_u16();
            (
                "MalformedResponse".to_string(),
                format!(
                    "the service answered HTTP {status} with a body that could not be read ({})",
                    error_chain(service.err())
                ),
            )
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let status = service.raw().status().as_u16();
            let code = e
                .code()
                .map(str::to_string)
                .unwrap_or_else(|| format!("HTTP {status}"));
            let message = e.message().map(str::to_string).unwrap_or_else(|| {
                format!("the service answered HTTP {status} with no error message")
            });
            (code, message)
        }
        SdkError::TimeoutError(_) => (
            "Timeout".to_string(),
            "the call did not complete within the operation timeout (--timeout, retries included)"
                .to_string(),
        ),
        SdkError::DispatchFailure(d) => {
            let code = if d.is_timeout() {
                "Timeout"
            } else {
                "DispatchFailure"
            };
            (code.to_string(), error_chain(err))
        }
        SdkError::ResponseError(_) => (
            "MalformedResponse".to_string(),
            format!("the answer could not be read: {}", error_chain(err)),
        ),
        _ => ("ClientError".to_string(), error_chain(err)),
    };
    ScanError {
        operation: operation.into(),
        // The code comes from the service too: a hostile or broken one could put anything in it.
        code: clean(&code, 100),
        message: clean(&message, 400),
        resource: resource.map(str::to_string),
    }
}

/// Text from a service made fit for a report: one line, secrets redacted, at most `max`
/// characters. The text is cut to a generous bound before redaction (so a huge answer costs
/// little) that still exceeds `max` plus the longest encoded secret: nothing that ends up in
/// the first `max` characters escapes redaction.
fn clean(text: &str, max: usize) -> String {
    let bounded = truncate(text, max + 16_384);
    truncate(&redact(&one_line(&bounded)), max)
}

/// An error and its sources, each `Display`ed once (`a: b: c`), without the `Debug` dumps that
/// `DisplayErrorContext` appends.
pub(super) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests;
