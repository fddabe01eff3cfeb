"""An AWS Organization, for `audit --organization`.

moto keeps organizations per account: the organization is created by the default account
(123456789012), which is where calls signed with the tests' plain keys land, so the auditor's
caller is the management account. Member account ids are random in moto (create_account), so
the seeder prints them. One member gets an unauthenticated POST; one is closed (SUSPENDED).

moto quirk: ListAccounts from a member account returns an empty list, not an error (the
auditor treats an empty organization as an error for that reason).
"""

import boto3
from botocore.config import Config

from build import rest_api
from seed import Aws


def org_estate(endpoint):
    plain = boto3.session.Session(aws_access_key_id="org-seed", aws_secret_access_key="org-seed",
                                  region_name="us-east-1")
    org = plain.client("organizations", endpoint_url=endpoint, config=Config(retries={"max_attempts": 2}))
    try:
        org.create_organization(FeatureSet="ALL")
    except org.exceptions.AlreadyInOrganizationException:
        pass
    ids = {}
    for name in ("member-open", "member-clean", "member-closed"):
        status = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        ids[name] = status["AccountId"]
    org.close_account(AccountId=ids["member-closed"])
    open_member = Aws(endpoint, ids["member-open"])
    ids["open_api"], _ = rest_api(open_member, "org-open", [("/jobs", "POST", "NONE")])
    # Emulator credentials (not secrets) of a member, for the test that asks from a member.
    creds = Aws(endpoint, ids["member-clean"]).session.get_credentials()
    ids["member_clean_credentials"] = [creds.access_key, creds.secret_key, creds.token]
    return ids


def register(estate):
    estate("org")(org_estate)
