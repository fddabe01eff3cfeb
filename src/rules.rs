//! Rule metadata, as data: one TOML file per rule under `rules/`, compiled into the binary by
//! `build.rs` (the [`RuleId`] enum and each rule's [`Rule`]).
//!
//! Rule ids are a public contract (GitHub matches code-scanning alerts across runs by rule id):
//! never rename one. The analysis names rules only through [`RuleId`]; every word a rule says
//! (title, why it matters, the fix) lives in its file, and the code supplies only the facts of
//! one finding (ids, exact commands) through the placeholders of [`PLACEHOLDERS`].

use crate::model::{EntryPoint, Severity};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

include!(concat!(env!("OUT_DIR"), "/rules.rs"));

/// One rule, as its `rules/<id>.toml` says it.
#[derive(Debug, PartialEq)]
pub struct Rule {
    pub id: RuleId,
    /// PascalCase name (SARIF `rule.name`).
    pub name: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    /// GitHub's `security-severity` score, as a string ("9.8").
    pub security_severity: &'static str,
    /// Entry point kinds the rule applies to.
    pub entry_points: &'static [EntryPoint],
    pub tags: &'static [&'static str],
    /// What it finds.
    pub description: &'static str,
    /// Why it matters, in one sentence: API Gateway findings end their message with it.
    pub impact: &'static str,
    /// Why it matters, beyond that sentence (may be empty).
    pub rationale: &'static str,
    /// How to fix it, with placeholders for the facts of one finding: a finding's fix fills
    /// them in; the rule's own documentation says them in words ([`Rule::generic_remediation`]).
    pub remediation: &'static str,
    /// How to fix an HTTP API route, when that differs from `remediation` (else empty).
    pub http_route_remediation: &'static str,
    pub references: &'static [&'static str],
}

/// The placeholders a remediation may name, and the words that stand for each in the rule's
/// own documentation. A finding's fix gets their values from the analysis.
pub const PLACEHOLDERS: [(&str, &str); 20] = [
    ("method", "the method"),
    ("api", "the API"),
    ("api_id", "API_ID"),
    (
        "require_iam",
        "aws apigateway update-method --rest-api-id API_ID --resource-id RESOURCE_ID --http-method VERB --patch-operations op=replace,path=/authorizationType,value=AWS_IAM",
    ),
    (
        "redeploy",
        "then redeploy the stage (aws apigateway create-deployment --rest-api-id API_ID --stage-name STAGE)",
    ),
    ("route", "the route"),
    (
        "attach_authorizer",
        "aws apigatewayv2 update-route --api-id API_ID --route-id ROUTE_ID --authorization-type AWS_IAM",
    ),
    (
        "deploy",
        "aws apigatewayv2 create-deployment --api-id API_ID --stage-name STAGE",
    ),
    ("principals", "the principal ARNs with a wildcard"),
    ("accounts", "the account of each, arn:aws:iam::ACCOUNT:root"),
    ("entry_role", "the role"),
    ("calling_role", "the calling role"),
    (
        "restrict_trust",
        "aws iam update-assume-role-policy --role-name ROLE --policy-document TRUST_POLICY",
    ),
    (
        "narrow_invoke",
        "aws iam put-role-policy --role-name ROLE --policy-name POLICY --policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"execute-api:Invoke\",\"Resource\":\"arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/GET/*\"}]}'",
    ),
    (
        "before_deploy",
        "fix first any method that deploying it would open (aws apigateway update-method --rest-api-id API_ID --resource-id RESOURCE_ID --http-method VERB --patch-operations op=replace,path=/authorizationType,value=AWS_IAM), ",
    ),
    ("service", "the VPC Lattice service"),
    ("auth_resource", "the VPC Lattice service or service network"),
    ("auth_resource_id", "RESOURCE_ID (the service's or network's id)"),
    (
        "lattice_auth",
        "aws vpc-lattice update-service --service-identifier SERVICE_ID --auth-type AWS_IAM (when it is NONE), then aws vpc-lattice put-auth-policy --resource-identifier SERVICE_ID --policy POLICY, with POLICY allowing vpc-lattice-svcs:Invoke to the partner principals only, excluding anonymous callers (aws:PrincipalType), and for a write rule only the read methods (vpc-lattice-svcs:RequestMethod)",
    ),
    (
        "lattice_reach",
        "remove the other accounts' VPC associations (aws vpc-lattice delete-service-network-vpc-association --service-network-vpc-association-identifier ASSOCIATION_ID) and stop sharing the service network and the service (aws ram disassociate-resource-share --resource-share-arn SHARE_ARN --principals ACCOUNT_ID)",
    ),
];

impl RuleId {
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An id that names no rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownRule(pub String);

impl fmt::Display for UnknownRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown rule '{}'", self.0)
    }
}

impl std::error::Error for UnknownRule {}

impl FromStr for RuleId {
    type Err = UnknownRule;

    fn from_str(s: &str) -> Result<RuleId, UnknownRule> {
        RuleId::ALL
            .into_iter()
            .find(|id| id.as_str() == s)
            .ok_or_else(|| UnknownRule(s.to_string()))
    }
}

