"""The executions page's filter form: query-string arguments to an ExecutionFilter."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from actions import ACTIONS
from store.reports import IN_PROGRESS, OUTCOMES, ExecutionFilter

OUTCOME_CHOICES = (*OUTCOMES, IN_PROGRESS)
PARAMS = ("action", "outcome", "error_code", "record", "from", "to", "q")
PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # keeps OFFSET within every database's integer range


@dataclass
class FilterForm:
    """The values a user filtered by, as typed, plus what was wrong with any of them."""

    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    page: int = 1

    def query(self, **changes) -> str:
        """The query string for these filters (with some values changed), blanks dropped."""
        values = {**self.values, "page": str(self.page), **changes}
        return urlencode({k: v for k, v in values.items() if v and not (k == "page" and v == "1")})

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(self.values.values())


def _day(text: str, name: str, errors: list[str]) -> date | None:
    """A YYYY-MM-DD date from the form, or None (noting a malformed one)."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors.append(f"'{name}' must be a date like 2026-01-31; it was ignored.")
        return None


def parse(args, portal_ids: tuple[int, ...]) -> tuple[FilterForm, ExecutionFilter]:
    """Read the filter form; unknown choices and bad dates are ignored with a message."""
    values = {name: (args.get(name) or "").strip()[:200] for name in PARAMS}
    errors: list[str] = []
    if values["action"] and values["action"] not in ACTIONS:
        errors.append(f"Unknown action '{values['action']}'; it was ignored.")
        values["action"] = ""
    if values["outcome"] and values["outcome"] not in OUTCOME_CHOICES:
        errors.append(f"Unknown outcome '{values['outcome']}'; it was ignored.")
        values["outcome"] = ""
    start = _day(values["from"], "From", errors)
    end = _day(values["to"], "To", errors)
    if start and end and end < start:
        errors.append("'To' is before 'From': no execution can match.")
    page = args.get("page", "1")
    form = FilterForm(values, errors, min(max(1, int(page)), MAX_PAGE) if page.isdigit() else 1)
    flt = ExecutionFilter(
        portal_ids=portal_ids,
        action=values["action"],
        outcome=values["outcome"],
        error_code=values["error_code"].upper(),
        object_id=values["record"],
        # Dates are whole UTC days: 'to' includes the whole of that day.
        since=datetime.combine(start, time.min, UTC) if start else None,
        until=datetime.combine(end + timedelta(days=1), time.min, UTC)
        if end and end < date.max
        else None,
        text=values["q"],
    )
    return form, flt
