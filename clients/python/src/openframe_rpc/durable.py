"""Durable delivery (protocol.md, "Durable delivery") for OpenFrameClient: the server keeps the request in
its outbox (``--outbox FILE`` or ``initialization_options={"outbox": FILE}``) and delivers it, also across an
instance outage or a server restart.

    from openframe_rpc import OpenFrameClient
    from openframe_rpc import durable

    with OpenFrameClient(args=["--outbox", "calls.jsonl"]) as client:
        durable.on_outcome(client, lambda method, params: print(method, params["outboxId"]))
        created = durable.create(client, {"interaction": {"userPhoneNumber": "+14089965744", "clientSessionId": "c-42"}})
        durable.update(client, {"interaction": {"additionalParams": {"direction": "inbound"}}}, outbox_id=created["outboxId"])

Results are the server's JSON objects as they are: ``{"status": "SUCCESS", "sysId", "number", "outboxId", …}``,
``{"status": "QUEUED", "outboxId"}`` or ``{"status": "PARKED", "outboxId", "reason"}``. Errors raise as for the
immediate methods (PayloadInvalid: nothing stored; InstanceError: the instance refused it; OpenFrameError with
code -33010: the outbox could not store it, nothing queued).
"""

from typing import Any, Callable, Mapping, Optional

from . import _common

DELIVERED = "openframe/delivered"
DELIVERY_FAILED = "openframe/deliveryFailed"
OUTBOX_PAUSED = "openframe/outboxPaused"
OUTBOX = "openframe/outbox"


def _params(payload: Mapping[str, Any], wait_ms: Optional[int], api_version: Optional[str]) -> dict:
    params: dict = {"delivery": "durable", "payload": dict(payload)}
    if wait_ms is not None:
        params["waitMs"] = wait_ms
    if api_version is not None:
        params["apiVersion"] = api_version
    return params


def create(client: Any, payload: Mapping[str, Any], *, wait_ms: Optional[int] = None,
           api_version: Optional[str] = None, timeout: Optional[float] = None) -> dict:
    """A create with ``"delivery": "durable"``; waits up to ``wait_ms`` (server default 2000) for the outcome."""
    return client.request(_common.CREATE, _params(payload, wait_ms, api_version), timeout=timeout)


def update(client: Any, payload: Mapping[str, Any], *, outbox_id: Optional[str] = None, sys_id: Optional[str] = None,
           wait_ms: Optional[int] = None, api_version: Optional[str] = None, timeout: Optional[float] = None) -> dict:
    """A durable update of the record ``sys_id``, or of the one the create ``outbox_id`` makes (exactly one of them)."""
    if (outbox_id is None) == (sys_id is None):
        raise ValueError("give exactly one of outbox_id and sys_id")
    params = _params(payload, wait_ms, api_version)
    if outbox_id is not None:
        params["outboxId"] = outbox_id
    else:
        params["interactionSysId"] = sys_id
    return client.request(_common.UPDATE, params, timeout=timeout)


def outbox(client: Any, state: Optional[str] = None, *, include_payload: bool = False,
           timeout: Optional[float] = None) -> dict:
    """``openframe/outbox``: ``{"file", "items": [...], "paused"?}``, optionally only items in ``state``."""
    params: dict = {}
    if state is not None:
        params["state"] = state
    if include_payload:
        params["includePayload"] = True
    return client.request(OUTBOX, params, timeout=timeout)


def on_outcome(client: Any, callback: Callable[[str, Any], None]) -> None:
    """Calls ``callback(method, params)`` for each ``openframe/delivered``, ``openframe/deliveryFailed`` and
    ``openframe/outboxPaused``. It runs on the client's reader thread: keep it short and do not call the
    client from it (hand the event to a queue)."""
    wanted = (DELIVERED, DELIVERY_FAILED, OUTBOX_PAUSED)

    def handler(method: str, params: Any) -> None:
        if method in wanted:
            callback(method, params)

    client._conn.on_notification = handler
