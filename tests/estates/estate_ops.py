"""Estates of the operations tests: suppressions and the baseline (tests/integration/ops.rs).

Each is an HTTP API whose routes have no authorizer (every route is open to the internet), in
an account of its own:
- `ops-suppress` (810000000001): GET /reports, POST /reports and GET /admin, for entries that
  match, expire and go stale;
- `ops-baseline` (810000000002): GET /orders and POST /orders, the estate a team adopts the
  tool on; `ops-baseline-new` later adds DELETE /items in a second API of the same account, the
  new exposure the baseline must not hide.
"""

from build import http_api
from seed import Aws

SUPPRESS_ACCOUNT = "810000000001"
BASELINE_ACCOUNT = "810000000002"


def suppress_estate(endpoint):
    aws = Aws(endpoint, SUPPRESS_ACCOUNT)
    api, _ = http_api(aws, "reports-api", [
        ("GET /reports", "NONE"),
        ("POST /reports", "NONE"),
        ("GET /admin", "NONE"),
    ])
    return {"suppress_api": api}


def baseline_estate(endpoint):
    aws = Aws(endpoint, BASELINE_ACCOUNT)
    api, _ = http_api(aws, "legacy-api", [
        ("GET /orders", "NONE"),
        ("POST /orders", "NONE"),
    ])
    return {"baseline_api": api}


def baseline_new_exposure(endpoint):
    aws = Aws(endpoint, BASELINE_ACCOUNT)
    api, _ = http_api(aws, "new-api", [("DELETE /items", "NONE")])
    return {"new_api": api}


def register(estate):
    estate("ops-suppress")(suppress_estate)
    estate("ops-baseline")(baseline_estate)
    estate("ops-baseline-new")(baseline_new_exposure)
