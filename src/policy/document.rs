//! Parsing of IAM policy documents as API Gateway returns them.

use super::PolicyError;
use crate::arn::Arn;
use serde_json::Value;

/// Largest policy text accepted (API Gateway's own limit is far lower; this bounds work).
pub const MAX_POLICY_BYTES: usize = 2 * 1024 * 1024;
pub const MAX_STATEMENTS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalItem {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Everyone,
    /// A whole account: a bare id or `arn:aws:iam::<id>:root`.
    Account(String),
    /// A specific principal ARN (role, user, assumed role), matched exactly.
    Arn(String),
    /// A principal ARN or id with a wildcard: IAM never expands wildcards inside a principal
    /// ("You cannot use a wildcard to match part of a principal name or ARN", IAM User Guide,
    /// *AWS JSON policy elements: Principal*), so it names no one.
    Unmatchable(String),
    /// `CanonicalUser`: never one of our callers.
    Other,
    /// A `Federated` identity provider (an OIDC or SAML provider ARN, or a web identity
    /// provider's name such as `cognito-identity.amazonaws.com`): only trust policies name one.
    Federated(String),
    /// An AWS service (`lambda.amazonaws.com`): the owner's own services.
    Service(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PrincipalSpec {
    Principal(Vec<PrincipalItem>),
    NotPrincipal(Vec<PrincipalItem>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Patterns {
    Is(Vec<String>),
    Not(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOp {
    Single,
    ForAnyValue,
    ForAllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    IpAddress,
    NotIpAddress,
    Bool,
    Null,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
}

impl BaseOp {
    fn parse(s: &str) -> Option<BaseOp> {
        Some(match s {
            "StringEquals" => BaseOp::StringEquals,
            "StringNotEquals" => BaseOp::StringNotEquals,
            "StringEqualsIgnoreCase" => BaseOp::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => BaseOp::StringNotEqualsIgnoreCase,
            "StringLike" => BaseOp::StringLike,
            "StringNotLike" => BaseOp::StringNotLike,
            "ArnEquals" => BaseOp::ArnEquals,
            "ArnLike" => BaseOp::ArnLike,
            "ArnNotEquals" => BaseOp::ArnNotEquals,
            "ArnNotLike" => BaseOp::ArnNotLike,
            "IpAddress" => BaseOp::IpAddress,
            "NotIpAddress" => BaseOp::NotIpAddress,
            "Bool" => BaseOp::Bool,
            "Null" => BaseOp::Null,
            "DateEquals" => BaseOp::DateEquals,
            "DateNotEquals" => BaseOp::DateNotEquals,
            "DateLessThan" => BaseOp::DateLessThan,
            "DateLessThanEquals" => BaseOp::DateLessThanEquals,
            "DateGreaterThan" => BaseOp::DateGreaterThan,
            "DateGreaterThanEquals" => BaseOp::DateGreaterThanEquals,
            "NumericEquals" => BaseOp::NumericEquals,
            "NumericNotEquals" => BaseOp::NumericNotEquals,
            "NumericLessThan" => BaseOp::NumericLessThan,
            "NumericLessThanEquals" => BaseOp::NumericLessThanEquals,
            "NumericGreaterThan" => BaseOp::NumericGreaterThan,
            "NumericGreaterThanEquals" => BaseOp::NumericGreaterThanEquals,
            _ => return None,
        })
    }

    /// Negated operators are true when the key is absent, as in IAM ("If the policy condition
    /// requires that the key is *not* matched, such as `StringNotLike` or `ArnNotLike`, and the
    /// right key is not present, the condition is true").
    pub fn negated(self) -> bool {
        matches!(
            self,
            BaseOp::StringNotEquals
                | BaseOp::StringNotEqualsIgnoreCase
                | BaseOp::StringNotLike
                | BaseOp::ArnNotEquals
                | BaseOp::ArnNotLike
                | BaseOp::NotIpAddress
                | BaseOp::DateNotEquals
                | BaseOp::NumericNotEquals
        )
    }

    pub fn is_date(self) -> bool {
        matches!(
            self,
            BaseOp::DateEquals
                | BaseOp::DateNotEquals
                | BaseOp::DateLessThan
                | BaseOp::DateLessThanEquals
                | BaseOp::DateGreaterThan
                | BaseOp::DateGreaterThanEquals
        )
    }

    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            BaseOp::NumericEquals
                | BaseOp::NumericNotEquals
                | BaseOp::NumericLessThan
                | BaseOp::NumericLessThanEquals
                | BaseOp::NumericGreaterThan
                | BaseOp::NumericGreaterThanEquals
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Known {
        base: BaseOp,
        set: SetOp,
        if_exists: bool,
    },
    /// An operator the engine does not evaluate (kept by name for the report).
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operator: Operator,
    /// Lower-cased condition key (`aws:sourcevpce`).
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, or `#<index>` when the statement has none.
    pub sid: String,
    pub effect: Effect,
    pub principal: PrincipalSpec,
    pub action: Patterns,
    pub resource: Patterns,
    pub conditions: Vec<Condition>,
}

fn err(message: impl Into<String>) -> PolicyError {
    PolicyError {
        message: message.into(),
    }
}

/// Decodes the text into a JSON value, accepting the three shapes seen in practice: plain JSON,
/// JSON with backslash-escaped quotes (real API Gateway), or a JSON string literal holding it.
fn decode(text: &str) -> Result<Value, PolicyError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(err("the policy is empty"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return match v {
            Value::String(inner) => decode(&inner),
            other => Ok(other),
        };
    }
    // `{\"Version\":…}`: read it as the body of a JSON string literal, which undoes `\"`, `\\`
    // and `\/` exactly as JSON defines them.
    if trimmed.contains("\\\"") {
        if let Ok(unescaped) = serde_json::from_str::<String>(&format!("\"{trimmed}\"")) {
            if let Ok(v) = serde_json::from_str::<Value>(&unescaped) {
                return Ok(v);
            }
        }
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(_) => unreachable!("handled above"),
        Err(e) => Err(err(format!("not valid JSON: {e}"))),
    }
}

fn strings(v: &Value, what: &str) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Bool(b) => Ok(b.to_string()),
                Value::Number(n) => Ok(n.to_string()),
                _ => Err(err(format!("{what} must hold strings"))),
            })
            .collect(),
        Value::Bool(b) => Ok(vec![b.to_string()]),
        Value::Number(n) => Ok(vec![n.to_string()]),
        _ => Err(err(format!("{what} must be a string or a list of strings"))),
    }
}

fn principal_items(v: &Value) -> Result<Vec<PrincipalItem>, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![PrincipalItem::Everyone]),
        Value::String(s) => Err(err(format!(
            "Principal \"{s}\" must be \"*\" or an object such as {{\"AWS\": …}}"
        ))),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (kind, val) in map {
                let vals = strings(val, "Principal")?;
                for p in vals {
                    out.push(match kind.as_str() {
                        "AWS" => aws_principal(&p),
                        "Federated" => PrincipalItem::Federated(p),
                        "Service" => PrincipalItem::Service(p),
                        _ => PrincipalItem::Other,
                    });
                }
            }
            Ok(out)
        }
        _ => Err(err("Principal must be \"*\" or an object")),
    }
}

