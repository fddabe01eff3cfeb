//! Transit gateway paths against the emulator: the `transit` estate
//! (tests/estates/estate_transit.py) puts the exposed case and each near-miss (no route to the
//! gateway, a route but no rule, an isolated gateway route table, a blackhole, a same-account
//! attachment) in its own account beside the partner. One audit of the nine accounts; the
//! assertions pin the exact findings both ways, the calls made, and, through the fault proxy,
//! what the emulator cannot show: a gateway shared by an account that was not audited, and
//! reads that fail.
//!
//! moto quirks met here (5.2.1):
//! - another account cannot attach to a gateway, so the partner's VPCs are attached from the
//!   owner's side, and their attachments name the owner as the VPC's owner: the auditor takes a
//!   VPC the owner's scan does not list for another account's, and the partner's scan names it;
//! - an attachment stays associated with the default route table (disassociating is a 500), so
//!   the isolated table is the default one;
//! - propagation never happens by itself, and `SearchTransitGatewayRoutes` returns no
//!   propagated route: the auditor derives them from the propagations and the attached VPCs'
//!   CIDRs;
//! - a static route comes back without its attachment: assumed to go where the path goes, at
//!   medium confidence (account 006);
//! - `SearchTransitGatewayRoutes` with `MaxResults` is a 500, so the auditor sends none (AWS's
//!   default is its maximum);
//! - an attachment of another account to a gateway shared with it cannot be made: the proxy
//!   answers the attachment listing of account 008 as AWS would.

use crate::fault_proxy::{Fault, FaultProxy, Rule};
use crate::harness;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::OnceLock;

pub const ACCOUNTS: [&str; 9] = [
    "741000000001",
    "741000000002",
    "741000000003",
    "741000000004",
    "741000000005",
    "741000000006",
    "741000000007",
    "741000000008",
    "741000000009",
];
const PARTNER: &str = "741000000009";
const SHARED: &str = "741000000008";

/// The estate's ids and the one audit report most tests read.
fn report() -> &'static (Value, Value) {
    static REPORT: OnceLock<(Value, Value)> = OnceLock::new();
    REPORT.get_or_init(|| {
        let ids = harness::estate("transit").clone();
        let report = harness::audit_json(&ACCOUNTS, &["us-east-1"], &[]);
        (ids, report)
    })
}

/// The `transit` estate's audit report.
pub fn transit_report() -> &'static Value {
    &report().1
}

fn id(key: &str) -> String {
    harness::id(&report().0, key)
}

/// (rule, account, resource id, reach, confidence) of every transit gateway finding.
type Row = (String, String, String, String, String);

fn transit_rows(report: &Value) -> BTreeSet<Row> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["entry_point"] == "transit_gateway")
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            let resource = s("resource_arn").rsplit('/').next().unwrap().to_string();
            (
                s("rule_id"),
                s("account_id"),
                resource,
                s("reach"),
                s("confidence"),
            )
        })
        .collect()
}

fn r(rule: &str, account: &str, resource: String, reach: &str, confidence: &str) -> Row {
    (
        rule.into(),
        account.into(),
        resource,
        reach.into(),
        confidence.into(),
    )
}

#[track_caller]
fn assert_rows(actual: BTreeSet<Row>, expected: Vec<Row>) {
    let expected: BTreeSet<Row> = expected.into_iter().collect();
    let missing: Vec<_> = expected.difference(&actual).collect();
    let extra: Vec<_> = actual.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

const EXPOSES: &str = "transit-gateway-exposes-private-backend";
const NO_PATH: &str = "transit-gateway-cross-account-no-path";
const BY_PARTNER: &str = "accounts:[741000000009]";

#[test]
fn exactly_the_exposed_case_and_the_near_misses_are_reported() {
    let report = &report().1;
    assert_eq!(report["scan"]["complete"], true, "{:#}", report["scan"]);
    assert_rows(
        transit_rows(report),
        vec![
            r(
                EXPOSES,
                "741000000001",
                id("exposed_att"),
                BY_PARTNER,
                "high",
            ),
            // No route to the gateway; a route but a rule for port 22 only.
            r(
                NO_PATH,
                "741000000002",
                id("no_route_att"),
                BY_PARTNER,
                "high",
            ),
            r(
                NO_PATH,
                "741000000003",
                id("wrong_port_att"),
                BY_PARTNER,
                "high",
            ),
            // The table associated with the backend's attachment has no route to the partner.
            r(
                NO_PATH,
                "741000000004",
                id("isolated_att"),
                BY_PARTNER,
                "high",
            ),
            // A static blackhole of the partner's /16 wins over its propagated route.
            r(
                NO_PATH,
                "741000000005",
                id("blackhole_att"),
                BY_PARTNER,
                "high",
            ),
            // The emulator's static route names no attachment: assumed to be the partner's.
            r(
                EXPOSES,
                "741000000006",
                id("static_att"),
                BY_PARTNER,
                "medium",
            ),
        ],
    );
    // The same-account attachment (007) and the gateway with nothing attached (008) are not
    // reported; neither is anything else in these accounts.
    let others: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            !matches!(
                f["entry_point"].as_str(),
                Some("transit_gateway" | "api_gateway_rest" | "api_gateway_http")
            )
        })
        .collect();
    assert!(others.is_empty(), "{others:#?}");
}

