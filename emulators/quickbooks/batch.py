"""The batch endpoint: up to 30 creates, updates or queries run one after another."""

from __future__ import annotations

import copy

from . import entities, errors, query
from .company import Company
from .errors import QboError

MAX_ITEMS = 30
_ITEM_KEYS = frozenset({"bId", "operation", "optionsData", "Query"})


def run(company: Company, payload, strict_schema: bool) -> dict:
    """Answer a ``BatchItemRequest``; item failures become per-item Faults."""
    items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required_missing("BatchItemRequest")
    if len(items) > MAX_ITEMS:
        raise errors.business(
            f"The maximum number of payloads in a single BatchItemRequest is {MAX_ITEMS}; "
            f"this request has {len(items)}.", "BatchItemRequest")
    seen = set()
    for item in items:
        bid = item.get("bId") if isinstance(item, dict) else None
        if not bid:
            raise errors.required_missing("BatchItemRequest.bId")
        if bid in seen:
            raise errors.business(f"bId {bid!r} is used by more than one batch item.", "bId")
        seen.add(bid)
    responses = []
    # Items run serially, but none sees what an earlier item of the same batch created.
    with company.batch_isolation():
        for item in items:
            responses.append(_run_item(company, item, strict_schema))
    return {"BatchItemResponse": responses}


def _run_item(company: Company, item: dict, strict_schema: bool) -> dict:
    bid = item["bId"]
    try:
        if "Query" in item:
            return {"bId": bid, "QueryResponse": query.run(company, str(item["Query"]))}
        names = [key for key in item if key not in _ITEM_KEYS]
        if len(names) != 1:
            raise errors.required_missing("BatchItemRequest.<Entity>")
        name = names[0]
        operation = item.get("operation")
        if operation not in ("create", "update"):
            raise errors.unsupported_operation(f"{operation} in a batch on {name}")
        options = item.get("optionsData") or ""
        if isinstance(options, list):
            options = ",".join(str(option) for option in options)
        stored = entities.write(company, name, item[name],
                                allow_duplicate_doc_number="allowduplicatedocnum" in options,
                                strict_schema=strict_schema)
        # A copy: later items may change this entity (a payment lowers an invoice's Balance).
        return {"bId": bid, name: copy.deepcopy(stored)}
    except QboError as failure:
        return {"bId": bid, "Fault": failure.fault()}