/// Reports carry the kebab-case id.
impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RuleId, D::Error> {
        let id = String::deserialize(deserializer)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

impl Rule {
    /// Why it matters, whole: the one sentence, then the rest.
    pub fn why_it_matters(&self) -> String {
        if self.rationale.is_empty() {
            self.impact.to_string()
        } else {
            format!("{} {}", self.impact, self.rationale)
        }
    }

    /// The fix of one finding: the remediation with `facts` in its placeholders.
    pub fn fix(&self, facts: &[(&str, String)]) -> String {
        fill(self.remediation, facts)
    }

    /// The fix of one HTTP API route finding, when the rule has its own text for routes.
    pub fn http_route_fix(&self, facts: &[(&str, String)]) -> Option<String> {
        (!self.http_route_remediation.is_empty()).then(|| fill(self.http_route_remediation, facts))
    }

    /// The remediation in general words, for the rule's documentation and for findings that
    /// carry no facts of their own.
    pub fn generic_remediation(&self) -> String {
        fill_generic(self.remediation)
    }

    /// The HTTP API route remediation in general words, when the rule has one.
    pub fn generic_http_route_remediation(&self) -> Option<String> {
        (!self.http_route_remediation.is_empty()).then(|| fill_generic(self.http_route_remediation))
    }
}

fn fill_generic(template: &str) -> String {
    let words: Vec<(&str, String)> = PLACEHOLDERS
        .iter()
        .map(|(name, words)| (*name, words.to_string()))
        .collect();
    fill(template, &words)
}

/// `template` with each `{name}` that `facts` names replaced by its value; anything else,
/// braces included, is kept as written.
fn fill(template: &str, facts: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() * 2);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            facts
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `{name}` placeholders of a template, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            let name = &rest[..close];
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                out.push(name);
                rest = &rest[close + 1..];
            }
        }
    }
    out
}

/// Every rule, in id order.
pub fn all() -> &'static [Rule] {
    &RULES
}

/// The rule of a kebab-case id, if there is one.
pub fn get(id: &str) -> Option<&'static Rule> {
    id.parse::<RuleId>().ok().map(RuleId::rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_complete() {
        assert!(all().len() >= 15);
        for r in all() {
            assert_eq!(r.id.rule(), r, "RULES is in RuleId::ALL order");
            for (field, value) in [
                ("name", r.name),
                ("title", r.title),
                ("description", r.description),
                ("impact", r.impact),
                ("remediation", r.remediation),
            ] {
                assert!(!value.trim().is_empty(), "{}: empty {field}", r.id);
            }
            assert!(
                !r.references.is_empty() && r.references.iter().all(|u| u.starts_with("https://")),
                "{}: references",
                r.id
            );
            assert!(!r.entry_points.is_empty(), "{}: entry_points", r.id);
            assert!(
                r.tags.contains(&"security"),
                "{}: tags must include security",
                r.id
            );
            assert!(
                r.name.chars().next().unwrap().is_ascii_uppercase()
                    && r.name.chars().all(|c| c.is_ascii_alphanumeric()),
                "{}: name not PascalCase",
                r.id
            );
        }
    }

    #[test]
    fn ids_round_trip_through_text_and_serde() {
        for id in RuleId::ALL {
            assert_eq!(id.as_str().parse::<RuleId>(), Ok(id));
            assert_eq!(id.to_string(), id.as_str());
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(json, format!("\"{id}\""));
            assert_eq!(serde_json::from_str::<RuleId>(&json).unwrap(), id);
        }
        assert!("no-such-rule".parse::<RuleId>().is_err());
        assert!(serde_json::from_str::<RuleId>("\"no-such-rule\"").is_err());
        assert!(get("no-such-rule").is_none());
        // The variant order is the id order: sorting findings by either agrees.
        let mut ids: Vec<&str> = RuleId::ALL.iter().map(|id| id.as_str()).collect();
        ids.sort();
        assert_eq!(
            ids,
            RuleId::ALL.iter().map(|id| id.as_str()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn remediations_name_only_known_placeholders_and_read_without_them() {
        for r in all() {
            for template in [r.remediation, r.http_route_remediation] {
                for name in placeholders(template) {
                    assert!(
                        PLACEHOLDERS.iter().any(|(known, _)| *known == name),
                        "{}: unknown placeholder {{{name}}}",
                        r.id
                    );
                }
            }
            let generic = r.generic_remediation();
            assert!(placeholders(&generic).is_empty(), "{}: {generic}", r.id);
        }
    }

    #[test]
    fn placeholders_are_filled_and_other_braces_kept() {
        let facts = [
            ("api", "API a1".to_string()),
            ("method", "GET /".to_string()),
        ];
        assert_eq!(
            fill("Fix {method} of {api}: {\"k\": 1} {unknown} {", &facts),
            "Fix GET / of API a1: {\"k\": 1} {unknown} {"
        );
        assert_eq!(placeholders("{a_b} {\"k\": 1} {C} {x}"), vec!["a_b", "x"]);
    }

    #[test]
    fn security_severity_matches_the_severity_band() {
        for r in all() {
            let score: f64 = r
                .security_severity
                .parse()
                .unwrap_or_else(|_| panic!("{}: score", r.id));
            let ok = match r.severity {
                Severity::Critical => score >= 9.0,
                Severity::High => (7.0..9.0).contains(&score),
                Severity::Medium => (4.0..7.0).contains(&score),
                Severity::Low => (0.1..4.0).contains(&score),
                // Shown by GitHub as low; our severity keeps it informational.
                Severity::Info => score > 0.0 && score < 4.0,
            };
            assert!(ok, "{}: {} does not fit {:?}", r.id, score, r.severity);
        }
    }
}
