"""The thread-based client."""

import os
import queue
import threading
import time
import warnings
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Union, overload

from . import _common
from ._connection import Connection, Pending, ProgressFailures, StderrSink, redact_url
from .errors import ClientClosed, OpenFrameError, RequestTimedOut, ServerExited
from .types import CreateResult, JSONSchema, Progress, Schemas, ServerInfo, UpdateResult, ValidationResult

ProgressCallback = Callable[[Progress], Any]

# After `exit`, how long the server may take to answer what is in flight (-32800) and end, even when
# close()'s timeout is used up, before it is killed.
_EXIT_GRACE = 3.0

__all__ = ["OpenFrameClient", "ProgressCallback"]


class _SyncPending(Pending):
    """The caller's thread waits on the queue and runs its own progress callback, so callbacks never
    hold up the reader thread and may call the client themselves."""

    def __init__(self, method: str) -> None:
        super().__init__(method)
        self.queue: "queue.SimpleQueue[Any]" = queue.SimpleQueue()

    def progress(self, value: Any) -> None:
        self.queue.put(("progress", value))

    def resolve(self, result: Any) -> None:
        self.queue.put(("result", result))

    def fail(self, error: BaseException) -> None:
        self.queue.put(("error", error))


class OpenFrameClient:
    """A connection to one ``openframe-rpc serve`` child process.

    The constructor spawns the server and sends ``initialize``; ``close()`` (or leaving the ``with``
    block) sends ``shutdown`` and ``exit`` and reaps the process. Any number of threads may call at
    once: one reader thread routes each answer to its caller by id.

    ``binary``: the executable; by default ``$OPENFRAME_RPC_BIN``, else ``openframe-rpc`` on PATH,
    else the repository's ``.build/release`` or ``.build/debug``.
    ``instance``: the instance's base URL (``--instance``); without it, ``$OPENFRAME_INSTANCE`` if the
    server finds it in its environment, else the embedded sandbox answers.
    ``env``: variables added to the child's environment (a ``None`` value removes one), e.g.
    ``OPENFRAME_USERNAME``/``OPENFRAME_PASSWORD``. They go to the child only: they are never stored on
    the client, put on the command line, or shown in a message.
    ``args``: extra command-line options for the server.
    ``initialization_options``: sent in ``initialize`` (credentials may travel here too).
    ``stderr``: where the server's log lines go: ``None`` (the host's ``sys.stderr``), a
    ``logging.Logger`` (each line at the level it was written at), a callable taking each line, a
    file-like object, or ``subprocess.DEVNULL``.
    ``log_level``: the server's ``--log-level`` (off, error, warning, info, debug, trace); default
    ``warning``, which keeps the start-up banner off the host's stderr.
    ``startup_timeout``: seconds to wait for the answer to ``initialize``.
    """

    @_common.checked_keywords
    def __init__(
        self,
        binary: Union[str, "os.PathLike[str]", None] = None,
        *,
        instance: Optional[str] = None,
        env: Optional[Mapping[str, Optional[str]]] = None,
        args: Sequence[str] = (),
        initialization_options: Optional[Mapping[str, Any]] = None,
        stderr: StderrSink = None,
        log_level: Optional[str] = None,
        startup_timeout: Optional[float] = 30.0,
    ) -> None:
        self._closed = True  # until the server is up, so __del__ of a half-built client is quiet
        self._close_lock = threading.Lock()
        argv = _common.command_line(binary, instance, args, log_level, env)
        self._binary = argv[0]
        self._instance = redact_url(instance)
        self._conn = Connection(argv, env, stderr)
        self._closed = False
        try:
            result = self._call("initialize", _common.initialize_params(initialization_options), timeout=startup_timeout)
            self._conn.notify("initialized", {})
        except BaseException:
            self._kill()
            raise
        self.server_info: ServerInfo = ServerInfo.from_json(result)

    # ---- the openframe methods ----------------------------------------------------------------

    @_common.checked_keywords
    def validate(
        self,
        payload: Optional[Mapping[str, Any]] = None,
        *,
        text: Optional[str] = None,
        operation: str = "create",
        interaction_sys_id: Optional[str] = None,
        position_encoding: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> ValidationResult:
        """Checks a payload (a mapping, or ``text``: raw JSON text, whose diagnostics then carry a
        ``range``) as a create or an update. Nothing is sent anywhere. A payload with errors is a
        result with ``valid`` false, not an exception."""
        params = _common.validate_params(payload, text, operation, interaction_sys_id, position_encoding)
        return ValidationResult.from_json(self._call(_common.VALIDATE, params, timeout=timeout))

    @_common.checked_keywords
    def create_voice_interaction(
        self,
        payload: Mapping[str, Any],
        *,
        api_version: Optional[str] = None,
        on_progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
    ) -> CreateResult:
        """Creates a voice interaction record (POST …/voice-interaction). Raises PayloadInvalid
        (nothing sent), InstanceError, InstanceUnreachable, RequestTimedOut or ServerExited.
        ``on_progress`` is called with each Progress, on this thread, before this returns."""
        params = _common.create_params(payload, api_version)
        return CreateResult.from_json(self._call(_common.CREATE, params, timeout=timeout, on_progress=on_progress))

    @_common.checked_keywords
    def update_voice_interaction(
        self,
        sys_id: str,
        payload: Mapping[str, Any],
        *,
        api_version: Optional[str] = None,
        on_progress: Optional[ProgressCallback] = None,
        timeout: Optional[float] = None,
    ) -> UpdateResult:
        """Updates the voice interaction ``sys_id`` (PATCH …/voice-interaction/{sys_id})."""
        params = _common.update_params(sys_id, payload, api_version)
        return UpdateResult.from_json(self._call(_common.UPDATE, params, timeout=timeout, on_progress=on_progress))

    @_common.checked_keywords
    def request(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[ProgressCallback] = None,
    ) -> Any:
        """Any JSON-RPC request; returns the raw ``result``. For methods this class does not wrap yet."""
        return self._call(method, params, timeout=timeout, on_progress=on_progress)

    @overload
    def schema(self, operation: Literal["create", "update"], *, timeout: Optional[float] = None) -> JSONSchema: ...

    @overload
    def schema(self, operation: None = None, *, timeout: Optional[float] = None) -> Schemas: ...

    @_common.checked_keywords
    def schema(self, operation: Optional[str] = None, *, timeout: Optional[float] = None) -> Union[JSONSchema, Schemas]:
        """The JSON Schema (draft 2020-12) of a create or update payload, or both as ``Schemas``
        without an operation: the schemas the validator's rules generate (``openframe/schema``)."""
        result = self._call(_common.SCHEMA, _common.schema_params(operation), timeout=timeout)
        if operation is None:
            return Schemas.from_json(result)
        return dict(result) if isinstance(result, Mapping) else {}

    # ---- plumbing -----------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        params: Any,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[ProgressCallback] = None,
        internal: bool = False,
    ) -> Any:
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0")
        if self._closed and not internal:
            raise ClientClosed()
        pending = _SyncPending(method)
        request_id = self._conn.send_request(
            method, params, pending, progress=on_progress is not None, internal=internal
        )
        deadline = None if timeout is None else time.monotonic() + timeout
        failures = ProgressFailures(method)
        try:
            while True:
                if deadline is None:
                    kind, value = pending.queue.get()
                else:
                    remaining = deadline - time.monotonic()
                    try:
                        kind, value = pending.queue.get(timeout=max(remaining, 0))
                    except queue.Empty:
                        # Lifecycle requests (shutdown) are not cancelled: close() goes on to exit.
                        self._conn.abandon(request_id, cancel=not internal)
                        raise self._timed_out(request_id, method, timeout, cancelled=not internal) from None
                if kind == "result":
                    return value
                if kind == "error":
                    raise value
                if on_progress is not None:
                    try:
                        on_progress(Progress.from_json(value))
                    except Exception as error:
                        failures.report(error)
        except BaseException:
            # A timeout, KeyboardInterrupt: stop the server's work too.
            self._conn.abandon(request_id)
            raise

    @staticmethod
    def _timed_out(request_id: int, method: str, timeout: Optional[float], cancelled: bool) -> RequestTimedOut:
        note = " (the instance may still have acted on it)" if method in (_common.CREATE, _common.UPDATE) else ""
        return RequestTimedOut(
            None,
            "%s (request %d) got no answer within %g s%s%s"
            % (method, request_id, timeout, "; sent $/cancelRequest" if cancelled else "", note),
        )

    def close(self, timeout: float = 5.0) -> None:
        """Sends ``shutdown`` (the server answers it once the calls in flight are answered) and
        ``exit``, then reaps the process. Waits for ``shutdown`` at most ``timeout`` seconds; calls
        still waiting at ``exit`` fail with Cancelled. A server that has not ended ``timeout`` seconds
        after close() began (and at least 3 s after ``exit``) is killed. Idempotent; quick when the
        server is already dead."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        conn = self._conn
        conn.stop_accepting()
        deadline = time.monotonic() + timeout
        if conn.dead is None:
            try:
                self._call("shutdown", None, timeout=timeout, internal=True)
            except OpenFrameError:
                pass
            conn.notify("exit")
        conn.close_stdin()
        conn.reap(max(deadline - time.monotonic(), _EXIT_GRACE))
        conn.join_threads(1.0)
        conn.fail_all(ClientClosed)

    def _kill(self) -> None:
        self._closed = True
        self._conn.stop_accepting()
        if self._conn.process.poll() is None:
            self._conn.process.kill()
        self._conn.reap(5)
        self._conn.join_threads(1.0)

    def __enter__(self) -> "OpenFrameClient":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            warnings.warn("OpenFrameClient (pid %d) was not closed" % self._conn.pid, ResourceWarning, source=self)
            try:
                self._conn.close_stdin()  # the server ends on end of input
            except Exception:
                pass

    # ---- introspection ------------------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self._conn.pid

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def alive(self) -> bool:
        """True while the server process runs and answers."""
        return not self._closed and self._conn.dead is None

    @property
    def returncode(self) -> Optional[int]:
        """The server's exit status once it has ended, else None."""
        return self._conn.process.poll()

    def __repr__(self) -> str:
        if self._closed:
            state = "closed"
        elif self._conn.dead is not None:
            state = "server exited"
        else:
            state = "open"
        return "<OpenFrameClient pid=%d binary=%r instance=%r %s>" % (self._conn.pid, self._binary, self._instance, state)
