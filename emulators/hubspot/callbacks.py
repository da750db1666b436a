"""Completing blocked executions: the 2026-03 callbacks API, single and batch (§3.3)."""

from __future__ import annotations

from flask import Blueprint, Response

from .api import authenticate, current_emulator, json_body, reject_unknown_fields, validation_error

bp = Blueprint("callbacks", __name__)

FINAL_STATES = ("SUCCESS", "FAIL_CONTINUE")
COMPLETION_FIELDS = ("outputFields", "typedOutputs", "failureReasonType", "requestContext")
PREFIXES = {"2026-03": "/automation/actions/callbacks/2026-03"}


def _checked(item: dict, where: str = "") -> dict:
    """A completion that satisfies CallbackCompletionRequest, or a 400 naming the problem."""
    # The spec marks both outputFields and typedOutputs as required (§3.3).
    for name in ("outputFields", "typedOutputs"):
        if name not in item:
            raise validation_error(f"Invalid input JSON: missing required field '{where}{name}'",
                                   context={"missingFields": [f"{where}{name}"]})
    outputs, typed = item["outputFields"], item["typedOutputs"]
    if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
        raise validation_error(f"'{where}outputFields' must be an object of string values")
    if not isinstance(typed, dict):
        raise validation_error(f"'{where}typedOutputs' must be an object")
    state = outputs.get("hs_execution_state")
    if state not in FINAL_STATES:
        raise validation_error(f"'{where}outputFields.hs_execution_state' must be SUCCESS or "
                               f"FAIL_CONTINUE, got {state!r}")
    return {name: item[name] for name in COMPLETION_FIELDS if name in item}


def complete_one(version: str, callback_id: str):
    """Complete one blocked execution; 204."""
    grant = authenticate([("automation",)])
    body = json_body()
    reject_unknown_fields(body, COMPLETION_FIELDS, "CallbackCompletionRequest")
    completion = {"callbackId": callback_id, **_checked(body), "via": "single",
                  "version": version}
    current_emulator().record_completion(completion, grant.portal_id)
    return Response(status=204)


def complete_batch(version: str):
    """Complete several blocked executions at once; all are checked before any is recorded."""
    grant = authenticate([("automation",)])
    body = json_body()
    reject_unknown_fields(body, ("inputs",), "BatchInputCallbackCompletionBatchRequest")
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise validation_error("Invalid input JSON: missing required field 'inputs'")
    completions = []
    for index, item in enumerate(inputs):
        where = f"inputs[{index}]."
        if not isinstance(item, dict) or not isinstance(item.get("callbackId"), str):
            raise validation_error(
                f"Invalid input JSON: missing required field '{where}callbackId'")
        reject_unknown_fields(item, ("callbackId", *COMPLETION_FIELDS),
                              "CallbackCompletionBatchRequest")
        completions.append({"callbackId": item["callbackId"], **_checked(item, where),
                            "via": "batch", "version": version})
    emu = current_emulator()
    for completion in completions:
        emu.record_completion(completion, grant.portal_id)
    return Response(status=204)


for _version, _prefix in PREFIXES.items():
    _tag = _version.replace("-", "_")
    bp.add_url_rule(f"{_prefix}/<callback_id>/complete", f"complete_one_{_tag}",
                    complete_one, methods=["POST"], defaults={"version": _version})
    bp.add_url_rule(f"{_prefix}/complete", f"complete_batch_{_tag}", complete_batch,
                    methods=["POST"], defaults={"version": _version})
