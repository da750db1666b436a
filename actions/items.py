"""Match each line to a QuickBooks item: SKU, then name, then create, then the fallback item.

Lookups are batched — one ``Sku IN (...)`` query for every uncached SKU and one ``Name IN (...)``
query for every line still unmatched — and cached per company (``lookups``), so a warm invoice
resolves its items without calling QuickBooks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from actions import lookups, names, rejections
from actions.lookups import Found
from actions.resolve import SourceLine
from clients.quickbooks import QuickBooksError
from failures import ActionFailed

SELLABLE = frozenset({"Service", "NonInventory", "Inventory", "Other Charge", "Bundle", "Group"})
QUERY_CHUNK = 50  # values per IN (...) list, to keep each query well under URL/body limits


@dataclass(frozen=True)
class Match:
    """The QuickBooks item a line is billed on, and how it was found."""

    line: SourceLine
    item: Found
    matched_by: str  # sku | name | created | fallback


def resolve_items(ctx, lines: list[SourceLine], currency: str = "") -> list[Match]:
    """Every line's item, in line order; raises UNMATCHED_PRODUCTS naming all unmatched lines.

    Reads ``create_missing_products``, ``income_account`` and ``fallback_item`` from
    ``ctx.inputs``. Each created item is an exactly-once step ("item:<key>").
    """
    cache = lookups.for_company(ctx.settings.quickbooks_api_base, ctx.connection.realm_id)
    fallback = str(ctx.inputs.get("fallback_item") or "").strip()
    found: dict[str, tuple[Found, str]] = {}

    for line in lines:
        if line.item_hint:
            found[line.key] = (Found(line.item_hint, ""), "chosen")
        elif line.fallback_first and fallback:
            found[line.key] = (Found(fallback, ""), "fallback")
        elif line.fallback_first:
            # A line-less payment (or refund) never creates a product (SPEC §7).
            raise ActionFailed(
                "FALLBACK_ITEM_REQUIRED",
                f"{line.name or 'This record'} has no line items: its amount is booked on the "
                "'Fallback item', which is not set. Choose a fallback item in the action.",
            )
    _match_skus(ctx, cache, [ln for ln in lines if ln.key not in found], found)
    _match_names(ctx, cache, [ln for ln in lines if ln.key not in found], found)

    missing = [ln for ln in lines if ln.key not in found]
    if missing and ctx.inputs.get("create_missing_products"):
        for line in missing:
            found[line.key] = _create(ctx, cache, line, currency, fallback)
    elif missing and fallback:
        for line in missing:
            found[line.key] = (Found(fallback, ""), "fallback")
    elif missing:
        listed = "; ".join(_describe(ln) for ln in missing)
        raise ActionFailed(
            "UNMATCHED_PRODUCTS",
            f"{len(missing)} line item(s) match no QuickBooks product or service: {listed}. "
            "Give them the QuickBooks SKU or exact name, turn on 'Create missing products', or "
            "choose a fallback item.",
        )
    return [Match(line, *found[line.key]) for line in lines]


def _describe(line: SourceLine) -> str:
    label = repr(line.name or f"line item {line.key}")
    return f"{label} (SKU {line.sku})" if line.sku else label


def _sellable(row: dict) -> bool:
    return row.get("Active", True) is not False and row.get("Type", "Service") in SELLABLE


def _select_in(ctx, column: str, values: list[str]) -> list[dict]:
    """Active items whose ``column`` may be one of ``values`` (one query per 50 plain values;
    see lookups.select_values for names QuickBooks' query lexer rejects)."""
    rows = lookups.select_values(ctx.quickbooks, "Item", column, values, QUERY_CHUNK)
    return [r for r in rows if _sellable(r)]


def _match_skus(ctx, cache, lines: list[SourceLine], found: dict) -> None:
    """Match by SKU: the cache first, then one query for the rest."""
    asking = []
    for line in lines:
        if not line.sku:
            continue
        hit = cache.items_by_sku.get(lookups.fold(line.sku))
        if hit:
            found[line.key] = (hit, "sku")
        else:
            asking.append(line)
    skus = list(dict.fromkeys(line.sku for line in asking))
    if not skus:
        return
    rows = _select_in(ctx, "Sku", skus)
    by_sku = {}
    for row in rows:
        sku = row.get("Sku")
        # Some answers leave Sku out unless asked for; a single-SKU question is unambiguous.
        key = lookups.fold(sku) if sku else (lookups.fold(skus[0]) if len(skus) == 1 else None)
        if key and key not in by_sku:
            by_sku[key] = Found(str(row["Id"]), str(row.get("Name", "")))
    cache.items_by_sku.update(by_sku)
    for line in asking:
        hit = by_sku.get(lookups.fold(line.sku))
        if hit:
            found[line.key] = (hit, "sku")


def _name_variants(name: str) -> list[str]:
    """The spellings to ask for: as HubSpot has it and as QuickBooks would store it."""
    cleaned = names.clean(name, names.ITEM_NAME_MAX)
    return list(dict.fromkeys(v for v in (name.strip(), cleaned) if v))


def _match_names(ctx, cache, lines: list[SourceLine], found: dict) -> None:
    """Match by exact name, case-insensitively: the cache first, then one query for the rest."""
    asking = []
    for line in lines:
        if not line.name:
            continue
        hit = cache.items_by_name.get(lookups.fold(line.name)) or cache.items_by_name.get(
            lookups.fold(names.clean(line.name, names.ITEM_NAME_MAX))
        )
        if hit:
            found[line.key] = (hit, "name")
        else:
            asking.append(line)
    wanted = list(dict.fromkeys(v for line in asking for v in _name_variants(line.name)))
    if not wanted:
        return
    by_name = {}
    for row in _select_in(ctx, "Name", wanted):
        by_name.setdefault(
            lookups.fold(str(row.get("Name", ""))), Found(str(row["Id"]), str(row.get("Name", "")))
        )
    cache.items_by_name.update(by_name)
    for line in asking:
        hit = by_name.get(lookups.fold(line.name)) or by_name.get(
            lookups.fold(names.clean(line.name, names.ITEM_NAME_MAX))
        )
        if hit:
            found[line.key] = (hit, "name")


def income_account(ctx, cache) -> Found:
    """The income account for new items: the action's choice, else the first Income account."""
    chosen = str(ctx.inputs.get("income_account") or "").strip()
    if chosen:
        return Found(chosen, "")
    if cache.income_account is None:
        rows = ctx.quickbooks.select("Account", "AccountType = 'Income'")
        rows = [r for r in rows if r.get("Active", True) is not False]
        if not rows:
            raise ActionFailed(
                "INVALID_ACCOUNT",
                "This QuickBooks company has no Income account for new products: create one or "
                "choose 'Income account for new items'.",
            )
        first = min(rows, key=lambda r: int(r["Id"]) if str(r["Id"]).isdigit() else 0)
        cache.income_account = Found(str(first["Id"]), str(first.get("Name", "")))
    return cache.income_account


def _create(ctx, cache, line: SourceLine, currency: str, fallback: str) -> tuple[Found, str]:
    """Create a Service item for a line (exactly once per step), or reuse one made earlier.

    A name QuickBooks already holds (6240) is looked up again: an active item of that name
    (created meanwhile by a concurrent execution) is used; an inactive one falls back to
    ``fallback_item`` when set, else fails DUPLICATE_NAME.
    """
    name = (
        names.clean(line.name, names.ITEM_NAME_MAX)
        or names.clean(line.sku, names.ITEM_NAME_MAX)
        or f"HubSpot line item {line.key}"
    )
    key = lookups.fold(line.sku) if line.sku else lookups.fold(name)
    step = "item:" + hashlib.sha1(key.encode()).hexdigest()[:16]
    done = ctx.step_done(step)
    if done:
        return Found(done["id"], done["name"]), "created"
    hit = cache.items_by_name.get(lookups.fold(name))
    if hit:  # an earlier line of this sale created it
        return hit, "created"
    body: dict = {
        "Name": name,
        "Type": "Service",
        "IncomeAccountRef": {"value": income_account(ctx, cache).id},
    }
    if line.sku:
        body["Sku"] = names.clean(line.sku, names.SKU_MAX)
    if line.description and line.description != line.name:
        body["Description"] = names.cut(line.description, names.DESCRIPTION_MAX)
    if currency in ("", ctx.connection.home_currency):
        body["UnitPrice"] = line.unit_price  # the default price is in the home currency
    try:
        created = ctx.quickbooks.create("Item", body, ctx.request_id(step))
    except QuickBooksError as exc:
        if not rejections.is_business_fault(exc):
            raise
        if exc.code != "6240":
            raise rejections.failure(exc, entity="item") from exc
        # Another execution may have just created it: look again and use the active one.
        raced = _select_in(ctx, "Name", [name])
        if raced:
            item = Found(str(raced[0]["Id"]), str(raced[0].get("Name", name)))
            ctx.record_step(step, {"id": item.id, "name": item.name})
            cache.items_by_name[lookups.fold(item.name)] = item
            return item, "name"
        if fallback:
            return Found(fallback, ""), "fallback"
        raise ActionFailed(
            "DUPLICATE_NAME",
            f"QuickBooks already has a product or service named {name!r} (perhaps inactive): "
            f"reactivate or rename it. {rejections.describe(exc)}",
        ) from exc
    item = Found(str(created["Id"]), str(created.get("Name", name)))
    ctx.record_step(step, {"id": item.id, "name": item.name})
    cache.items_by_name[lookups.fold(item.name)] = item
    if line.sku:
        cache.items_by_sku[lookups.fold(line.sku)] = item
    return item, "created"
