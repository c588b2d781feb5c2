"""What the thread and asyncio clients share: the command line, params and the initialize request."""

import difflib
import functools
import inspect
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar

from . import __version__
from ._binary import find_binary

VALIDATE = "openframe/validate"
CREATE = "openframe/createVoiceInteraction"
UPDATE = "openframe/updateVoiceInteraction"
SCHEMA = "openframe/schema"

#: What a client-started server logs unless the host asks for more: warnings and errors, not the
#: start-up banner (glue scripts' stderr is their users'). Start-up failures are written whatever
#: the level, so their reason still reaches ServerExited.
DEFAULT_LOG_LEVEL = "warning"

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
    extra = [os.fspath(a) for a in args]
    if any(not isinstance(a, str) for a in extra):
        raise TypeError("args must be strings")
    if log_level is not None:
        if log_level not in _LOG_LEVELS:
            raise ValueError("log_level must be one of %s" % ", ".join(_LOG_LEVELS))
        argv += ["--log-level", log_level]
    elif not any(a == "--log-level" or a.startswith("--log-level=") for a in extra):
        argv += ["--log-level", DEFAULT_LOG_LEVEL]
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


def schema_params(operation: Optional[str]) -> Optional[Dict[str, Any]]:
    if operation is None:
        return None
    if operation not in _OPERATIONS:
        raise ValueError("operation must be 'create', 'update' or None (both), not %r" % (operation,))
    return {"operation": operation}


F = TypeVar("F", bound=Callable[..., Any])


def _normalised(name: str) -> str:
    return name.replace("_", "").lower()


def closest_name(name: str, valid: Sequence[str]) -> Optional[str]:
    """The valid name ``name`` most likely meant: the same but for case and underscores
    (``logLevel`` for ``log_level``), else the closest spelling."""
    for candidate in valid:
        if _normalised(candidate) == _normalised(name):
            return candidate
    close = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return close[0] if close else None


def checked_keywords(fn: F) -> F:
    """Rejects an unknown keyword argument with a TypeError that names the closest valid one,
    where Python's own message would only name the wrong one (``logLevel=`` for ``log_level=``)."""
    signature = inspect.signature(fn)
    valid = [
        p.name for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name != "self"
    ]
    accepted = frozenset(valid)
    owner = fn.__qualname__.replace(".__init__", "")

    def check(kwargs: Mapping[str, Any]) -> None:
        unknown = [k for k in kwargs if k not in accepted]
        if unknown:
            name = unknown[0]
            suggestion = closest_name(name, valid)
            hint = "did you mean %r?" % suggestion if suggestion else "valid ones: %s" % ", ".join(valid)
            raise TypeError("%s() got an unexpected keyword argument %r; %s" % (owner, name, hint))

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            check(kwargs)
            return await fn(*args, **kwargs)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(kwargs)
        return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
