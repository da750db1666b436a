"""Console logs a person can read: text lines under `flask run`, JSON under gunicorn and
workers, LOG_FORMAT to choose; secrets redacted and colour codes dropped in both formats."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import requests

from app import create_app
from observability import logs
from settings import ConfigError, Settings
from tests.support.ports import unused_port

TEXT_LINE = re.compile(r"^\d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: ")
REPO = Path(__file__).resolve().parents[2]


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def console():
    """Lines our handler writes in a format: console("text") -> read()."""
    root = logging.getLogger()
    added: list[logging.Handler] = []
    previous = root.level
    root.setLevel(logging.DEBUG)

    def attach(fmt: str):
        stream = io.StringIO()
        handler = logs.handler(stream, fmt=fmt)
        root.addHandler(handler)
        added.append(handler)
        return lambda: stream.getvalue()

    yield attach
    for handler in added:
        root.removeHandler(handler)
    root.setLevel(previous)
    logs.clear()


def test_a_text_line_reads_time_level_logger_message_and_context(console):
    read = console("text")
    logs.bind(portal_id=7, callback_id="cb-1")
    logging.getLogger("hubqbo.executions").info("execution %s: created Invoice %s", 3, 145)
    line = read().strip()
    assert TEXT_LINE.match(line), line
    assert line.endswith("INFO executions: execution 3: created Invoice 145  "
                         "[portal_id=7 callback_id=cb-1]")  # fmt: skip
    assert "{" not in line


def test_text_lines_redact_tokens_secrets_and_tracebacks(console):
    read = console("text")
    logs.add_secrets("configured-client-secret-42")
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
    log = logging.getLogger("hubqbo.clients")
    log.warning("sent Authorization: Bearer abcdefghijklmnop")
    log.warning("token answer refresh_token=rt-123456789 id %s", jwt)
    log.warning("the secret is %s", "configured-client-secret-42")
    try:
        raise RuntimeError("token configured-client-secret-42 refused")
    except RuntimeError:
        log.exception("refresh failed: access_token=%s", "at-987654321")
    text = read()
    for secret in ("abcdefghijklmnop", "rt-123456789", jwt, "configured-client-secret-42",
                   "at-987654321"):  # fmt: skip
        assert secret not in text, secret
    assert text.count(logs.REDACTED) >= 6
    assert "Traceback" in text and "RuntimeError" in text


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_colour_codes_never_reach_a_line(console, fmt):
    read = console(fmt)
    # werkzeug colours the status of its request lines
    logging.getLogger("werkzeug").info('%s - - "%s" %s -', "127.0.0.1", "GET / HTTP/1.1",
                                       "\x1b[32m200\x1b[0m")  # fmt: skip
    out = read()
    assert "\x1b" not in out and "\\u001b" not in out
    message = out.strip() if fmt == "text" else json.loads(out)["message"]
    assert message.endswith('"GET / HTTP/1.1" 200 -')


def test_auto_is_text_at_a_terminal_or_under_flask_run_and_json_otherwise(monkeypatch):
    monkeypatch.delitem(sys.modules, "gunicorn", raising=False)
    assert logs.console_format("json", Terminal()) == "json"
    assert logs.console_format("text", io.StringIO()) == "text"
    assert logs.console_format("auto", Terminal()) == "text"
    assert logs.console_format("auto", io.StringIO()) == "json"  # piped to a collector
    with click.Context(click.Command("run")):
        assert logs.console_format("auto", io.StringIO()) == "text"
    with click.Context(click.Command("worker")):
        assert logs.console_format("auto", Terminal()) == "json"  # RQ workers stay JSON
    monkeypatch.setitem(sys.modules, "gunicorn", type(sys)("gunicorn"))
    assert logs.console_format("auto", Terminal()) == "json"  # gunicorn stays JSON
    assert logs.console_format("text", io.StringIO()) == "text"  # unless asked


def test_log_format_is_a_setting():
    assert Settings.from_env({}).log_format == "auto"
    assert Settings.from_env({"LOG_FORMAT": " Text "}).log_format == "text"
    assert Settings.from_env({"LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        Settings.from_env({"LOG_FORMAT": "xml"})


def test_the_app_writes_the_format_it_is_given(settings, capsys):
    ours = None
    try:
        for fmt in ("text", "json"):
            app = create_app(settings.replace(log_format=fmt))
            ours = next(h for h in logging.getLogger().handlers if getattr(h, "_hubqbo", False))
            capsys.readouterr()
            logging.getLogger("hubqbo.executions").warning("execution 9: failed QBO_X")
            err = capsys.readouterr().err.strip().splitlines()[-1]
            if fmt == "text":
                assert TEXT_LINE.match(err)
                assert err.endswith("executions: execution 9: failed QBO_X")
            else:
                assert json.loads(err)["message"] == "execution 9: failed QBO_X"
            app.extensions["hubqbo"].db.dispose()
    finally:
        if ours is not None:  # leave the process's handler as the other tests expect it
            ours.setFormatter(logs.formatter("json"))
            ours._hubqbo_format = "json"


def test_flask_run_prints_readable_lines_without_escape_codes(tmp_path):
    port = unused_port()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("HUBSPOT_", "QUICKBOOKS_", "FLASK_", "LOG_", "DATABASE_URL",
                                "REDIS_URL", "SANDBOX", "PUBLIC_BASE_URL"))}  # fmt: skip
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "\x1b" not in output
    lines = [line for line in output.splitlines() if TEXT_LINE.match(line)]
    assert not [line for line in output.splitlines() if line.lstrip().startswith("{")]
    assert any(" WARNING sandbox: SANDBOX mode" in line for line in lines), output
    assert any(" INFO werkzeug: " in line and '"GET /healthz HTTP/1.1" 200' in line
               for line in lines), output  # fmt: skip
