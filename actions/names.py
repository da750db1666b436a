"""Names as QuickBooks accepts them: no colon, tab or newline, within its length limits."""

from __future__ import annotations

import re

DISPLAY_NAME_MAX = 500
PERSON_PART_MAX = 100  # GivenName, FamilyName
COMPANY_NAME_MAX = 100
EMAIL_MAX = 100
ITEM_NAME_MAX = 100
SKU_MAX = 100
DESCRIPTION_MAX = 4000
DOC_NUMBER_MAX = 21
PAYMENT_REF_MAX = 21

_FORBIDDEN = re.compile(r"[:\t\r\n]+")


def clean(text: str, limit: int) -> str:
    """Strip what QuickBooks forbids in names (":", tab, newline), collapse spaces, cut."""
    text = _FORBIDDEN.sub(" ", str(text or ""))
    return " ".join(text.split())[:limit].strip()


def cut(text: str, limit: int) -> str:
    """Free text cut to a QuickBooks length limit."""
    return str(text or "").strip()[:limit]
