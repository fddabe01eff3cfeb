"""Role trust paths into IAM-authenticated APIs (issue 11): one owner account per case.

Every owner account (811100000001..11) has the same two APIs, deployed: REST API `orders`
(GET /orders and POST /orders, both AWS_IAM, stage prod) and HTTP API `jobs` (GET /jobs and
POST /jobs, both AWS_IAM, stage $default). What differs is its IAM roles (and, in one case,
the REST API's resource policy). The trusted principals are accounts 8111900000NN, which are
never scanned: outsiders, unless the test names them with --trusted-accounts.

| account | roles | expected |
|---|---|---|
| 01 | partner-bridge (trusted by 811190000001, execute-api:Invoke on every API of the account), SecurityAudit (no execute-api), lambda-worker (lambda.amazonaws.com, every API) | writes via partner-bridge only |
| 02 | partner-reader (GET of stage prod of both APIs), other-api (another API's id) | nothing |
| 03 | chain-entry (trusted by 811190000003, may assume chain-invoker), chain-invoker (trusted by the owner account, every API) | writes via chain-entry->chain-invoker |
| 04 | open-to-all (Principal "*", with an external id) | writes and reads via any account |
| 05 | org-only (Principal "*" narrowed to organization o-8111foreign) | writes via the organization |
| 06 | gh-open (GitHub Actions OIDC, no sub) | writes and reads via web identity |
| 07 | gh-pinned (GitHub Actions OIDC, sub pinned to one repository) | nothing |
| 08 | bounded-bridge (every API, permissions boundary: GET only) | nothing |
| 09 | denied-bridge (every API), and a REST resource policy that denies it | the HTTP API's write only |
| 10 | sister-admin (trusted by 811190000005, AdministratorAccess-like policy) | writes, low with --trusted-accounts 811190000005 |
| 11 | the REST API and HTTP API of 01 with no role at all | nothing |

moto quirks (real AWS differs): AWS-managed policies are not loaded (attaching
`arn:aws:iam::aws:policy/AdministratorAccess` fails), so account 10 uses a customer-managed
copy and the real AWS-managed shape is pinned through the fault proxy; trust policies come back
as plain JSON while permission policies are URL-encoded (real AWS URL-encodes both);
`GetAccountAuthorizationDetails` ignores `MaxItems` (one page); the role the auditor assumes
need not exist in the account.
"""

import json

from build import http_api, rest_api
from seed import Aws

PARTNER = "811190000001"
CHAIN_PARTNER = "811190000003"
SISTER = "811190000005"
AUDITOR = "811190000009"
GITHUB = "token.actions.githubusercontent.com"