#[test]
fn the_exposed_case_explains_itself_and_names_its_fix() {
    let report = &report().1;
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == EXPOSES && f["account_id"] == "741000000001")
        .expect("the exposed finding");
    assert_eq!(f["severity"], "high");
    assert_eq!((&f["method"], &f["path"]), (&"*".into(), &"*".into()));
    assert_eq!(
        (&f["auth"], &f["write"]),
        (&"network_only".into(), &true.into())
    );
    let message = f["message"].as_str().unwrap();
    let table = id("exposed_table");
    for needle in [
        format!(
            "Transit gateway {} (owned by 741000000001)",
            id("exposed_tgw")
        ),
        format!(
            "account {PARTNER}, 10.1.0.0/16; attachment {}",
            id("exposed_att")
        ),
        format!(
            "route table {} routes 10.1.0.0/16 -> {}",
            id("exposed_rtb"),
            id("exposed_tgw")
        ),
        format!(
            "transit gateway route table {table} routes 10.1.0.0/16 -> {} (propagated)",
            id("exposed_att")
        ),
        "admits tcp port 8080 from 10.1.0.0/16".to_string(),
        "bypasses their authentication".to_string(),
    ] {
        assert!(message.contains(&needle), "lacks {needle:?}: {message}");
    }
    let fix = f["remediation"].as_str().unwrap();
    for needle in [
        format!(
            "aws ec2 disable-transit-gateway-route-table-propagation --region us-east-1 --transit-gateway-route-table-id {table} --transit-gateway-attachment-id {}",
            id("exposed_att")
        ),
        format!(
            "aws ec2 delete-route --region us-east-1 --route-table-id {} --destination-cidr-block 10.1.0.0/16",
            id("exposed_rtb")
        ),
    ] {
        assert!(fix.contains(&needle), "lacks {needle:?}: {fix}");
    }
    let bypassed = f["evidence"]["bypassed_methods"].as_array().unwrap();
    assert!(
        bypassed
            .iter()
            .any(|m| m["api_id"] == id("exposed_api").as_str() && m["method"] == "GET"),
        "{f:#}"
    );
    assert_eq!(
        f["evidence"]["transit_gateway"]["other"]["owner_id"],
        PARTNER
    );
}

#[test]
fn gateway_route_tables_are_read_only_where_another_account_comes_in() {
    let calls = &report().1["scan"]["api_calls"];
    // The attachments once per account × region; the route tables of the six gateways with a
    // partner's VPC attached (not 007's, all its own, nor 008's, with nothing attached), one
    // route table each.
    for (op, n) in [
        ("ec2:DescribeTransitGatewayAttachments", 9),
        ("ec2:DescribeTransitGatewayRouteTables", 6),
        ("ec2:GetTransitGatewayRouteTablePropagations", 6),
        ("ec2:SearchTransitGatewayRoutes", 6),
    ] {
        assert_eq!(calls[op], n, "{op}: {calls:#}");
    }
}

/// Audits the nine accounts through a proxy with `rules`; returns the exit code and report.
fn audit_through(rules: Vec<Rule>) -> (i32, Value) {
    report();
    let proxy = FaultProxy::with_rules(&harness::emulator().endpoint, rules);
    let accounts = ACCOUNTS.join(",");
    let run = harness::audit_at(
        &proxy.endpoint,
        &[
            "--accounts",
            &accounts,
            "--regions",
            "us-east-1",
            "--max-attempts",
            "1",
        ],
    );
    (run.status, run.json())
}

