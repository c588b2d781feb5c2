"""The asyncio client: the same methods as OpenFrameClient, as coroutines."""

import asyncio
import inspect
import os
import time
from typing import Any, Callable, Literal, Mapping, Optional, Sequence, Union, overload

from . import _common
from ._connection import Connection, Pending, ProgressFailures, StderrSink, redact_url
from .errors import ClientClosed, OpenFrameError, RequestTimedOut
from .types import CreateResult, JSONSchema, Progress, Schemas, ServerInfo, UpdateResult, ValidationResult

AsyncProgressCallback = Callable[[Progress], Any]

# After `exit`, how long the server may take to answer what is in flight (-32800) and end, even when
# close()'s timeout is used up, before it is killed.
_EXIT_GRACE = 3.0

__all__ = ["AsyncOpenFrameClient", "AsyncProgressCallback"]


class _AsyncPending(Pending):
    """Outcomes and progress cross from the reader thread to the loop with call_soon_threadsafe,
    which keeps their order: every progress callback runs before the call returns."""

    def __init__(self, method: str, loop: asyncio.AbstractEventLoop, on_progress: Optional[AsyncProgressCallback]) -> None:
        super().__init__(method)
        self.loop = loop
        self.future: "asyncio.Future[Any]" = loop.create_future()
        self.on_progress = on_progress
        self.failures = ProgressFailures(method)

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass

    def progress(self, value: Any) -> None:
        if self.on_progress is not None:
            self._post(self._run_progress, value)

    def _run_progress(self, value: Any) -> None:
        if self.future.done() or self.on_progress is None:
            return
        try:
            outcome = self.on_progress(Progress.from_json(value))
            if inspect.isawaitable(outcome):
                task = asyncio.ensure_future(outcome)
                task.add_done_callback(self._callback_done)
        except Exception as error:  # reported; the call goes on, as in the thread client
            self.failures.report(error)

    def _callback_done(self, task: "asyncio.Future[Any]") -> None:
        if not task.cancelled() and task.exception() is not None:
            self.failures.report(task.exception())  # type: ignore[arg-type]

    def resolve(self, result: Any) -> None:
        self._post(self._set_result, result)

    def fail(self, error: BaseException) -> None:
        self._post(self._set_exception, error)

    def _set_result(self, result: Any) -> None:
        if not self.future.done():
            self.future.set_result(result)

    def _set_exception(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)


