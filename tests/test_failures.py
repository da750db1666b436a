"""Every error code the server can answer is documented with its fix in the README."""

from __future__ import annotations

import re

from failures import CATALOGUE
from tests.support.paths import REPO

ERRORS_DOC = REPO / "README.md"


def documented_codes() -> set[str]:
    """The codes with their own section ("#### `CODE`")."""
    return set(re.findall(r"^#### `([A-Z_]+)`$", ERRORS_DOC.read_text(), flags=re.MULTILINE))


def test_every_catalogued_code_has_a_section():
    missing = sorted(set(CATALOGUE) - documented_codes())
    assert missing == [], f"add a section with the fix to README.md for {missing}"


def test_every_documented_code_is_catalogued():
    assert sorted(documented_codes() - set(CATALOGUE)) == []


def test_every_catalogue_entry_has_a_summary_and_a_fix():
    for code, entry in CATALOGUE.items():
        assert re.fullmatch(r"[A-Z][A-Z_]+", code)
        assert entry.summary.strip() and entry.fix.strip(), code


def test_the_seed_troubleshooting_cases_are_covered():
    text = ERRORS_DOC.read_text().lower()
    for topic in (
        "no matching customer email",
        "duplicate display name",
        "revenue-recognition service dates",
        "duplicate document number (6140)",
        "tax codes on non-us companies",
    ):
        assert topic in text, topic
