"""Tokens and secrets never appear in the database as plaintext, in a log line, or on a page."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from sqlalchemy import select as select_rows
from sqlalchemy import update
from sqlmodel import select

import store
from observability import logs
from store import Portal, QuickBooksConnection, utcnow
from tests.support.crm import contact, line, make_deal, outputs
from tests.support.oauth import Browser, connect, install

FRESH_REALM = "9130350000000555"


def database_text(db) -> str:
    """Every row of every table, as text."""
    parts = []
    with db.engine.connect() as conn:
        for table in store.metadata().sorted_tables:
            parts.extend(repr(tuple(row)) for row in conn.execute(select_rows(table)))
    return "\n".join(parts)


def expire_every_access_token(db) -> None:
    """Make the next call of every connection and portal refresh first."""
    past = utcnow() - timedelta(hours=2)
    with db.session() as s:
        s.exec(update(QuickBooksConnection).values(access_expires_at=past))
        s.exec(update(Portal).values(token_expires_at=past))


def test_no_secret_reaches_the_database_a_log_line_or_a_page(tenants, harvest, caplog):
    world, db = tenants, tenants.runtime.db
    harvest.seen |= harvest.stored()  # the tokens stored before the harvest started
    caplog.set_level(logging.DEBUG)
    ours = io.StringIO()
    handler = logs.handler(ours)
    logging.getLogger().addHandler(handler)
    pages: list[str] = []
    try:
        # both OAuth flows, through the browser (authorization codes travel in URLs)
        world.quickbooks.add_company(FRESH_REALM, "Fresh Co", "US", "USD")
        browser = Browser(world.app.test_client())
        install(browser, world.portal_id)
        connect(browser, FRESH_REALM)
        pages += [f"{status} {location} {body}" for status, location, body in browser.seen]

        # executions: a success, a failure, then again after every access token expired
        deal = make_deal(world, [line("Consulting", "150.00", "2", sku="CONS-H")],
                         contact(world))  # fmt: skip
        company = {"quickbooks_company": "9130350000000001"}
        assert outputs(world.execute("create-invoice", "DEAL", deal, company))["result"] == (
            "created"
        )
        orphan = make_deal(world, [line("Consulting", "150.00", "1", sku="CONS-H")], None)
        world.execute("create-invoice", "DEAL", orphan, company)
        expire_every_access_token(db)
        world.quickbooks.faults.add("expire_token", count=1)  # and a 401 mid-run: refresh on 401
        again = make_deal(world, [line("Consulting", "150.00", "3", sku="CONS-H")],
                          contact(world))  # fmt: skip
        assert outputs(world.execute("create-invoice", "DEAL", again, company))["result"] == (
            "created"
        )
        assert world.quickbooks.refresh_counts, "no QuickBooks refresh happened"
        # a revoked refresh token: the failure message must not quote it
        with db.session() as s:
            row = s.exec(select(QuickBooksConnection).where(
                QuickBooksConnection.realm_id == company["quickbooks_company"],
                QuickBooksConnection.portal_id == world.portal_id)).first()  # fmt: skip
            refresh_token = world.runtime.cipher.decrypt(row.refresh_token)
        world.quickbooks.oauth.revoke(refresh_token)
        expire_every_access_token(db)
        third = make_deal(world, [line("Consulting", "150.00", "4", sku="CONS-H")],
                          contact(world))  # fmt: skip
        failed = world.execute("create-invoice", "DEAL", third, company)
        assert outputs(failed)["error_code"] == "QUICKBOOKS_RECONNECT_REQUIRED"
        pages.append(failed.get_data(as_text=True))

        # every dashboard page of the signed-in browser, and the public documents
        with db.session() as s:
            ids = s.exec(select(store.Execution.id)).all()
        for path in ["/", "/executions", "/executions.csv", "/connections", "/signin",
                     *[f"/executions/{i}" for i in ids], "/metrics", "/openapi.json",
                     f"/oauth/quickbooks/disconnected?realmId={FRESH_REALM}"]:  # fmt: skip
            answer = browser.get(path)
            pages.append(f"{answer.status_code} {answer.headers} {answer.get_data(as_text=True)}")
    finally:
        logging.getLogger().removeHandler(handler)

    secrets = harvest.secrets()
    assert len(secrets) >= 12, secrets  # several generations of tokens, codes, client secrets
    stored = database_text(db)
    logged = caplog.text + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records
    ) + ours.getvalue()
    shown = "\n".join(pages)
    assert "hubqbo.executions" in ours.getvalue()  # the logs did cover the executions
    assert any("/executions/" in p for p in pages)
    for secret in secrets:
        assert secret not in stored, "a secret is stored in plaintext"
        assert secret not in logged, "a secret reached a log line"
        assert secret not in shown, "a secret reached a page"
