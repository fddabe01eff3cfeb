//! The secrets this process holds, and their removal from anything a service echoes back.

use aws_credential_types::Credentials;
use std::sync::Mutex;

/// Every credential and external id this process holds (the caller's keys, each assumed
/// role's keys, `--external-id`), so that [`redact`] can strip them from anything a service
/// echoes back. Process-wide because an error can be classified anywhere in `aws/`.
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers a secret for [`redact`]. Values shorter than 4 characters are not worth hiding
/// and would garble messages.
pub(crate) fn register_secret(secret: &str) {
    if secret.chars().count() < 4 {
        return;
    }
    let mut all = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !all.iter().any(|s| s == secret) {
        all.push(secret.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

pub(super) fn register_credentials(c: &Credentials) {
    register_secret(c.access_key_id());
    register_secret(c.secret_access_key());
    if let Some(token) = c.session_token() {
        register_secret(token);
    }
}

/// Removes every registered secret from `text`, raw or in any of the forms a service may
/// echo it in (percent-encoded as in a query string or form body, upper- or lower-case hex,
/// `+` for a space, JSON's `\/` for a slash, or any mix), and whatever follows the markers AWS
/// uses when it quotes a signed request (`X-Amz-Security-Token`, `Credential=`, `Signature=`),
/// so an echo of credentials this process never registered is stripped too.
pub(crate) fn redact(text: &str) -> String {
    let mut out = text.to_string();
    for secret in SECRETS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        out = replace_encoded(&out, secret.as_bytes());
    }
    for marker in [
        "x-amz-security-token:",
        "x-amz-security-token=",
        "credential=",
        "signature=",
    ] {
        out = redact_after(&out, marker);
    }
    out
}

/// Replaces each occurrence of `secret` in `text`, in any encoding [`encoded_match`] knows,
/// with `[REDACTED]`.
fn replace_encoded(text: &str, secret: &[u8]) -> String {
    let hay = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(hay.len());
    let mut i = 0;
    let mut changed = false;
    while i < hay.len() {
        match encoded_match(hay, i, secret) {
            Some(end) => {
                out.extend_from_slice(b"[REDACTED]");
                i = end;
                changed = true;
            }
            None => {
                out.push(hay[i]);
                i += 1;
            }
        }
    }
    if !changed {
        return text.to_string();
    }
    // A match begins with an ASCII byte (`%`, or the secret's first byte) or a UTF-8 lead byte
    // and ends after a whole character, so `out` is valid UTF-8; the fallback only guards
    // against a flaw in that reasoning turning into a panic.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Where a match of `secret` starting at `hay[start]` ends, each of its bytes written raw,
/// as `%XX` (either case), `+` for a space, or `\/` for a slash.
fn encoded_match(hay: &[u8], start: usize, secret: &[u8]) -> Option<usize> {
    if secret.is_empty() {
        return None;
    }
    let mut p = start;
    for &b in secret {
        let c = *hay.get(p)?;
        if c == b {
            p += 1;
        } else if c == b'%'
            && hay
                .get(p + 1..p + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                == Some(b)
        {
            p += 3;
        } else if b == b' ' && c == b'+' {
            p += 1;
        } else if b == b'/' && c == b'\\' && hay.get(p + 1) == Some(&b'/') {
            p += 2;
        } else {
            return None;
        }
    }
    Some(p)
}

/// Replaces the value after each (ASCII case-insensitive) `marker`, up to the next whitespace,
/// comma, quote or `&`, with `[REDACTED]`.
fn redact_after(text: &str, marker: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(found) = lower[i..].find(marker) {
        let value_start = i + found + marker.len();
        out.push_str(&text[i..value_start]);
        let rest = &text[value_start..];
        let value_len = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '\'' | '"' | '&'))
            .unwrap_or(rest.len());
        if value_len > 0 && !rest[..value_len].starts_with("[REDACTED]") {
            out.push_str("[REDACTED]");
        } else {
            out.push_str(&rest[..value_len]);
        }
        i = value_start + value_len;
    }
    out.push_str(&text[i..]);
    out
}

#[cfg(test)]
mod tests;
