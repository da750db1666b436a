"""The QuickBooks Online Accounting API v3 client (reference: quickbooks-api.md)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from clients.transport import (
    BeforeRequest,
    OnCall,
    TokenSource,
    Transport,
    dumps,
    loads,
)

# Path names of the entities this server creates or reads.
RESOURCES = {
    "Customer": "customer", "Item": "item", "Vendor": "vendor", "Account": "account",
    "Term": "term", "PaymentMethod": "paymentmethod", "TaxCode": "taxcode",
    "Invoice": "invoice", "Estimate": "estimate", "SalesReceipt": "salesreceipt",
    "Payment": "payment", "Purchase": "purchase", "RefundReceipt": "refundreceipt",
}  # fmt: skip

# Where each transaction opens in the QuickBooks web app.
WEB_PAGES = {
    "Invoice": "invoice", "Estimate": "estimate", "SalesReceipt": "salesreceipt",
    "Payment": "recvpayment", "Purchase": "expense", "RefundReceipt": "refundreceipt",
}  # fmt: skip


class QuickBooksError(Exception):
    """A QuickBooks fault, carrying its code, message, detail and element."""

    def __init__(self, status: int, code: str, message: str, detail: str = "",
                 element: str = "", fault_type: str = "", intuit_tid: str = ""):
        super().__init__(f"QuickBooks {code or status}: {message} {detail}".strip())
        self.status = status
        self.code = code
        self.message = message
        self.detail = detail
        self.element = element or ""
        self.fault_type = fault_type
        self.intuit_tid = intuit_tid


class QuickBooksAuthError(QuickBooksError):
    """401: the access token was refused (even after one refresh)."""


class QuickBooksThrottled(QuickBooksError):
    """429 (code 3001): QuickBooks asks to wait 60 seconds."""

    retry_after = 60.0


def escape(value: str) -> str:
    """Quote a value for a QuickBooks query: backslash first, then apostrophe."""
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def transaction_url(environment: str, entity: str, txn_id: str) -> str:
    """A link to a transaction in the QuickBooks web app."""
    host = "app.sandbox.qbo.intuit.com" if environment == "sandbox" else "app.qbo.intuit.com"
    page = WEB_PAGES.get(entity, entity.lower())
    return f"https://{host}/app/{page}?txnId={quote(str(txn_id))}"


def fault_from(status: int, body: Any, tid: str) -> QuickBooksError:
    """Build the typed error from either fault envelope (Fault/Error or fault/error)."""
    fault = {}
    if isinstance(body, dict):
        fault = body.get("Fault") or body.get("fault") or {}
    errors = fault.get("Error") or fault.get("error") or [{}]
    first = errors[0] if errors else {}
    args = dict(
        status=status,
        code=str(first.get("code") or first.get("Code") or ""),
        message=str(first.get("Message") or first.get("message") or f"HTTP {status}"),
        detail=str(first.get("Detail") or first.get("detail") or ""),
        element=str(first.get("element") or first.get("Element") or ""),
        fault_type=str(fault.get("type") or ""),
        intuit_tid=tid,
    )
    if status == 429 or args["code"] == "3001":
        return QuickBooksThrottled(**args)
    if status == 401:
        return QuickBooksAuthError(**args)
    return QuickBooksError(**args)


class QuickBooksClient:
    """Calls one company's (realm's) API with a token source and a requestid per create."""

    def __init__(
        self,
        base_url: str,
        realm_id: str,
        tokens: TokenSource,
        *,
        minor_version: str = "75",
        timeout: float = 30.0,
        on_call: OnCall | None = None,
        before_request: BeforeRequest | None = None,
        attempts: int = 3,
        backoff: float = 0.5,
        session=None,
    ):
        self.base = f"{base_url.rstrip('/')}/v3/company/{realm_id}"
        self.realm_id = realm_id
        self.tokens = tokens
        self.minor_version = minor_version
        self.transport = Transport(
            "quickbooks", timeout=timeout, session=session, on_call=on_call,
            before_request=before_request, attempts=attempts, backoff=backoff,
        )  # fmt: skip

    # --- reads ---------------------------------------------------------------------------

    def query(self, statement: str) -> dict:
        """Run a SELECT; returns QueryResponse (no entity key when nothing matches)."""
        body = self._call(
            "POST", "/query", data=statement.encode(), content_type="application/text"
        )
        return body.get("QueryResponse") or {}

    def select(self, entity: str, where: str = "", max_results: int = 1000) -> list[dict]:
        """All entities matching a WHERE clause, paging 1000 at a time."""
        found: list[dict] = []
        start = 1
        while True:
            clause = f" WHERE {where}" if where else ""
            page = self.query(
                f"SELECT * FROM {entity}{clause} STARTPOSITION {start} MAXRESULTS {max_results}"
            ).get(entity, [])
            found.extend(page)
            if len(page) < max_results:
                return found
            start += max_results

    def read(self, entity: str, entity_id: str) -> dict:
        """Read one entity by Id."""
        return self._call("GET", f"/{RESOURCES[entity]}/{quote(str(entity_id))}")[entity]

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, list[dict]]:
        """Change data capture: {entity: [full objects changed since]} (≤ 30 days back)."""
        body = self._call("GET", "/cdc", content_type="text/plain",
                          params={"entities": ",".join(entities), "changedSince": changed_since})
        found: dict[str, list[dict]] = {name: [] for name in entities}
        for response in body.get("CDCResponse") or []:
            for page in response.get("QueryResponse") or []:
                for name in entities:
                    found[name].extend(page.get(name) or [])
        return found

    def company_info(self) -> dict:
        """CompanyInfo: name, country, address."""
        return self._call("GET", f"/companyinfo/{self.realm_id}")["CompanyInfo"]

    def preferences(self) -> dict:
        """Preferences: home currency, multicurrency, tax and numbering settings."""
        return self._call("GET", "/preferences")["Preferences"]

    # --- writes --------------------------------------------------------------------------

    def create(self, entity: str, body: dict, request_id: str, **params: str) -> dict:
        """Create an entity; the requestid makes a retried create replay, not duplicate."""
        answer = self._call(
            "POST", f"/{RESOURCES[entity]}", json_body=body, request_id=request_id, params=params
        )
        return answer[entity]

    def update(self, entity: str, body: dict, request_id: str) -> dict:
        """Sparse-update an entity (body carries Id and SyncToken)."""
        return self.create(entity, {**body, "sparse": True}, request_id)

    def send(self, entity: str, entity_id: str, request_id: str,
             send_to: str | None = None) -> dict:
        """Ask QuickBooks to email an Invoice or Estimate to the customer."""
        params = {"sendTo": send_to} if send_to else {}
        answer = self._call(
            "POST", f"/{RESOURCES[entity]}/{quote(str(entity_id))}/send",
            request_id=request_id, params=params, content_type="application/octet-stream",
        )  # fmt: skip
        return answer[entity]

    def batch(self, items: list[dict], request_id: str | None = None) -> list[dict]:
        """Run up to 30 batch items; returns BatchItemResponse in bId order."""
        if len(items) > 30:
            raise ValueError("QuickBooks batches hold at most 30 items")
        answer = self._call(
            "POST", "/batch", json_body={"BatchItemRequest": items}, request_id=request_id
        )
        return answer.get("BatchItemResponse", [])

    # --- transport -----------------------------------------------------------------------

    def _call(self, method: str, path: str, *, json_body: Any = None, data: bytes | None = None,
              content_type: str = "application/json", request_id: str | None = None,
              params: dict | None = None) -> dict:
        """One API call: refresh once on 401, map faults to typed errors."""
        query = {"minorversion": self.minor_version, **(params or {})}
        if request_id:
            query["requestid"] = request_id
        payload = dumps(json_body).encode() if json_body is not None else data
        token = self.tokens.access_token()
        for attempt in (1, 2):
            response = self.transport.send(
                method,
                self.base + path,
                log_path=f"/v3/company/{self.realm_id}{path}",
                params=query,
                data=payload,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                    "Content-Type": content_type,
                },
            )
            if response.status_code == 401 and attempt == 1:
                token = self.tokens.refresh(token)
                continue
            break
        tid = response.headers.get("intuit_tid", "")
        try:
            body = loads(response.text) if response.text else {}
        except ValueError:
            body = {}
        if response.status_code >= 400 or (isinstance(body, dict) and "Fault" in body):
            fault = fault_from(response.status_code, body, tid)
            refused = getattr(self.tokens, "refused_after_refresh", None)
            if isinstance(fault, QuickBooksAuthError) and attempt == 2 and refused is not None:
                refused(f"QuickBooks error {fault.code or 401}: {fault.message}")  # 3rd raises
            raise fault
        accepted = getattr(self.tokens, "accepted", None)
        if accepted is not None:
            accepted()
        return body