/// Asserts that the transit gateway findings of `account` are exactly `expected`.
#[track_caller]
fn assert_account_rows(report: &Value, account: &str, expected: Vec<Row>) {
    let rows: BTreeSet<Row> = transit_rows(report)
        .into_iter()
        .filter(|row| row.1 == account)
        .collect();
    assert_rows(rows, expected);
}

/// 008's backend exposed through its transit gateway to `reach`, at medium confidence.
fn shared_exposed_to(reach: &str) -> Vec<Row> {
    vec![r(EXPOSES, SHARED, id("shared_tgw"), reach, "medium")]
}

fn target<'a>(report: &'a Value, account: &str) -> &'a Value {
    report["scan"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["account_id"] == account)
        .unwrap_or_else(|| panic!("no target {account}"))
}

#[test]
fn unread_gateway_route_tables_never_narrow_a_verdict() {
    // The isolated account's table, its propagations or routes unread: the isolation is not
    // seen, so the partner is assumed to get through, at medium confidence; the scan is
    // incomplete.
    for op in [
        "ec2:GetTransitGatewayRouteTablePropagations",
        "ec2:SearchTransitGatewayRoutes",
        "ec2:DescribeTransitGatewayRouteTables",
    ] {
        let (status, report) = audit_through(vec![
            Rule::new(op, Fault::AccessDenied).account("741000000004")
        ]);
        assert_eq!(status, 2, "{op}");
        assert_eq!(report["scan"]["complete"], false, "{op}");
        let t = target(&report, "741000000004");
        assert_eq!(t["status"], "partial", "{op}: {t:#}");
        assert_eq!(t["errors"][0]["operation"], op, "{t:#}");
        assert_account_rows(
            &report,
            "741000000004",
            vec![r(
                EXPOSES,
                "741000000004",
                id("isolated_att"),
                BY_PARTNER,
                "medium",
            )],
        );
        let f = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["account_id"] == "741000000004" && f["rule_id"] == EXPOSES)
            .unwrap();
        assert!(
            f["message"].as_str().unwrap().contains(op),
            "{op}: {}",
            f["message"]
        );
    }
}

#[test]
fn unread_attachments_leave_a_route_to_a_gateway_open() {
    // 008 routes the partner's addresses to its gateway and admits them: with the attachments
    // unread, whatever the gateway connects is assumed to get in.
    let (status, report) = audit_through(vec![Rule::new(
        "ec2:DescribeTransitGatewayAttachments",
        Fault::AccessDenied,
    )
    .account(SHARED)]);
    assert_eq!(status, 2);
    assert_eq!(target(&report, SHARED)["status"], "partial");
    assert_account_rows(&report, SHARED, shared_exposed_to("accounts:[unknown]"));
}

#[test]
fn a_gateway_shared_by_an_account_not_audited_is_assumed_to_connect_anyone() {
    // What AWS answers an account attached to a gateway another account shares with it: its
    // own attachment, the gateway's owner named. The emulator cannot make one.
    let listing = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <DescribeTransitGatewayAttachmentsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\
         <requestId>fault</requestId><transitGatewayAttachments><item>\
         <transitGatewayAttachmentId>tgw-attach-0spoke</transitGatewayAttachmentId>\
         <transitGatewayId>{tgw}</transitGatewayId>\
         <transitGatewayOwnerId>741000000099</transitGatewayOwnerId>\
         <resourceOwnerId>{SHARED}</resourceOwnerId>\
         <resourceType>vpc</resourceType><resourceId>{vpc}</resourceId><state>available</state>\
         <association><transitGatewayRouteTableId>tgw-rtb-0hub</transitGatewayRouteTableId><state>associated</state></association>\
         </item></transitGatewayAttachments></DescribeTransitGatewayAttachmentsResponse>",
        tgw = id("shared_tgw"),
        vpc = id("shared_vpc"),
    );
    let (status, report) = audit_through(vec![Rule::new(
        "ec2:DescribeTransitGatewayAttachments",
        Fault::Answer(listing),
    )
    .account(SHARED)]);
    assert_eq!(status, 0, "{:#}", report["scan"]);
    assert_account_rows(
        &report,
        SHARED,
        shared_exposed_to("accounts:[741000000099,unknown]"),
    );
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["account_id"] == SHARED && f["rule_id"] == EXPOSES)
        .unwrap();
    assert_eq!(
        f["resource_arn"],
        format!(
            "arn:aws:ec2:us-east-1:741000000099:transit-gateway/{}",
            id("shared_tgw")
        )
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("is owned by 741000000099, which was not audited"),
        "{}",
        f["message"]
    );
}
