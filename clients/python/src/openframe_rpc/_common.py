"""What the thread and asyncio clients share: the command line, params and the initialize request."""

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import __version__
from ._binary import find_binary

VALIDATE = "openframe/validate"
CREATE = "openframe/createVoiceInteraction"
UPDATE = "openframe/updateVoiceInteraction"

_OPERATIONS = ("create", "update")
_LOG_LEVELS = ("off", "error", "warning", "info", "debug", "trace")


def command_line(
    binary: Any,
    instance: Optional[str],
    args: Sequence[str],
    log_level: Optional[str],
    env: Optional[Mapping[str, Optional[str]]],
) -> List[str]:
    """``openframe-rpc serve --framing ndjson [--instance URL] [--log-level L] ARGS...``.
    Credentials never go on the command line (other processes can read it): they travel in ``env``
    or in ``initialization_options``."""
    path = find_binary(binary, {k: v for k, v in (env or {}).items() if isinstance(v, str)})
    argv = [path, "serve", "--framing", "ndjson"]
    if instance is not None:
        if not isinstance(instance, str) or not instance:
            raise ValueError("instance must be a non-empty string: an instance name or URL")
        if _has_user_info(instance):
            # It would sit on the command line, where any local user can read it.
            raise ValueError("the instance URL must not contain credentials; pass them in env (e.g. OPENFRAME_USERNAME/OPENFRAME_PASSWORD)")
        argv += ["--instance", instance]
    if log_level is not None:
        if log_level not in _LOG_LEVELS:
            raise ValueError("log_level must be one of %s" % ", ".join(_LOG_LEVELS))
        argv += ["--log-level", log_level]
    extra = [os.fspath(a) for a in args]
    if any(not isinstance(a, str) for a in extra):
        raise TypeError("args must be strings")
    return argv + extra


def _has_user_info(url: str) -> bool:
    scheme, sep, rest = url.partition("://")
    if not sep:
        return False
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    return "@" in authority


def initialize_params(initialization_options: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    params: Dict[str, Any] = {
        "processId": os.getpid(),
        "clientInfo": {"name": "openframe-rpc-python", "version": __version__},
        "capabilities": {"window": {"workDoneProgress": True}},
    }
    if initialization_options is not None:
        params["initializationOptions"] = dict(initialization_options)
    return params


def validate_params(
    payload: Any,
    text: Optional[str],
    operation: str,
    interaction_sys_id: Optional[str],
    position_encoding: Optional[str],
) -> Dict[str, Any]:
    if (payload is None) == (text is None):
        raise ValueError("validate() takes exactly one of payload and text")
    if operation not in _OPERATIONS:
        # The server would say the same (-32602); saying it here names the Python argument.
        raise ValueError("operation must be 'create' or 'update', not %r" % (operation,))
    params: Dict[str, Any] = {"operation": operation}
    if text is not None:
        if not isinstance(text, str):
            raise TypeError("text must be a str (the payload as JSON text)")
        params["text"] = text
    else:
        params["payload"] = payload
    if interaction_sys_id is not None:
        params["interactionSysId"] = interaction_sys_id
    if position_encoding is not None:
        params["positionEncoding"] = position_encoding
    return params


def create_params(payload: Any, api_version: Optional[str]) -> Dict[str, Any]:
    _check_payload(payload)
    params: Dict[str, Any] = {"payload": payload}
    if api_version is not None:
        params["apiVersion"] = api_version
    return params


def update_params(sys_id: str, payload: Any, api_version: Optional[str]) -> Dict[str, Any]:
    if not isinstance(sys_id, str):
        raise TypeError("sys_id must be a str (the 32 hex digits create returned), not %s" % type(sys_id).__name__)
    _check_payload(payload)
    params: Dict[str, Any] = {"interactionSysId": sys_id, "payload": payload}
    if api_version is not None:
        params["apiVersion"] = api_version
    return params


def _check_payload(payload: Any) -> None:
    if not isinstance(payload, Mapping):
        raise TypeError("payload must be a mapping (the JSON object to send), not %s" % type(payload).__name__)
