"""An emulator of the QuickBooks Online Accounting API v3 and Intuit OAuth 2.0.

One Flask app plays every Intuit host (``/connect/oauth2``, ``/oauth2/v1/tokens/bearer``,
``/v2/oauth2/tokens/revoke``, ``/v3/company/<realm>/...``) and enforces the rules in
``/work/shared/reference/quickbooks-api.md``::

    emu = QuickBooksEmulator(client_id="qbo-client", client_secret="qbo-secret")
    company = emu.add_company(realm_id="9130350000000001", name="Demo US LLC")
    tokens = emu.issue_tokens(company.realm_id)
    client = emu.app.test_client()
"""

from .company import Company
from .emulator import EmulatorConfig, QuickBooksEmulator

__all__ = ["Company", "EmulatorConfig", "QuickBooksEmulator"]
