//! Resources: both ARN forms, wildcards, templates, stages.

use super::*;

#[test]
#[rustfmt::skip]
fn resources_wildcards_and_templates() {
    /// One Allow statement `G` for everyone on `resource` (a JSON value).
    fn grant(resource: &str) -> String {
        format!(
            r#"{{"Sid":"G","Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":{resource}}}"#
        )
    }
    let table = [
        case("full arn", &[&grant(r#""arn:aws:execute-api:us-east-1:111111111111:abc123/prod/GET/orders""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet").by(&["G"]),
        case("full arn, other api", &[&grant(r#""arn:aws:execute-api:us-east-1:111111111111:zzz999/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("full arn, other region", &[&grant(r#""arn:aws:execute-api:eu-west-1:111111111111:abc123/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("full arn, other account", &[&grant(r#""arn:aws:execute-api:us-east-1:999999999999:abc123/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("full arn, wildcard region and account", &[&grant(r#""arn:aws:execute-api:*:*:abc123/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("full arn, ? in the api id", &[&grant(r#""arn:aws:execute-api:us-east-1:111111111111:abc12?/prod/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("shorthand", &[&grant(r#""execute-api:/prod/GET/orders""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("shorthand, other path", &[&grant(r#""execute-api:/prod/GET/orders""#)], "prod/GET/customers", ANON, ALLOW, PUBLIC, "owner"),
        case("shorthand, path is a prefix only", &[&grant(r#""execute-api:/prod/GET/orders""#)], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("shorthand all", &[&grant(r#""execute-api:/*""#)], "dev/PATCH/a/b/{c}", ANON, ALLOW, PUBLIC, "internet"),
        case("star spans slashes", &[&grant(r#""execute-api:/prod/*""#)], "prod/PUT/a/b/c/{d}", ANON, ALLOW, PUBLIC, "internet"),
        case("star verb", &[&grant(r#""execute-api:/prod/*/orders""#)], "prod/DELETE/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("star stage", &[&grant(r#""execute-api:/*/GET/orders""#)], "staging/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("? stage", &[&grant(r#""execute-api:/pro?/GET/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("? stage, wrong length", &[&grant(r#""execute-api:/pro?/GET/*""#)], "production/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("? verb", &[&grant(r#""execute-api:/prod/?ET/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("? verb, other verb", &[&grant(r#""execute-api:/prod/?ET/*""#)], "prod/POST/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("? in path", &[&grant(r#""execute-api:/prod/GET/order?""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("template matched by *", &[&grant(r#""execute-api:/prod/GET/orders/*""#)], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("greedy template matched by *", &[&grant(r#""execute-api:/prod/GET/admin/*""#)], "prod/GET/admin/{proxy+}", ANON, ALLOW, PUBLIC, "internet"),
        case("greedy template, one concrete instance granted", &[&grant(r#""execute-api:/prod/GET/admin/users/7""#)], "prod/GET/admin/{proxy+}", ANON, ALLOW, PUBLIC, "internet"),
        case("template, one concrete instance granted", &[&grant(r#""execute-api:/prod/GET/orders/42""#)], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("template, instance with a slash is not a value", &[&grant(r#""execute-api:/prod/GET/orders/4/2""#)], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("template needs a non-empty value", &[&grant(r#""execute-api:/prod/GET/orders/""#)], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("nested template", &[&grant(r#""execute-api:/prod/GET/orders/*/items""#)], "prod/GET/orders/{id}/items", ANON, ALLOW, PUBLIC, "internet"),
        case("root path", &[&grant(r#""execute-api:/prod/GET/""#)], "prod/GET/", ANON, ALLOW, PUBLIC, "internet"),
        case("resource list, one matches", &[&grant(r#"["execute-api:/dev/*","execute-api:/prod/GET/orders"]"#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("stage-scoped grant, granted stage", &[&grant(r#""execute-api:/dev/*""#)], "dev/POST/orders", ANON, ALLOW, PUBLIC, "internet"),
        case("stage-scoped grant, other stage", &[&grant(r#""execute-api:/dev/*""#)], "prod/POST/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("resource is case-sensitive", &[&grant(r#""execute-api:/prod/get/*""#)], "prod/GET/orders", ANON, ALLOW, PUBLIC, "owner"),
        case("deny on one instance does not cover the template", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/42"}"#], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "internet"),
        case("deny with * covers the template", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/*"}"#], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "owner"),
        case("deny with * covers the greedy template", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:111111111111:abc123/*/*/admin/*"}"#], "prod/PATCH/admin/{proxy+}", ANON, ALLOW, PUBLIC, "owner"),
        case("deny with ? does not cover the template", &[ALLOW_ALL, r#"{"Effect":"Deny","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/orders/?"}"#], "prod/GET/orders/{id}", ANON, ALLOW, PUBLIC, "internet"),
    ];
    run(&table);
}
