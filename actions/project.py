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


def action_uid(slug: str) -> str:
    """A workflow action's uid (letters, digits, `_`; stable: a new uid is a new action)."""
    return "quickbooks_" + slug.replace("-", "_")


def required_scopes(settings) -> list[str]:
    """What the install requires: exactly the install URL's `scope` (HubSpot refuses an install
    whose scope list differs from the app's required scopes)."""
    return list(settings.hubspot_scopes)


def optional_scopes(settings) -> list[str]:
    """Granted when the installing user may: the install URL's `optional_scope` — SPEC §10's
    write-back of QuickBooks status onto deals (deal values, and the property group and
    properties themselves, reference §10.5)."""
    return [s for s in settings.hubspot_optional_scopes if s not in settings.hubspot_scopes]


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
                "optionalScopes": optional_scopes(settings),
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