class AsyncOpenFrameClient:
    """The asyncio twin of :class:`OpenFrameClient` (same arguments, same methods, as coroutines)::

        async with AsyncOpenFrameClient() as client:
            result = await client.create_voice_interaction(payload)

    or ``client = await AsyncOpenFrameClient.start(...)`` ... ``await client.close()``.

    Cancelling the task that awaits a call sends ``$/cancelRequest`` and raises
    ``asyncio.CancelledError`` as usual; a ``timeout`` sends it too and raises RequestTimedOut.
    ``on_progress`` runs on the event loop (a coroutine function is scheduled as a task).
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
        # Checked now (a missing binary fails here); spawned by start() / `async with`.
        self._argv = _common.command_line(binary, instance, args, log_level, env)
        self._env = env
        self._stderr = stderr
        self._init_options = initialization_options
        self._startup_timeout = startup_timeout
        self._instance = redact_url(instance)
        self._conn: Optional[Connection] = None
        self._closed = False
        self._closing: Optional["asyncio.Future[None]"] = None
        self._server_info: Optional[ServerInfo] = None

    @property
    def server_info(self) -> ServerInfo:
        """What ``initialize`` told about the server; set once the client is started (inside
        ``async with``, or after ``start()``)."""
        if self._server_info is None:
            raise ClientClosed("the AsyncOpenFrameClient is not started: use 'async with' or AsyncOpenFrameClient.start()")
        return self._server_info

    @classmethod
    async def start(
        cls,
        binary: Union[str, "os.PathLike[str]", None] = None,
        **options: Any,
    ) -> "AsyncOpenFrameClient":
        """Spawns the server and initializes it; same arguments as the constructor."""
        client = cls(binary, **options)
        await client._begin()
        return client

    async def _begin(self) -> None:
        if self._conn is not None:
            return
        if self._closed:
            raise ClientClosed()
        env, self._env = self._env, None  # the child has them; the client does not keep them
        init_options, self._init_options = self._init_options, None
        self._conn = Connection(self._argv, env, self._stderr)
        try:
            result = await self._call(
                "initialize", _common.initialize_params(init_options), timeout=self._startup_timeout, internal=True
            )
            self._conn.notify("initialized", {})
        except BaseException:
            self._closed = True
            self._conn.stop_accepting()
            if self._conn.process.poll() is None:
                self._conn.process.kill()
            await asyncio.get_running_loop().run_in_executor(None, self._reap, 5.0)
            raise
        self._server_info = ServerInfo.from_json(result)

    async def __aenter__(self) -> "AsyncOpenFrameClient":
        await self._begin()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    # ---- the openframe methods ----------------------------------------------------------------

    @_common.checked_keywords
    async def validate(
        self,
        payload: Optional[Mapping[str, Any]] = None,
        *,
        text: Optional[str] = None,
        operation: str = "create",
        interaction_sys_id: Optional[str] = None,
        position_encoding: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> ValidationResult:
        params = _common.validate_params(payload, text, operation, interaction_sys_id, position_encoding)
        return ValidationResult.from_json(await self._call(_common.VALIDATE, params, timeout=timeout))

    @_common.checked_keywords
    async def create_voice_interaction(
        self,
        payload: Mapping[str, Any],
        *,
        api_version: Optional[str] = None,
        on_progress: Optional[AsyncProgressCallback] = None,
        timeout: Optional[float] = None,
    ) -> CreateResult:
        params = _common.create_params(payload, api_version)
        return CreateResult.from_json(await self._call(_common.CREATE, params, timeout=timeout, on_progress=on_progress))

    @_common.checked_keywords
    async def update_voice_interaction(
        self,
        sys_id: str,
        payload: Mapping[str, Any],
        *,
        api_version: Optional[str] = None,
        on_progress: Optional[AsyncProgressCallback] = None,
        timeout: Optional[float] = None,
    ) -> UpdateResult:
        params = _common.update_params(sys_id, payload, api_version)
        return UpdateResult.from_json(await self._call(_common.UPDATE, params, timeout=timeout, on_progress=on_progress))

    @_common.checked_keywords
    async def request(
        self,
        method: str,
        params: Any = None,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[AsyncProgressCallback] = None,
    ) -> Any:
        return await self._call(method, params, timeout=timeout, on_progress=on_progress)

    @overload
    async def schema(self, operation: Literal["create", "update"], *, timeout: Optional[float] = None) -> JSONSchema: ...

    @overload
    async def schema(self, operation: None = None, *, timeout: Optional[float] = None) -> Schemas: ...

    @_common.checked_keywords
    async def schema(self, operation: Optional[str] = None, *, timeout: Optional[float] = None) -> Union[JSONSchema, Schemas]:
        """The JSON Schema of a create or update payload, or both as ``Schemas``."""
        result = await self._call(_common.SCHEMA, _common.schema_params(operation), timeout=timeout)
        if operation is None:
            return Schemas.from_json(result)
        return dict(result) if isinstance(result, Mapping) else {}

    # ---- plumbing -----------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        params: Any,
        *,
        timeout: Optional[float] = None,
        on_progress: Optional[AsyncProgressCallback] = None,
        internal: bool = False,
    ) -> Any:
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be >= 0")
        if self._closed and not internal:
            raise ClientClosed()
        if self._conn is None:
            raise ClientClosed("the AsyncOpenFrameClient is not started: use 'async with' or AsyncOpenFrameClient.start()")
        conn = self._conn
        pending = _AsyncPending(method, asyncio.get_running_loop(), on_progress)
        request_id = conn.send_request(method, params, pending, progress=on_progress is not None, internal=internal)
        try:
            if timeout is None:
                return await pending.future
            try:
                return await asyncio.wait_for(pending.future, timeout)
            except asyncio.TimeoutError:
                if pending.future.done() and not pending.future.cancelled():
                    return pending.future.result()  # answered at the very last moment
                # Lifecycle requests (shutdown) are not cancelled: close() goes on to exit.
                conn.abandon(request_id, cancel=not internal)
                note = " (the instance may still have acted on it)" if method in (_common.CREATE, _common.UPDATE) else ""
                raise RequestTimedOut(
                    None,
                    "%s (request %d) got no answer within %g s%s%s"
                    % (method, request_id, timeout, "" if internal else "; sent $/cancelRequest", note),
                ) from None
        except BaseException:
            # Task cancellation: stop the server's work too.
            conn.abandon(request_id)
            raise

    async def close(self, timeout: float = 5.0) -> None:
        """Sends ``shutdown`` and ``exit`` and reaps the process, as OpenFrameClient.close() does.
        Idempotent; quick when the server is already dead."""
        if self._closing is not None:
            await asyncio.shield(self._closing)
            return
        loop = asyncio.get_running_loop()
        self._closing = loop.create_future()
        self._closed = True
        try:
            conn = self._conn
            if conn is None:
                return
            conn.stop_accepting()
            deadline = time.monotonic() + timeout
            if conn.dead is None:
                try:
                    await self._call("shutdown", None, timeout=timeout, internal=True)
                except OpenFrameError:
                    pass
                conn.notify("exit")
            conn.close_stdin()
            await loop.run_in_executor(None, self._reap, max(deadline - time.monotonic(), _EXIT_GRACE))
            conn.fail_all(ClientClosed)
        finally:
            self._closing.set_result(None)

    def _reap(self, timeout: float) -> None:
        assert self._conn is not None
        self._conn.reap(timeout)
        self._conn.join_threads(1.0)

    def __del__(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None and not getattr(self, "_closed", True):
            try:
                conn.close_stdin()
            except Exception:
                pass

    # ---- introspection ------------------------------------------------------------------------

    @property
    def pid(self) -> Optional[int]:
        return self._conn.pid if self._conn is not None else None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def alive(self) -> bool:
        return self._conn is not None and not self._closed and self._conn.dead is None

    @property
    def returncode(self) -> Optional[int]:
        return self._conn.process.poll() if self._conn is not None else None

    def __repr__(self) -> str:
        if self._conn is None:
            state = "closed" if self._closed else "not started"
            pid = None
        else:
            pid = self._conn.pid
            state = "closed" if self._closed else ("server exited" if self._conn.dead is not None else "open")
        return "<AsyncOpenFrameClient pid=%r binary=%r instance=%r %s>" % (pid, self._argv[0], self._instance, state)
