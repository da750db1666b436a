"""CSV export of filtered executions, streamed a chunk at a time (flat memory at any size)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from web.dashboard.formatting import hubspot_record_url

HEADER = (
    "id", "created_at", "finished_at", "portal_id", "action", "object_type", "object_id",
    "hubspot_url", "status", "result", "error_code", "error_message", "qbo_id",
    "qbo_doc_number", "qbo_total", "qbo_url", "attempts", "generation", "callback_id",
)  # fmt: skip
ROWS_PER_CHUNK = 500

# A cell starting with one of these is run as a formula by spreadsheet apps; error messages
# and document numbers come from outside, so such cells get a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A value as text a spreadsheet shows instead of evaluating."""
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    """True for plain numbers such as -12.50 (negative totals stay numbers)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _line(row) -> list[str]:
    """One CSV line from a store.reports.EXPORT_COLUMNS row."""
    outputs = row.outputs or {}
    return [_cell(v) for v in (
        row.id, row.created_at, row.finished_at, row.portal_id, row.action, row.object_type,
        row.object_id, hubspot_record_url(row.portal_id, row.object_type, row.object_id),
        row.status, row.result, row.error_code, row.error_message, row.qbo_id,
        row.qbo_doc_number, row.qbo_total, outputs.get("qbo_url", ""), row.attempts,
        row.generation, row.callback_id,
    )]  # fmt: skip


def csv_chunks(rows: Iterable) -> Iterator[str]:
    """The header, then CSV text for every ROWS_PER_CHUNK rows; nothing else is kept."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for n, row in enumerate(rows, start=1):
        writer.writerow(_line(row))
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
