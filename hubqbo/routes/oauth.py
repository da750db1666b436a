"""OAuth: HubSpot app install and QuickBooks company connect/disconnect (SPEC §2.2)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("oauth", __name__)
