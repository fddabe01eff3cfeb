//! The probe vocabulary: the parts of the internet a policy does not name.

use super::*;
use crate::policy::probes::first_uncovered;
use std::collections::BTreeSet;
use std::net::IpAddr;

#[test]
fn the_internet_a_policy_does_not_name_is_probed_even_past_every_usual_address() {
    // The Deny covers every usual probe address but leaves 208.0.0.0/4 open: the internet
    // still gets in there.
    let policy = parse_policy(
        r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/2","192.0.0.0/4","224.0.0.0/3","::/0"]}}}]}"#,
    )
    .unwrap();
    let arn = format!("{API_PREFIX}/prod/POST/x");
    assert_eq!(
        verdict(&policy, &arn, ANON, ALLOW, PUBLIC).reach,
        Reach::Internet
    );
    // Closing the gap closes the method.
    let closed = parse_policy(
        r#"{"Statement":[
            {"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"},
            {"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":["0.0.0.0/1","128.0.0.0/2","192.0.0.0/4","224.0.0.0/3","208.0.0.0/4","::/0"]}}}]}"#,
    )
    .unwrap();
    assert_eq!(
        verdict(&closed, &arn, ANON, ALLOW, PUBLIC).reach,
        Reach::Owner
    );
}

#[test]
fn first_uncovered_address_jumps_over_overlapping_ranges() {
    let cidrs = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let v4: IpAddr = "1.2.3.4".parse().unwrap();
    let v6: IpAddr = "2001:db8::1".parse().unwrap();
    assert_eq!(
        first_uncovered(v4, &cidrs(&[])),
        Some("0.0.0.0".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(
            v4,
            &cidrs(&["0.0.0.0/8", "0.0.0.0/4", "16.0.0.0/4", "32.0.0.1"])
        ),
        Some("32.0.0.0".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(v4, &cidrs(&["0.0.0.0/4", "16.0.0.0/4", "32.0.0.0", "::/0"])),
        Some("32.0.0.1".parse().unwrap())
    );
    assert_eq!(
        first_uncovered(v4, &cidrs(&["0.0.0.0/1", "128.0.0.0/1"])),
        None
    );
    assert_eq!(
        first_uncovered(v6, &cidrs(&["0.0.0.0/0", "::/1"])),
        Some("8000::".parse().unwrap())
    );
    assert_eq!(first_uncovered(v6, &cidrs(&["::/0"])), None);
}
