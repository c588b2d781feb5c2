"""The process and the wire: spawning openframe-rpc, writing NDJSON messages, and one reader thread
that routes every answer to its caller by id and every ``$/progress`` to its call.

Both clients (threads and asyncio) sit on this. A call is a :class:`Pending` registered under its
id before the request is written; the reader hands it progress values, then exactly one outcome.
"""

import collections
import itertools
import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
import urllib.parse
from typing import Any, Callable, Deque, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from .errors import BinaryNotFound, ClientClosed, ServerExited, error_from_response

logger = logging.getLogger("openframe_rpc")

StderrSink = Union[None, int, logging.Logger, Callable[[str], Any], Any]

_STDERR_TAIL = 20
_LOG_LINE = re.compile(r"^openframe-rpc: (error|warning|info|debug|trace): ")
_LEVELS = {
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": logging.DEBUG,
}


class ProgressFailures:
    """A progress callback that raises must not end its call (which may already have created a
    record) nor the host: the first failure of a call is logged with its traceback, later ones of
    the same call only at debug level."""

    def __init__(self, method: str) -> None:
        self.method = method
        self.count = 0

    def report(self, error: BaseException) -> None:
        self.count += 1
        if self.count == 1:
            logger.error(
                "the on_progress callback of %s raised %s; the call goes on (further failures of this "
                "call are logged at debug level)", self.method, type(error).__name__,
                exc_info=(type(error), error, error.__traceback__),
            )
        else:
            logger.debug("the on_progress callback of %s raised again: %r", self.method, error)


class Pending:
    """One call waiting for its answer. Subclasses decide on which thread the outcome is seen."""

    def __init__(self, method: str) -> None:
        self.method = method

    def progress(self, value: Any) -> None:
        """A ``$/progress`` value for this call (always delivered before the outcome)."""

    def resolve(self, result: Any) -> None:
        raise NotImplementedError

    def fail(self, error: BaseException) -> None:
        raise NotImplementedError


def redact_url(url: Optional[str]) -> Optional[str]:
    """The URL without user info, query or fragment: safe to show in reprs and messages."""
    if url is None:
        return None
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = "%s:%d" % (host, parts.port)
        return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<unparseable URL>"


