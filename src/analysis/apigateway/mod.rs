//! Verdicts for API Gateway REST methods and HTTP API routes. The AWS semantics they rest on
//! are summed up in the README ("How it decides"); the tests pin each of them.
//!
//! For every method × deployed stage: who can reach it (network + resource policy), how the
//! caller is authenticated, and whether a write verb gets through. `ANY` is expanded into each
//! concrete verb, because the policy is evaluated against the verb of the actual request, and
//! every distinct rule its verbs break is reported (one finding per API, stage, method, path
//! and rule), except a read rule that the method's write rule covers at the same reach.
//!
//! How the policy combines with auth: `NONE`/API key needs the policy's Allow for an anonymous
//! caller; `AWS_IAM` the Allow for a principal of another account; Lambda/Cognito authorizers on
//! a public API are stopped only by explicit Denies, and on a private API need the Allow too
//! (a private API is reachable only through what its policy allows).
//!
//! What a REST stage serves is its deployment (and its canary's), not the working copy: each
//! method is judged as the deployment's API summary has it, joined with the working copy for
//! what the summary lacks (integration, VPC link); without a summary, the working copy stands
//! in, at medium confidence. A stage whose deployment differs from the working copy is an
//! informational finding of its own.
//!
//! Where things are: [`rest`], [`http`] and [`websocket`] turn each kind of API into findings;
//! [`stages`] picks the stages to judge and what each serves; [`served`] lists the methods
//! each deployment serves and groups their verdicts by stage; [`drift`] compares a stage with
//! the working copy; [`verdict`] decides who reaches each verb; [`classify`] maps a verdict to
//! the rules it breaks; [`prose`] writes the words of a finding that are not its rule's and
//! the facts its rule's fix names; [`via_role`] finds who reaches IAM-authenticated methods by
//! becoming a role; `tests.rs` (and `tests/`) holds the unit tests; the rules' data, words
//! included, is in `rules/apigw-*.toml`.

use super::roles::RoleCallers;
use super::VpcOwnership;
use crate::inventory::Target;
use crate::model::Finding;
use crate::policy::OffsetDateTime;
use http::analyze_http_api;
use rest::analyze_rest_api;
use websocket::analyze_websocket_api;

pub(crate) use classify::covering_write_rule;

mod classify;
mod drift;
mod http;
mod prose;
mod rest;
mod served;
mod stages;
mod verdict;
mod via_role;
mod websocket;

/// The findings of every REST and HTTP API of one account and region; `roles` are the roles
/// outsiders can become (trust paths into IAM-authenticated methods); time conditions are
/// evaluated at `at`.
pub(super) fn analyze_target(
    target: &Target,
    ownership: &VpcOwnership,
    roles: &RoleCallers,
    at: Option<OffsetDateTime>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for api in &target.rest_apis {
        out.extend(analyze_rest_api(target, api, ownership, roles, at));
    }
    for api in &target.http_apis {
        if api.protocol_type == "WEBSOCKET" {
            out.extend(analyze_websocket_api(target, api));
        } else {
            out.extend(analyze_http_api(target, api, ownership, roles));
        }
    }
    out
}

#[cfg(test)]
mod tests;
