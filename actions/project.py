"""The developer-platform project (platform 2026.03) for this app: one app, six workflow actions.

Layout per reference §9.3; `hs project upload` builds it into the app. Each workflow action's
config comes from the same declarations as the definitions API body (actions/definition.py).
"""

from __future__ import annotations

import json
from pathlib import Path

from actions import ACTIONS
from actions.definition import definition

PLATFORM_VERSION = "2026.03"
PROJECT_NAME = "quickbooks-workflow-actions"
APP_UID = "quickbooks_workflow_actions_app"
APP_NAME = "QuickBooks Online workflow actions"
APP_DESCRIPTION = (
    "Book invoices, estimates, sales receipts, paid invoices, fee expenses and refund receipts "
    "in QuickBooks Online from HubSpot workflows."
)
# SPEC §10 writes QuickBooks status back onto deals: deal properties (values) and the property
# group and properties themselves (schema), reference §10.5. They are in the install
# scopes (settings.hubspot_scopes); listed here too so the project never loses them.
SYNC_BACK_SCOPES = ("crm.objects.deals.write", "crm.schemas.deals.write")
# Granted when the installing account has them: line-item tax rate names (reference §9.2).
OPTIONAL_SCOPES = ("tax_rates.read",)


def action_uid(slug: str) -> str:
    """A workflow action's uid (letters, digits, `_`; stable: a new uid is a new action)."""
    return "quickbooks_" + slug.replace("-", "_")


def required_scopes(settings) -> list[str]:
    """What the install asks for: exactly the install URL's scopes (HubSpot refuses an install
    whose scope list differs from the app's required scopes), sync-back writes included."""
    return list(dict.fromkeys([*settings.hubspot_scopes, *SYNC_BACK_SCOPES]))


def hsproject(settings) -> dict:
    """hsproject.json."""
    return {"name": PROJECT_NAME, "srcDir": "src", "platformVersion": PLATFORM_VERSION}


def app_meta(settings) -> dict:
    """src/app/app-hsmeta.json: a marketplace OAuth app redirecting to this server."""
    base = settings.public_base_url
    required = required_scopes(settings)
    return {
        "uid": APP_UID,
        "type": "app",
        "config": {
            "name": APP_NAME,
            "description": APP_DESCRIPTION,
            "distribution": "marketplace",
            "auth": {
                "type": "oauth",
                "redirectUrls": [f"{base}/oauth/hubspot/callback"],
                "requiredScopes": required,
                "optionalScopes": [s for s in OPTIONAL_SCOPES if s not in required],
                "conditionallyRequiredScopes": [],
            },
            # Calls the app's frontend makes (none; the server calls HubSpot itself).
            "permittedUrls": {"fetch": [], "iframe": [], "img": []},
        },
    }


def workflow_action_meta(action, settings) -> dict:
    """src/app/workflow-actions/<slug>-hsmeta.json (reference §1.2, §9.3)."""
    body = definition(action, settings)
    config = {
        "actionUrl": body["actionUrl"],
        "isPublished": body["published"],
        "supportedClients": [{"client": "WORKFLOWS"}],
        "objectTypes": body["objectTypes"],
        "objectRequestOptions": body["objectRequestOptions"],
        "inputFields": body["inputFields"],
        "inputFieldDependencies": body["inputFieldDependencies"],
        "outputFields": body["outputFields"],
        "labels": body["labels"],
        "executionRules": body["executionRules"],
    }
    return {"uid": action_uid(action.slug), "type": "workflow-action", "config": config}


def files(settings) -> dict[str, dict]:
    """Every file of the project by its relative path."""
    out = {"hsproject.json": hsproject(settings), "src/app/app-hsmeta.json": app_meta(settings)}
    for slug, action in ACTIONS.items():
        out[f"src/app/workflow-actions/{slug}-hsmeta.json"] = workflow_action_meta(action, settings)
    return out


def write(directory: Path, settings) -> list[Path]:
    """Write the project under ``directory``; the paths written."""
    written = []
    for relative, content in files(settings).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written