class Connection:
    """One openframe-rpc child process speaking NDJSON on its stdin/stdout."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Optional[Mapping[str, Optional[str]]],
        stderr: StderrSink,
    ) -> None:
        child_env = dict(os.environ)
        for key, value in (env or {}).items():
            if value is None:
                child_env.pop(key, None)
            else:
                child_env[str(key)] = str(value)
        discard_stderr = stderr is subprocess.DEVNULL
        self.argv = list(argv)
        # The environment goes to the child only; it is not kept on this object.
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL if discard_stderr else subprocess.PIPE,
                env=child_env,
                close_fds=True,
            )
        except OSError as error:
            raise BinaryNotFound("could not run %s: %s" % (self.argv[0], error.strerror or error)) from None
        del child_env
        self.pid = self.process.pid
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._pending: Dict[int, Pending] = {}
        self._abandoned: Dict[int, Tuple[str, bool]] = {}  # id -> (method, quiet)
        self._accepting = True  # False once close() began or the server is gone
        self._death: Optional[ServerExited] = None
        self._stderr_tail: Deque[str] = collections.deque(maxlen=_STDERR_TAIL)
        self._stderr_sink = stderr
        self._outbox: "queue.SimpleQueue[Optional[bytes]]" = queue.SimpleQueue()

        name = "openframe-rpc[%d]" % self.pid
        self._stderr_thread: Optional[threading.Thread] = None
        if not discard_stderr:
            self._stderr_thread = threading.Thread(target=self._read_stderr, name=name + " stderr", daemon=True)
            self._stderr_thread.start()
        self._writer = threading.Thread(target=self._write_loop, name=name + " writer", daemon=True)
        self._writer.start()
        self._reader = threading.Thread(target=self._read_loop, name=name + " reader", daemon=True)
        self._reader.start()

    # ---- state -------------------------------------------------------------------------------

    @property
    def dead(self) -> Optional[ServerExited]:
        return self._death

    @property
    def accepting(self) -> bool:
        return self._accepting

    def stop_accepting(self) -> None:
        with self._lock:
            self._accepting = False

    def in_flight(self) -> int:
        with self._lock:
            return len(self._pending)

    # ---- sending -----------------------------------------------------------------------------

    def send_request(
        self, method: str, params: Any, pending: Pending, *, progress: bool = False, internal: bool = False
    ) -> int:
        """Registers ``pending`` under a new id and queues the request. With ``progress``, the params
        get a ``workDoneToken``: the request's id, so ``$/progress`` finds its call. Raises
        ServerExited or ClientClosed instead of queueing when no answer could come."""
        request_id = next(self._ids)
        if progress:
            params = dict(params or {})
            params["workDoneToken"] = request_id
        message: Dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            message["params"] = params
        data = _encode(message)  # before registering: a payload that is not JSON fails here
        with self._lock:
            if self._death is not None:
                raise self._death_error()
            if not self._accepting and not internal:
                raise ClientClosed()
            self._pending[request_id] = pending
        self._outbox.put(data)
        return request_id

    def notify(self, method: str, params: Any = None) -> None:
        if self._death is not None:
            return
        message: Dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            message["params"] = params
        self._outbox.put(_encode(message))

    def send_raw(self, line: bytes) -> None:
        """Writes one line as is (tests use it to play a misbehaving host)."""
        self._outbox.put(line if line.endswith(b"\n") else line + b"\n")

    def abandon(self, request_id: int, cancel: bool = True) -> bool:
        """Stops waiting for ``request_id`` (its late answer is dropped) and, when ``cancel``, sends
        ``$/cancelRequest`` for it. Without ``cancel`` (lifecycle requests such as shutdown) the late
        answer is dropped silently. False when it was already answered."""
        with self._lock:
            pending = self._pending.pop(request_id, None)
            if pending is None:
                return False
            if self._death is None:
                self._abandoned[request_id] = (pending.method, not cancel)
        if cancel:
            self.notify("$/cancelRequest", {"id": request_id})
        return True

    def _write_loop(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        while True:
            item = self._outbox.get()
            chunks: List[bytes] = []
            closing = item is None
            if item is not None:
                chunks.append(item)
                # Coalesce whatever else is queued into one write.
                while len(chunks) < 4096:
                    try:
                        more = self._outbox.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        closing = True
                        break
                    chunks.append(more)
            try:
                if chunks:
                    stdin.write(b"".join(chunks))
                    stdin.flush()
                if closing:
                    stdin.close()
                    return
            except (OSError, ValueError):
                # The server closed its stdin or died: whatever waits fails now.
                self._server_gone("its standard input closed")
                try:
                    stdin.close()
                except (OSError, ValueError):
                    pass
                return

    def close_stdin(self) -> None:
        """Queues the end of input: the server answers what it has read, then exits."""
        self._outbox.put(None)

    # ---- receiving ---------------------------------------------------------------------------

    def _read_loop(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            for line in stdout:
                if not line.strip():
                    continue
                try:
                    message = json.loads(line)
                except ValueError:
                    logger.warning("openframe-rpc wrote a line that is not JSON; dropped: %.200r", line)
                    continue
                try:
                    if isinstance(message, list):
                        for item in message:
                            self._dispatch(item)
                    else:
                        self._dispatch(message)
                except Exception:  # a bug here must never stop the routing of other answers
                    logger.exception("error while handling a message from openframe-rpc")
        except (OSError, ValueError):
            pass
        self._server_gone("its standard output closed")

    def _dispatch(self, message: Any) -> None:
        if not isinstance(message, dict):
            logger.warning("openframe-rpc sent a message that is not an object; dropped: %.200r", message)
            return
        method = message.get("method")
        if isinstance(method, str):
            if "id" in message:
                # The server sends no requests today; answer as JSON-RPC asks, so it never waits.
                logger.warning("openframe-rpc sent a request (%s); answered method not found", method)
                self._outbox.put(_encode({
                    "jsonrpc": "2.0",
                    "id": message["id"],
                    "error": {"code": -32601, "message": "the host does not handle %s" % method},
                }))
            elif method == "$/progress":
                self._progress(message.get("params"))
            else:
                # durable.on_outcome installs this (openframe/delivered, deliveryFailed, outboxPaused).
                handler = getattr(self, "on_notification", None)
                if handler is not None:
                    try:
                        handler(method, message.get("params"))
                    except Exception:  # a host callback's bug must not stop the reader
                        logger.exception("notification handler for %s raised", method)
                else:
                    logger.debug("notification %s from openframe-rpc ignored", method)
            return
        if "result" not in message and "error" not in message:
            logger.warning("openframe-rpc sent a message that is neither a response nor a notification; dropped")
            return
        request_id = message.get("id")
        pending = None
        abandoned = None
        if isinstance(request_id, int) and not isinstance(request_id, bool):
            with self._lock:
                pending = self._pending.pop(request_id, None)
                if pending is None:
                    abandoned = self._abandoned.pop(request_id, None)
        if pending is None:
            if abandoned is not None:
                method, quiet = abandoned
                if "error" in message or quiet:
                    logger.debug("answer to abandoned request %s (%s) dropped", request_id, method)
                else:
                    logger.warning(
                        "late result of request %s (%s), which timed out or was cancelled, dropped: %.300s",
                        request_id, method, json.dumps(message.get("result")),
                    )
            elif request_id is None and "error" in message:
                logger.warning("openframe-rpc reported an error not tied to a request: %.300s", json.dumps(message["error"]))
            else:
                logger.warning("response to unknown id %r dropped", request_id)
            return
        if "error" in message:
            pending.fail(error_from_response(message["error"]))
        else:
            pending.resolve(message.get("result"))

    def _progress(self, params: Any) -> None:
        if not isinstance(params, dict):
            return
        token = params.get("token")
        pending = None
        if isinstance(token, int) and not isinstance(token, bool):
            with self._lock:
                pending = self._pending.get(token)
        if pending is None:
            logger.debug("progress for unknown token %r dropped", token)
            return
        pending.progress(params.get("value"))

    def _read_stderr(self) -> None:
        stream = self.process.stderr
        assert stream is not None
        try:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self._stderr_tail.append(line)
                try:
                    _forward_stderr(self._stderr_sink, line)
                except Exception:
                    pass
        except (OSError, ValueError):
            pass

    # ---- the end ------------------------------------------------------------------------------

    def _server_gone(self, how: str) -> None:
        with self._lock:
            if self._death is not None:
                return
        returncode = None
        try:
            returncode = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
        if self._stderr_thread is not None and threading.current_thread() is not self._stderr_thread:
            self._stderr_thread.join(timeout=1)
        tail = list(self._stderr_tail)
        if returncode is None:
            text = "openframe-rpc (pid %d) stopped answering: %s" % (self.pid, how)
        elif returncode < 0:
            text = "openframe-rpc (pid %d) was killed by signal %d" % (self.pid, -returncode)
        else:
            text = "openframe-rpc (pid %d) exited with status %d" % (self.pid, returncode)
        if tail:
            text += "; its last words on stderr: %s" % tail[-1][:300]
        death = ServerExited(text, returncode, tail)
        with self._lock:
            if self._death is not None:
                return
            self._death = death
            self._accepting = False
            waiting = list(self._pending.values())
            self._pending.clear()
            self._abandoned.clear()
        self._outbox.put(None)  # ends the writer thread
        for pending in waiting:
            pending.fail(self._death_error())

    def _death_error(self) -> ServerExited:
        death = self._death
        assert death is not None
        # A fresh exception per caller: tracebacks are not shared between threads.
        return ServerExited(death.message, death.returncode, death.stderr_tail)

    def fail_all(self, make_error: Callable[[], BaseException]) -> None:
        with self._lock:
            waiting = list(self._pending.values())
            self._pending.clear()
        for pending in waiting:
            pending.fail(make_error())

    def reap(self, timeout: float) -> Optional[int]:
        """Waits up to ``timeout`` for the process to end, then kills it. Returns its status."""
        timeout = max(timeout, 0.0)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("openframe-rpc (pid %d) did not exit in time; killing it", self.pid)
            self.process.kill()
            return self.process.wait()

    def join_threads(self, timeout: float) -> None:
        self._outbox.put(None)  # the writer ends once what is queued is written
        for thread in (self._reader, self._stderr_thread, self._writer):
            if thread is not None and thread is not threading.current_thread():
                thread.join(timeout)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                try:
                    stream.close()
                except (OSError, ValueError):
                    pass


def _encode(message: Mapping[str, Any]) -> bytes:
    # Compact, UTF-8, one line (json escapes every control character), and no NaN or Infinity,
    # which are not JSON: those raise ValueError here, before anything is sent.
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8") + b"\n"


def _forward_stderr(sink: StderrSink, line: str) -> None:
    if sink is None:
        stream = sys.stderr
        if stream is not None:
            stream.write(line + "\n")
            stream.flush()
    elif isinstance(sink, logging.Logger):
        match = _LOG_LINE.match(line)
        level = _LEVELS[match.group(1)] if match else logging.INFO
        sink.log(level, "%s", line)
    elif hasattr(sink, "write"):
        sink.write(line + "\n")
        if hasattr(sink, "flush"):
            sink.flush()
    elif callable(sink):
        sink(line)