def owner(n):
    return f"8111000000{n:02d}"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trusted_by(principal, **extra):
    return doc({"Sid": "Trust", "Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra})


def invoke_every_api(account):
    return doc({"Sid": "InvokeEverything", "Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": f"arn:aws:execute-api:*:{account}:*/*/*/*"})


def make_role(aws, name, trust, inline=None, boundary=None):
    kwargs = {"RoleName": name, "AssumeRolePolicyDocument": trust}
    if boundary:
        kwargs["PermissionsBoundary"] = boundary
    aws.iam.create_role(**kwargs)
    if inline:
        aws.iam.put_role_policy(RoleName=name, PolicyName="access", PolicyDocument=inline)


def apis(aws, policy=None):
    """The two APIs every case has; returns their ids."""
    rest, _ = rest_api(aws, "orders", [
        ("/orders", "GET", "AWS_IAM"),
        ("/orders", "POST", "AWS_IAM"),
    ], policy=policy)
    http, _ = http_api(aws, "jobs", [("GET /jobs", "AWS_IAM"), ("POST /jobs", "AWS_IAM")])
    return rest, http


def github_provider(aws):
    return aws.iam.create_open_id_connect_provider(
        Url=f"https://{GITHUB}", ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )["OpenIDConnectProviderArn"]


def github_trust(provider_arn, sub=None):
    condition = {"StringEquals": {f"{GITHUB}:aud": "sts.amazonaws.com"}}
    if sub:
        condition["StringLike"] = {f"{GITHUB}:sub": sub}
    return doc({"Sid": "GitHubActions", "Effect": "Allow", "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})


def trust_estate(endpoint):
    ids = {}

    def case(n, policy=None):
        aws = Aws(endpoint, owner(n))
        rest, http = apis(aws, policy)
        ids[f"trust_{n:02d}_rest"] = rest
        ids[f"trust_{n:02d}_http"] = http
        return aws, rest, http

    # 01: a partner role that can call everything; beside it, the audit role and a service role.
    aws, _, _ = case(1)
    make_role(aws, "partner-bridge", trusted_by({"AWS": f"arn:aws:iam::{PARTNER}:root"}),
              invoke_every_api(owner(1)))
    make_role(aws, "SecurityAudit", trusted_by({"AWS": f"arn:aws:iam::{AUDITOR}:root"}),
              doc({"Effect": "Allow", "Action": ["apigateway:GET", "iam:Get*", "iam:List*"], "Resource": "*"}))
    make_role(aws, "lambda-worker", trusted_by({"Service": "lambda.amazonaws.com"}), invoke_every_api(owner(1)))

    # 02: reads only, and another API's id.
    aws, rest, http = case(2)
    make_role(aws, "partner-reader", trusted_by({"AWS": PARTNER}), doc({
        "Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": [f"arn:aws:execute-api:us-east-1:{owner(2)}:{rest}/prod/GET/*",
                     f"arn:aws:execute-api:us-east-1:{owner(2)}:{http}/$default/GET/*"]}))
    make_role(aws, "other-api", trusted_by({"AWS": PARTNER}), doc({
        "Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": f"arn:aws:execute-api:us-east-1:{owner(2)}:nosuchapi/*"}))

    # 03: a chain of two roles.
    aws, _, _ = case(3)
    make_role(aws, "chain-entry", trusted_by({"AWS": CHAIN_PARTNER}), doc({
        "Sid": "NextHop", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::{owner(3)}:role/chain-invoker"}))
    make_role(aws, "chain-invoker", trusted_by({"AWS": f"arn:aws:iam::{owner(3)}:root"}), invoke_every_api(owner(3)))

    # 04: Principal "*" (an external id narrows nothing).
    aws, _, _ = case(4)
    make_role(aws, "open-to-all", trusted_by({"AWS": "*"}, Condition={"StringEquals": {"sts:ExternalId": "shared-secret"}}),
              invoke_every_api(owner(4)))

    # 05: Principal "*" narrowed to an organization the scan does not know as its own.
    aws, _, _ = case(5)
    make_role(aws, "org-only", trusted_by("*", Condition={"StringEquals": {"aws:PrincipalOrgID": "o-8111foreign"}}),
              invoke_every_api(owner(5)))

    # 06 and 07: GitHub Actions, without and with a pinned subject.
    aws, _, _ = case(6)
    make_role(aws, "gh-open", github_trust(github_provider(aws)), invoke_every_api(owner(6)))
    aws, _, _ = case(7)
    make_role(aws, "gh-pinned", github_trust(github_provider(aws), "repo:my-org/orders:ref:refs/heads/main"),
              invoke_every_api(owner(7)))

    # 08: a permissions boundary that keeps only reads.
    aws, rest, http = case(8)
    boundary = aws.iam.create_policy(PolicyName="reads-only", PolicyDocument=doc({
        "Effect": "Allow", "Action": "execute-api:Invoke",
        "Resource": [f"arn:aws:execute-api:us-east-1:{owner(8)}:{rest}/prod/GET/*",
                     f"arn:aws:execute-api:us-east-1:{owner(8)}:{http}/$default/GET/*"]}))["Policy"]["Arn"]
    make_role(aws, "bounded-bridge", trusted_by({"AWS": PARTNER}), invoke_every_api(owner(8)), boundary=boundary)

    # 09: the REST API's resource policy denies the role (the HTTP API has no resource policy).
    deny = json.loads(doc(
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:role/partner-reader"},
         "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/*"},
        {"Sid": "NotTheBridge", "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{owner(9)}:role/denied-bridge"},
         "Action": "execute-api:Invoke", "Resource": "execute-api:/*"},
    ))
    aws, _, _ = case(9, policy=deny)
    make_role(aws, "denied-bridge", trusted_by({"AWS": PARTNER}), invoke_every_api(owner(9)))

    # 10: an administration role of another account of the organization.
    aws, _, _ = case(10)
    admin = aws.iam.create_policy(PolicyName="AdministratorAccess", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"}))["Policy"]["Arn"]
    make_role(aws, "sister-admin", trusted_by({"AWS": f"arn:aws:iam::{SISTER}:root"}))
    aws.iam.attach_role_policy(RoleName="sister-admin", PolicyArn=admin)

    # 11: no role at all (the fault proxy hands the auditor a real AWS-shaped listing here).
    case(11)
    return ids


def register(estate):
    estate("trust")(trust_estate)
