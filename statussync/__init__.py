"""QuickBooks invoice status back on the HubSpot deal (SPEC §10).

Layering: web/jobs → statussync → clients, store. Webhook events are recorded first
(``webhooks``), settled later (``settle``: one CDC call or one read per changed invoice), and
the deal properties (``properties``) are written only when they changed (``deals``).
"""
