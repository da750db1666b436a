"""Dashboard pages: overview, executions (list, CSV, detail, run again), connections."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)

from actions import ACTIONS
from executions import ledger
from failures import CATALOGUE
from store import companies, definitions, links, portals, reports
from store.reports import OUTCOMES
from web.dashboard import charts, export, filters, replay, status
from web.dashboard.blueprint import bp
from web.http import runtime

CHART_DAYS = 30


@bp.get("/")
def overview():
    """Executions per day, failures needing attention and connection health.

    ---
    get:
        operationId: overview
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        responses:
          "200": Page
          "302": SignInFirst
    """
    db = runtime().db
    portal = (g.portal_id,)
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], time.min, UTC)
    counts = reports.daily_outcomes(db, portal, since)
    totals = {o: sum(day.get(o, 0) for day in counts.values()) for o in (*OUTCOMES, "in_progress")}
    failures, failure_count = reports.unresolved_failures(db, portal, limit=10)
    return render_template(
        "dashboard/overview.html",
        chart=charts.stacked_days(days, counts),
        counts=counts,
        totals=totals,
        total=sum(totals.values()),
        failures=failures,
        failure_count=failure_count,
        catalogue=CATALOGUE,
        connections=companies.connections_for(db, g.portal_id),
        since=days[0],
        demo_runs=_demo_runs(),
        status_sync=status.summary(db, g.portal_id),
    )


def _demo_runs() -> list[dict]:
    """The sandbox's ready-made runs (none outside sandbox mode)."""
    sandbox = current_app.extensions.get("sandbox")
    return sandbox.demo_runs() if g.sandbox and sandbox is not None else []


@bp.get("/executions")
def executions():
    """The execution history: filters, search and pages.

    ---
    get:
        operationId: executions
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        parameters: [action, outcome, error_code, record, from, to, q, page]
        responses:
          "200": Page
          "302": SignInFirst
          "400": BadQuery
    """
    db = runtime().db
    form, flt = filters.parse(request.args, (g.portal_id,))
    total = reports.count_executions(db, flt)
    pages = max(1, -(-total // filters.PAGE_SIZE))
    form.page = min(form.page, pages)
    rows = reports.list_executions(db, flt, (form.page - 1) * filters.PAGE_SIZE, filters.PAGE_SIZE)
    return render_template(
        "dashboard/executions.html",
        form=form,
        rows=rows,
        total=total,
        pages=pages,
        first=(form.page - 1) * filters.PAGE_SIZE + 1 if rows else 0,
        actions=ACTIONS,
        outcomes=filters.OUTCOME_CHOICES,
        error_codes=reports.error_codes(db, (g.portal_id,)),
        statuses=status.for_executions(db, rows),
        status_labels=status.LABELS,
    )


@bp.get("/executions.csv")
def executions_csv():
    """The filtered executions as CSV, streamed so any number of rows fits in memory.

    ---
    get:
        operationId: executionsCsv
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        parameters: [action, outcome, error_code, record, from, to, q, page]
        responses:
          "200":
            description: CSV rows.
            content: {text/csv: {schema: {type: string}}}
          "302": SignInFirst
          "400": BadQuery
    """
    db = runtime().db
    form, flt = filters.parse(request.args, (g.portal_id,))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name = f"executions-{g.portal_id}-{stamp}.csv"
    body = stream_with_context(export.csv_chunks(reports.iter_executions(db, flt)))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _execution_or_404(execution_id: int):
    """An execution of a signed-in portal; anything else does not exist for this browser."""
    # Row ids are 32-bit INTEGERs on PostgreSQL: a larger number names nothing (and would fail
    # in SQL).
    too_big = execution_id > 2**31 - 1
    execution = None if too_big else reports.execution_in_portals(runtime().db, execution_id,
                                                                  g.portal_ids)
    if execution is None:
        abort(404, description=f"There is no execution {execution_id} in your portal.")
    return execution


@bp.get("/executions/<int:execution_id>")
def execution_detail(execution_id: int):
    """Everything about one execution: inputs, resolution, API calls, outputs, the fix.

    ---
    get:
        operationId: executionDetail
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        responses:
          "200": Page
          "302": SignInFirst
          "404": NoSuchExecution
    """
    execution = _execution_or_404(execution_id)
    properties = ((execution.payload or {}).get("object") or {}).get("properties") or {}
    return render_template(
        "dashboard/execution.html",
        ex=execution,
        action=ACTIONS.get(execution.action),
        calls=links.api_calls_for(runtime().db, execution.id),
        properties=properties,
        error=CATALOGUE.get(execution.error_code),
        can_run_again=replay.can_run_again(runtime(), execution),
        qbo_status=status.for_executions(runtime().db, [execution]).get(execution.id),
        status_labels=status.LABELS,
    )


@bp.post("/executions/<int:execution_id>/run-again")
def run_again(execution_id: int):
    """Re-run a failed execution with its stored inputs, then show the result.

    ---
    post:
        operationId: runAgain
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        responses:
          "302":
            description: "To the execution, or to sign in."
            headers: {Location: Location}
          "400": FormRefused
          "404": NoSuchExecution
    """
    execution = _execution_or_404(execution_id)
    result = replay.run_again(runtime(), execution)
    category = "error" if result.execution.status == ledger.FAILED or not result.ran else "ok"
    flash(result.message, category)
    return redirect(url_for("dashboard.execution_detail", execution_id=execution.id))


@bp.get("/connections")
def connections():
    """The portal, its QuickBooks companies and the actions' publish state.

    ---
    get:
        operationId: connections
        tags: [Dashboard]
        security: [{DashboardSession: []}]
        responses:
          "200": Page
          "302": SignInFirst
    """
    rt = runtime()
    portal = portals.get_portal(rt.db, g.portal_id)
    app_id = rt.settings.hubspot_app_id or None  # unset: show whatever was published
    return render_template(
        "dashboard/connections.html",
        portal=portal,
        connections=companies.connections_for(rt.db, g.portal_id),
        actions=ACTIONS,
        definitions={d.slug: d for d in definitions.action_definitions(rt.db, app_id)},
        app_id=app_id,
        status_sync=status.summary(rt.db, g.portal_id),
    )