fn aws_principal(p: &str) -> PrincipalItem {
    let p = p.trim();
    if p == "*" {
        return PrincipalItem::Everyone;
    }
    if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        return PrincipalItem::Account(p.to_string());
    }
    if p.contains(['*', '?']) {
        return PrincipalItem::Unmatchable(p.to_string());
    }
    if let Some(account) = root_account(p) {
        return PrincipalItem::Account(account);
    }
    PrincipalItem::Arn(p.to_string())
}

/// `arn:aws:iam::123456789012:root` → `123456789012`.
fn root_account(arn: &str) -> Option<String> {
    Arn::parse(arn)
        .filter(|a| a.service == "iam" && a.resource == "root")
        .map(|a| a.account.to_string())
}

/// The account of a principal ARN (`arn:aws:iam::<acct>:role/x`, `arn:aws:sts::<acct>:…`).
pub fn arn_account(arn: &str) -> Option<String> {
    Arn::parse(arn)
        .map(|a| a.account)
        .filter(|account| account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_string)
}

fn parse_operator(name: &str) -> Operator {
    let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
        (SetOp::ForAnyValue, r)
    } else if let Some(r) = name.strip_prefix("ForAllValues:") {
        (SetOp::ForAllValues, r)
    } else {
        (SetOp::Single, name)
    };
    let (base_name, if_exists) = match rest.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    match BaseOp::parse(base_name) {
        Some(base) => Operator::Known {
            base,
            set,
            if_exists,
        },
        None => Operator::Unknown(name.to_string()),
    }
}

