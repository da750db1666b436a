"""Around every call: requestid replay, throttles, injected faults, batch, calls, latency."""

from __future__ import annotations

import base64
from decimal import Decimal

import pytest

from emulators.clock import Clock
from emulators.quickbooks import QuickBooksEmulator

REALM = "9130350000000001"


class FrozenClock(Clock):
    """A clock that only moves when told to, for exact window arithmetic."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch = 1_750_000_000.0

    def now(self) -> float:
        return self.epoch

    def advance(self, seconds: float) -> None:
        self.epoch += seconds


@pytest.fixture
def frozen(qbo_api_for):
    """An emulator on a frozen clock with the real default throttles, and its client."""
    emulator = QuickBooksEmulator(clock=FrozenClock())
    emulator.add_company(REALM, "Demo US LLC")
    return emulator, qbo_api_for(emulator, REALM)


def customers(emulator):
    return len(emulator.companies[REALM].entities("Customer"))


# -- requestid --

def test_requestid_replays_the_first_response_byte_for_byte(qbo, qbo_us):
    before = customers(qbo)
    first = qbo_us.post("customer", {"DisplayName": "Replay Co"}, requestid="req-1")
    second = qbo_us.post("customer", {"DisplayName": "Replay Co"}, requestid="req-1")
    assert first.status == second.status == 200
    assert second.data == first.data
    assert customers(qbo) == before + 1


def test_requestid_replays_errors_too_and_is_per_realm(qbo, qbo_us, qbo_api_for):
    bad = qbo_us.post("customer", {"CompanyName": "no name"}, requestid="req-2")
    fixed = qbo_us.post("customer", {"DisplayName": "Fixed Co"}, requestid="req-2")
    assert (bad.status, fixed.status) == (400, 400)
    assert fixed.data == bad.data
    qbo.add_company("9130350000000002", "Other", country="CA")
    other = qbo_api_for(qbo, "9130350000000002")
    assert other.post("customer", {"DisplayName": "Fixed Co"}, requestid="req-2").status == 200


def test_requestid_longer_than_50_is_rejected(qbo_us):
    result = qbo_us.post("customer", {"DisplayName": "Long"}, requestid="x" * 51)
    assert result.fault_code == "6000"
    assert "more than 50 characters" in result.error["Detail"]


def test_without_requestid_a_resend_duplicates(qbo, qbo_us):
    before = len(qbo.companies[REALM].entities("Invoice"))
    item = qbo_us.find("Item", Name="Consulting")["Id"]
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")["Id"]
    body = {"CustomerRef": {"value": customer},
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 10,
                      "SalesItemLineDetail": {"ItemRef": {"value": item}}}]}
    qbo_us.post("invoice", body)
    qbo_us.post("invoice", body)
    assert len(qbo.companies[REALM].entities("Invoice")) == before + 2


# -- throttles --

def test_eleventh_request_in_a_second_is_429_3001(frozen):
    emulator, api = frozen
    statuses = [api.get("preferences").status for _ in range(10)]
    assert statuses == [200] * 10
    throttled = api.get("preferences")
    assert throttled.status == 429
    assert throttled.json["Fault"] == {
        "Error": [{"Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                   "Detail": "The request limit was reached.  Try again later",
                   "code": "3001", "element": ""}],
        "type": "SERVICE"}
    assert "time" in throttled.json
    response = api.client.get(f"/v3/company/{REALM}/preferences",
                              headers={"Authorization": f"Bearer {api.token}"})
    assert "Retry-After" not in response.headers


def test_window_slides_rather_than_resetting(frozen):
    emulator, api = frozen
    for _ in range(5):
        assert api.get("preferences").status == 200
    emulator.clock.advance(0.6)
    for _ in range(5):
        assert api.get("preferences").status == 200
    assert api.get("preferences").status == 429
    emulator.clock.advance(0.5)  # the first five are now more than a second old
    assert [api.get("preferences").status for _ in range(6)] == [200] * 5 + [429]


def test_never_more_than_per_second_in_any_second(frozen):
    emulator, api = frozen
    admitted = []
    for step in range(120):
        if api.get("preferences").status == 200:
            admitted.append(step * 0.04)
        emulator.clock.advance(0.04)
    assert all(sum(1 for t in admitted if start <= t < start + 1) <= 10
               for start in admitted)
    assert len(admitted) >= 40


def test_per_minute_limit(frozen):
    emulator, api = frozen
    emulator.config.per_minute = 15
    statuses = []
    for _ in range(20):
        statuses.append(api.get("preferences").status)
        emulator.clock.advance(1)
    assert statuses.count(200) == 15 and statuses[15:] == [429] * 5
    emulator.clock.advance(41)
    assert api.get("preferences").status == 200


def test_throttled_requests_do_not_execute(frozen):
    emulator, api = frozen
    emulator.config.per_second = 1
    assert api.post("customer", {"DisplayName": "One"}).status == 200
    assert api.post("customer", {"DisplayName": "Two"}).status == 429
    assert "Two" not in [c["DisplayName"] for c in emulator.companies[REALM].entities("Customer")]


def test_batches_have_their_own_per_minute_limit(frozen):
    emulator, api = frozen
    emulator.config.batch_per_minute = 2
    batch = {"BatchItemRequest": [{"bId": "1", "Query": "SELECT * FROM Term"}]}
    statuses = []
    for _ in range(3):
        statuses.append(api.post("batch", batch).status)
        emulator.clock.advance(1)
    assert statuses == [200, 200, 429]
    assert api.get("preferences").status == 200


# -- batch --

def test_batch_runs_creates_queries_and_reports_faults_per_item(qbo, qbo_us):
    item = qbo_us.find("Item", Name="Consulting")["Id"]
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")["Id"]
    invoice = {"CustomerRef": {"value": customer},
               "Line": [{"DetailType": "SalesItemLineDetail", "Amount": Decimal("300.00"),
                         "SalesItemLineDetail": {"ItemRef": {"value": item}, "Qty": 2,
                                                 "UnitPrice": Decimal("150")}}]}
    bad = {"CustomerRef": {"value": "999999"}, "Line": invoice["Line"]}
    result = qbo_us.post("batch", {"BatchItemRequest": [
        {"bId": "b1", "operation": "create", "Invoice": invoice},
        {"bId": "b2", "Query": "SELECT * FROM Customer WHERE DisplayName = 'Globex Corporation'"},
        {"bId": "b3", "operation": "create", "Invoice": bad},
        {"bId": "b4", "operation": "create", "Customer": {"DisplayName": "Batch Co"}},
        {"bId": "b5", "Query": "SELECT * FROM Customer WHERE DisplayName = 'Batch Co'"},
        {"bId": "b6", "operation": "delete", "Customer": {"Id": customer, "SyncToken": "0"}},
    ]})
    assert result.status == 200
    items = {entry["bId"]: entry for entry in result.json["BatchItemResponse"]}
    assert items["b1"]["Invoice"]["TotalAmt"] == Decimal("300.00")
    assert items["b2"]["QueryResponse"]["Customer"][0]["Id"] == customer
    assert items["b3"]["Fault"]["Error"][0]["code"] == "2500"
    assert items["b3"]["Fault"]["type"] == "ValidationFault"
    assert items["b4"]["Customer"]["DisplayName"] == "Batch Co"
    # A later item does not see what an earlier item of the same batch created.
    assert items["b5"]["QueryResponse"] == {}
    assert items["b6"]["Fault"]["Error"][0]["code"] == "500"
    assert qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'Batch Co'")


def test_batch_of_more_than_30_is_rejected(qbo_us):
    items = [{"bId": str(n), "Query": "SELECT * FROM Term"} for n in range(31)]
    result = qbo_us.post("batch", {"BatchItemRequest": items})
    assert result.status == 400
    assert result.fault_code == "6000"
    assert "30" in result.error["Detail"]
    assert qbo_us.post("batch", {"BatchItemRequest": items[:30]}).status == 200


def test_batch_allows_duplicate_doc_numbers_via_options(qbo_us):
    item = qbo_us.find("Item", Name="Consulting")["Id"]
    customer = qbo_us.find("Customer", DisplayName="Globex Corporation")["Id"]
    body = {"CustomerRef": {"value": customer}, "DocNumber": "D-1",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": 1,
                      "SalesItemLineDetail": {"ItemRef": {"value": item}}}]}
    qbo_us.create("invoice", body)
    result = qbo_us.post("batch", {"BatchItemRequest": [
        {"bId": "1", "operation": "create", "Invoice": body},
        {"bId": "2", "operation": "create", "Invoice": body,
         "optionsData": "allowduplicatedocnum"}]})
    first, second = result.json["BatchItemResponse"]
    assert first["Fault"]["Error"][0]["code"] == "6140"
    assert second["Invoice"]["DocNumber"] == "D-1"


# -- faults --

def test_error_500_does_not_execute(qbo, qbo_us):
    qbo.faults.add("error_500", match=f"POST /v3/company/{REALM}/customer")
    result = qbo_us.post("customer", {"DisplayName": "Faulted"})
    assert result.status == 500
    assert result.json["Fault"]["type"] == "SystemFault"
    assert not qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'Faulted'")
    assert qbo_us.post("customer", {"DisplayName": "Faulted"}).status == 200


def test_lose_response_commits_and_a_retry_replays_the_success(qbo, qbo_us):
    qbo.faults.add("lose_response", match="/customer")
    lost = qbo_us.post("customer", {"DisplayName": "Lost Answer"}, requestid="r-lost")
    assert lost.status == 502 and lost.json is None
    (stored,) = qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'Lost Answer'")
    retry = qbo_us.post("customer", {"DisplayName": "Lost Answer"}, requestid="r-lost")
    assert retry.status == 200
    assert retry.json["Customer"]["Id"] == stored["Id"]
    assert len(qbo_us.rows("SELECT * FROM Customer WHERE DisplayName = 'Lost Answer'")) == 1


def test_timeout_sleeps_then_504(qbo, qbo_us):
    qbo.config.timeout_sleep = 0.05
    qbo.faults.add("timeout")
    result = qbo_us.post("customer", {"DisplayName": "Slow"})
    assert result.status == 504
    assert qbo_us.post("customer", {"DisplayName": "Slow"}).status == 200


def test_throttle_fault(qbo, qbo_us):
    qbo.faults.add("throttle", count=2)
    assert [qbo_us.get("preferences").status for _ in range(3)] == [429, 429, 200]


def test_expire_token_fault_expires_the_token(qbo, qbo_us):
    qbo.faults.add("expire_token")
    first = qbo_us.get("preferences")
    assert first.status == 401
    assert first.json["fault"]["error"][0]["code"] == "3200"
    assert qbo_us.get("preferences").status == 401
    fresh = qbo.issue_tokens(REALM)["access_token"]
    assert qbo_us.call("GET", "preferences", token=fresh).status == 200


def test_faults_match_only_their_target(qbo, qbo_us):
    qbo.faults.add("error_500", match="POST /v3/company/1/invoice")
    assert qbo_us.get("preferences").status == 200
    assert qbo.faults.pending() == [{"kind": "error_500", "match": "POST /v3/company/1/invoice",
                                     "count": 1}]
    with pytest.raises(ValueError):
        qbo.faults.add("explode")


def test_random_faults_at_a_rate(qbo, qbo_us):
    qbo.faults.rate("error_500", 0.5, seed=7)
    statuses = [qbo_us.get("preferences").status for _ in range(40)]
    assert 5 < statuses.count(500) < 35
    qbo.faults.rate("error_500", 0)
    assert qbo_us.get("preferences").status == 200


def test_lost_refresh_response_still_rotated_the_token(qbo):
    client = qbo.app.test_client()
    basic = "Basic " + base64.b64encode(b"qbo-client:qbo-secret").decode()
    tokens = qbo.issue_tokens(REALM)
    qbo.faults.add("lose_response", match="POST /oauth2/v1/tokens/bearer")
    form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
    lost = client.post("/oauth2/v1/tokens/bearer", data=form, headers={"Authorization": basic})
    assert lost.status_code == 502
    assert qbo.refresh_counts == {REALM: 1}
    # The old refresh token is within its 24 h grace, so a retry recovers.
    retry = client.post("/oauth2/v1/tokens/bearer", data=form, headers={"Authorization": basic})
    assert retry.status_code == 200


# -- calls log and latency --

def test_calls_are_recorded(qbo, qbo_us):
    qbo.reset_calls()
    qbo_us.get("preferences", minorversion="75")
    qbo_us.post("customer", {"CompanyName": "no name"}, requestid="abc")
    calls = qbo.calls
    assert [(c["method"], c["path"], c["status"]) for c in calls] == [
        ("GET", f"/v3/company/{REALM}/preferences", 200),
        ("POST", f"/v3/company/{REALM}/customer", 400)]
    assert calls[0]["query"] == {"minorversion": "75"}
    assert calls[0]["minorversion"] == "75"
    assert calls[1]["requestid"] == "abc"
    assert all(c["realm_id"] == REALM for c in calls)
    qbo.reset_calls()
    assert qbo.calls == []


def test_company_info_and_preferences(qbo, qbo_us, qbo_ca):
    info = qbo_us.get(f"companyinfo/{REALM}").json["CompanyInfo"]
    assert (info["CompanyName"], info["Country"]) == ("Demo US LLC", "US")
    prefs = qbo_us.get("preferences", minorversion="75").json["Preferences"]
    assert prefs["CurrencyPrefs"] == {"MultiCurrencyEnabled": False,
                                      "HomeCurrency": {"value": "USD"}}
    assert prefs["TaxPrefs"]["PartnerTaxEnabled"] is True
    assert prefs["SalesFormsPrefs"]["CustomTxnNumbers"] is False
    ca_prefs = qbo_ca.get("preferences").json["Preferences"]
    assert ca_prefs["CurrencyPrefs"]["HomeCurrency"] == {"value": "CAD"}
    assert ca_prefs["TaxPrefs"]["PartnerTaxEnabled"] is False
    assert qbo_ca.get(f"companyinfo/{qbo_ca.realm_id}").json["CompanyInfo"]["Country"] == "CA"
