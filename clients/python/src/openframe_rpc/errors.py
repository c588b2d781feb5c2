"""The exceptions the client raises.

Every exception is an :class:`OpenFrameError`. Errors answered by the server carry the JSON-RPC
``code``, ``message`` and ``data``; errors found by the client itself (the server died, the client is
closed, the binary is missing) have ``code`` ``None``.

No exception message or repr ever includes a credential: the client never puts environment values
or ``initializationOptions`` into a message, and the server never puts credentials into its own.
"""

from typing import Any, List, Mapping, Optional

from .types import Diagnostic

__all__ = [
    "OpenFrameError",
    "InvalidParams",
    "PayloadInvalid",
    "MethodNotFound",
    "InstanceError",
    "InstanceUnreachable",
    "Cancelled",
    "RequestTimedOut",
    "InternalError",
    "ServerExited",
    "ClientClosed",
    "BinaryNotFound",
    "error_from_response",
]

# Every error code the server sends, named as protocol.md's Error codes table names them (in
# UPPER_SNAKE_CASE); the Swift test ProtocolDocumentTests checks that the two agree.
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
INSTANCE_ERROR = -33001
INSTANCE_UNREACHABLE = -33002
OUTBOX_UNAVAILABLE = -33010
DELIVERY_PARKED = -33011
REQUEST_CANCELLED = -32800


class OpenFrameError(Exception):
    """Base of every error of this package.

    ``code`` is the JSON-RPC error code (``None`` for errors found by the client), ``message`` the
    server's message, ``data`` the error's ``data`` member (``None`` when absent).
    """

    def __init__(self, code: Optional[int], message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return "%s(code=%r, message=%r)" % (type(self).__name__, self.code, self.message)

    def __reduce__(self):  # picklable, e.g. across a process pool
        return (_rebuild, (type(self), self.__dict__.copy()))


def _rebuild(cls, state):
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class InvalidParams(OpenFrameError):
    """-32602: the params were not as the method expects (an unknown member, a wrong type, a bad
    sys_id...). The message names the member."""


class PayloadInvalid(InvalidParams):
    """-32602 with ``data.diagnostics``: the payload has at least one validation error, so it was never
    sent to the instance. ``diagnostics`` holds every diagnostic (warnings too); ``errors`` only the
    errors."""

    def __init__(self, code: Optional[int], message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        raw = data.get("diagnostics") if isinstance(data, Mapping) else None
        self.diagnostics: List[Diagnostic] = [
            Diagnostic.from_json(item) for item in (raw or []) if isinstance(item, Mapping)
        ]

    @property
    def errors(self) -> List[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def __str__(self) -> str:
        if not self.diagnostics:
            return self.message
        lines = [self.message]
        lines.extend("  " + d.describe() for d in self.diagnostics)
        return "\n".join(lines)


class MethodNotFound(OpenFrameError):
    """-32601: the server does not offer this method (an older server)."""


class InstanceError(OpenFrameError):
    """-33001: the instance answered, but not with success.

    ``http_status`` is the instance's HTTP status; ``message`` and ``detail`` are the instance's own
    error message and detail (``detail`` may be ``None``). ``str(error)`` is the server's full sentence.
    """

    def __init__(self, code: Optional[int], message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        self.rpc_message = message
        data = data if isinstance(data, Mapping) else {}
        status = data.get("httpStatus")
        self.http_status: Optional[int] = status if isinstance(status, int) else None
        error = data.get("error") if isinstance(data.get("error"), Mapping) else {}
        instance_message = error.get("message")
        detail = error.get("detail")
        self.message = instance_message if isinstance(instance_message, str) else message
        self.detail: Optional[str] = detail if isinstance(detail, str) else None

    def __str__(self) -> str:
        return self.rpc_message

    def __repr__(self) -> str:
        return "InstanceError(http_status=%r, message=%r, detail=%r)" % (
            self.http_status,
            self.message,
            self.detail,
        )


class InstanceUnreachable(OpenFrameError):
    """-33002: no usable answer from the instance (unreachable host, TLS failure, timeout, dropped
    connection). ``reason`` says which, and whether the instance may have acted."""

    def __init__(self, code: Optional[int], message: str, data: Any = None) -> None:
        super().__init__(code, message, data)
        reason = data.get("reason") if isinstance(data, Mapping) else None
        self.reason: str = reason if isinstance(reason, str) else message


class Cancelled(OpenFrameError):
    """-32800: the request was cancelled (by ``$/cancelRequest``, or because the server was told to
    exit while it was in flight). A create that was cancelled may or may not have created a record."""


class RequestTimedOut(Cancelled, TimeoutError):
    """The call's ``timeout`` passed: the client sent ``$/cancelRequest`` and stopped waiting.
    Also a :class:`TimeoutError`."""


class InternalError(OpenFrameError):
    """-32603: a bug in the server; the message says what happened."""


class ServerExited(OpenFrameError):
    """The server process ended (or its pipes broke) while the call waited or before it was sent.
    Every waiting call fails with this at once. ``returncode`` is the exit status when known
    (negative: killed by that signal); ``stderr_tail`` the last lines the server wrote to stderr."""

    def __init__(self, message: str, returncode: Optional[int] = None, stderr_tail: Optional[List[str]] = None) -> None:
        super().__init__(None, message, {"returncode": returncode})
        self.returncode = returncode
        self.stderr_tail: List[str] = list(stderr_tail or [])


class ClientClosed(OpenFrameError):
    """A call was made after ``close()``."""

    def __init__(self, message: str = "the OpenFrameClient is closed; create a new client to make more calls") -> None:
        super().__init__(None, message)


class BinaryNotFound(OpenFrameError, FileNotFoundError):
    """No openframe-rpc binary was found where the client looked."""

    def __init__(self, message: str) -> None:
        OpenFrameError.__init__(self, None, message)


_BY_CODE = {
    METHOD_NOT_FOUND: MethodNotFound,
    INSTANCE_ERROR: InstanceError,
    INSTANCE_UNREACHABLE: InstanceUnreachable,
    REQUEST_CANCELLED: Cancelled,
    INTERNAL_ERROR: InternalError,
}


def error_from_response(error: Any) -> OpenFrameError:
    """The exception for a JSON-RPC ``error`` member."""
    if not isinstance(error, Mapping):
        return OpenFrameError(None, "malformed error answer from the server: %r" % (error,))
    code = error.get("code")
    message = error.get("message")
    if not isinstance(message, str):
        message = "error %s" % (code,)
    data = error.get("data")
    if code == INVALID_PARAMS:
        if isinstance(data, Mapping) and isinstance(data.get("diagnostics"), list):
            return PayloadInvalid(code, message, data)
        return InvalidParams(code, message, data)
    cls = _BY_CODE.get(code, OpenFrameError) if isinstance(code, int) else OpenFrameError
    return cls(code if isinstance(code, int) else None, message, data)
