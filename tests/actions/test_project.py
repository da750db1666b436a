"""`flask --app app hubspot export-project DIR` writes a developer-platform project (platform
2026.03) that HubSpot's own parser, npm @hubspot/project-parsing-lib (what `hs project upload`
uses), reads as one app with six workflow actions (SPEC §9, reference §9.3)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from actions import ACTIONS
from actions.definition import definition
from tests.support.signing import PUBLIC_BASE

PARSER = Path(__file__).resolve().parents[1] / "hubspot_parser"
LIB = PARSER / "node_modules" / "@hubspot" / "project-parsing-lib"


@pytest.fixture
def exported(app, tmp_path) -> Path:
    result = app.test_cli_runner().invoke(args=["hubspot", "export-project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    return tmp_path


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_project_has_hsproject_the_app_and_six_actions(exported, settings):
    files = sorted(str(p.relative_to(exported)) for p in exported.rglob("*.json"))
    assert files == sorted(["hsproject.json", "src/app/app-hsmeta.json",
                            *(f"src/app/workflow-actions/{s}-hsmeta.json" for s in ACTIONS)])
    assert read(exported / "hsproject.json") == {
        "name": "quickbooks-workflow-actions", "srcDir": "src", "platformVersion": "2026.03"}
    app = read(exported / "src/app/app-hsmeta.json")
    assert app["type"] == "app" and app["uid"]
    config = app["config"]
    assert config["distribution"] == "marketplace" and config["name"]
    auth = config["auth"]
    assert auth["type"] == "oauth"
    assert auth["redirectUrls"] == [f"{PUBLIC_BASE}/oauth/hubspot/callback"]
    required = auth["requiredScopes"]
    # Exactly the install URL's scopes: HubSpot refuses an install whose list differs.
    assert required == list(settings.hubspot_scopes)
    assert {"oauth", "automation"} <= set(required)
    # SPEC §10 sync-back writes deal properties and creates the property group and properties:
    # optional, so an account that cannot grant them still installs (status sync then says
    # "reinstall to enable status sync").
    assert {"crm.objects.deals.write", "crm.schemas.deals.write"} <= set(auth["optionalScopes"])
    assert auth["optionalScopes"] == list(settings.hubspot_optional_scopes)
    assert not set(auth["optionalScopes"]) & set(required)


@pytest.mark.parametrize("slug", sorted(ACTIONS))
def test_each_workflow_action_carries_the_published_definition(exported, settings, slug):
    meta = read(exported / f"src/app/workflow-actions/{slug}-hsmeta.json")
    body = definition(ACTIONS[slug], settings)
    assert meta["type"] == "workflow-action"
    assert set(meta) == {"uid", "type", "config"}
    config = meta["config"]
    assert config["actionUrl"] == f"{PUBLIC_BASE}/hubspot/actions/{slug}"
    assert config["isPublished"] is True and "published" not in config
    assert config["supportedClients"] == [{"client": "WORKFLOWS"}]
    for key in ("objectTypes", "objectRequestOptions", "inputFields", "outputFields",
                "inputFieldDependencies", "executionRules"):  # fmt: skip
        assert config[key] == body[key], key
    assert config["labels"]["en"]["actionName"] == ACTIONS[slug].name
    urls = [f["typeDefinition"].get("optionsUrl") for f in config["inputFields"]]
    assert all(u.startswith(f"{PUBLIC_BASE}/hubspot/options/") for u in urls if u)


def test_hubspots_parser_reads_one_app_and_six_workflow_actions(exported):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: HubSpot's project parser is a Node package")
    if not LIB.is_dir():
        pytest.skip(f"@hubspot/project-parsing-lib is not installed: run `npm ci` in {PARSER}")
    done = subprocess.run([node, str(PARSER / "parse.mjs"), str(exported)], cwd=PARSER,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    parsed = json.loads(done.stdout)
    assert parsed["knownPlatformVersion"] is True
    assert parsed["skipped"] == []
    components = parsed["components"]
    types = sorted(c["type"] for c in components.values())
    assert types == ["APPLICATION"] + ["WORKFLOW_ACTION"] * 6
    assert parsed["counts"]["app"] == 1 and parsed["counts"]["workflow-action"] == 6
    [app_uid] = [uid for uid, c in components.items() if c["type"] == "APPLICATION"]
    actions = {uid: c for uid, c in components.items() if c["type"] == "WORKFLOW_ACTION"}
    assert all(c["deps"]["app"] == app_uid for c in actions.values())
    assert all(c["uidError"] is None for c in components.values())
    urls = {c["config"]["actionUrl"] for c in actions.values()}
    assert urls == {f"{PUBLIC_BASE}/hubspot/actions/{slug}" for slug in ACTIONS}


def test_the_parser_refuses_a_broken_project(exported):
    """The parser check can fail: a project without hsproject.json is refused."""
    node = shutil.which("node")
    if node is None or not LIB.is_dir():
        pytest.skip("HubSpot's project parser is not installed (node + npm ci)")
    (exported / "hsproject.json").unlink()
    done = subprocess.run([node, str(PARSER / "parse.mjs"), str(exported)], cwd=PARSER,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode != 0