/// The `<name>` or `Not<name>` element of a statement (`Action`, `Resource`): exactly one of
/// them must be there.
fn patterns(
    obj: &serde_json::Map<String, Value>,
    name: &str,
    sid: &str,
) -> Result<Patterns, PolicyError> {
    let not = format!("Not{name}");
    match (obj.get(name), obj.get(&not)) {
        (Some(v), None) => Ok(Patterns::Is(strings(v, name)?)),
        (None, Some(v)) => Ok(Patterns::Not(strings(v, &not)?)),
        _ => Err(err(format!(
            "statement {sid} needs exactly one of {name} and {not}"
        ))),
    }
}

/// What kind of policy a document is, which decides the elements its statements carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A resource policy: every statement names a `Principal` and a `Resource`.
    Resource,
    /// An identity policy (inline, managed, or a permissions boundary): no `Principal`, since
    /// the principal is whoever holds the policy.
    Identity,
    /// A role's trust policy: a `Principal` and no `Resource` (the role is the resource).
    Trust,
}

fn parse_statement(v: &Value, index: usize, kind: DocumentKind) -> Result<Statement, PolicyError> {
    let obj = v
        .as_object()
        .ok_or_else(|| err(format!("statement #{index} is not an object")))?;
    let sid = obj
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("#{index}"));
    let effect = match obj.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => {
            return Err(err(format!(
                "statement {sid}: Effect \"{other}\" is neither Allow nor Deny"
            )))
        }
        None => return Err(err(format!("statement {sid} has no Effect"))),
    };
    let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        // An identity statement applies to whoever holds the policy, and names no one.
        (None, None) if kind == DocumentKind::Identity => {
            PrincipalSpec::Principal(vec![PrincipalItem::Everyone])
        }
        _ if kind == DocumentKind::Identity => {
            return Err(err(format!(
                "statement {sid} names a principal: an identity policy statement has none"
            )))
        }
        (Some(p), None) => PrincipalSpec::Principal(principal_items(p)?),
        (None, Some(p)) => PrincipalSpec::NotPrincipal(principal_items(p)?),
        (Some(_), Some(_)) => {
            return Err(err(format!(
                "statement {sid} has both Principal and NotPrincipal"
            )))
        }
        (None, None) => {
            return Err(err(format!(
                "statement {sid} has no Principal: a resource policy statement needs one"
            )))
        }
    };
    let action = patterns(obj, "Action", &sid)?;
    // A trust statement's resource is the role itself.
    let resource = match kind {
        DocumentKind::Trust
            if !obj.contains_key("Resource") && !obj.contains_key("NotResource") =>
        {
            Patterns::Is(vec!["*".to_string()])
        }
        _ => patterns(obj, "Resource", &sid)?,
    };
    let mut conditions = Vec::new();
    if let Some(c) = obj.get("Condition") {
        let ops = c
            .as_object()
            .ok_or_else(|| err(format!("statement {sid}: Condition must be an object")))?;
        for (op, block) in ops {
            let keys = block.as_object().ok_or_else(|| {
                err(format!(
                    "statement {sid}: condition {op} must map keys to values"
                ))
            })?;
            for (key, values) in keys {
                conditions.push(Condition {
                    operator: parse_operator(op),
                    key: key.to_ascii_lowercase(),
                    values: strings(values, "condition value")?,
                });
            }
        }
    }
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

pub fn parse(text: &str) -> Result<Vec<Statement>, PolicyError> {
    parse_kind(text, DocumentKind::Resource)
}

/// Parses a document of the given kind (see [`DocumentKind`]).
pub fn parse_kind(text: &str, kind: DocumentKind) -> Result<Vec<Statement>, PolicyError> {
    if text.len() > MAX_POLICY_BYTES {
        return Err(err(format!(
            "the policy is {} bytes, over the {} bytes this engine evaluates",
            text.len(),
            MAX_POLICY_BYTES
        )));
    }
    let doc = decode(text)?;
    let obj = doc
        .as_object()
        .ok_or_else(|| err("the policy is not a JSON object"))?;
    let statements = match obj.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(s @ Value::Object(_)) => vec![s],
        Some(_) => return Err(err("Statement must be an object or a list")),
        None => return Err(err("the policy has no Statement")),
    };
    if statements.len() > MAX_STATEMENTS {
        return Err(err(format!(
            "the policy has {} statements, over the {MAX_STATEMENTS} this engine evaluates",
            statements.len()
        )));
    }
    statements
        .iter()
        .enumerate()
        .map(|(i, s)| parse_statement(s, i, kind))
        .collect()
}
