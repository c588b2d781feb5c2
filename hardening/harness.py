"""Shared pieces of the soak test and the fault storm (Python 3 standard library only).

- building and locating the release binary;
- /proc readings: resident size, descriptors, threads, process state and start time;
- the child subreaper, so a server whose host died is re-parented to the driver, which can
  then see it exit and collect its status instead of leaving a zombie to init;
- the instance stand-in as a subprocess, with its control API;
- a JSON-RPC peer over the server's stdin/stdout (NDJSON or LSP framing), read on a thread.
"""

import base64
import ctypes
import json
import os
import select
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "openframe-rpc")
STANDIN_SCRIPT = os.path.join(ROOT, "Tests", "StandIn", "openframe_standin.py")

CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------

def build_release(log):
    """`swift build -c release` in the repository (incremental: seconds when up to date)."""
    log("building: swift build -c release")
    started = time.monotonic()
    result = subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        sys.stderr.write(result.stdout.decode("utf-8", "replace")[-4000:])
        raise SystemExit("build failed (exit %d)" % result.returncode)
    log("built in %.0f s" % (time.monotonic() - started))


def resolve_binary(path, no_build, log):
    if path:
        path = os.path.abspath(path)
    else:
        path = DEFAULT_BINARY
        if not no_build:
            build_release(log)
    if not os.access(path, os.X_OK):
        raise SystemExit("no executable server at %s (build it with 'swift build -c release')" % path)
    return path


# --------------------------------------------------------------------------
# /proc
# --------------------------------------------------------------------------

def proc_stat(pid):
    """{'state', 'ppid', 'start'} from /proc/PID/stat, or None when there is no such process."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # comm may contain spaces and parentheses: split after the last ')'.
    rest = data[data.rindex(b")") + 2:].split()
    return {"state": rest[0].decode(), "ppid": int(rest[1]), "start": int(rest[19])}


def same_process(pid, start):
    """True while PID still names the process that had this start time (not a reused pid)."""
    stat = proc_stat(pid)
    return stat is not None and stat["start"] == start


def rss_kib(pid):
    return _status_field(pid, "VmRSS")


def thread_count(pid):
    return _status_field(pid, "Threads")


def _status_field(pid, name):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None


def fd_kinds(pid):
    """{'pipe': n, 'socket': n, 'file': n, …}: what the descriptors are, for a report."""
    kinds = {}
    try:
        names = os.listdir("/proc/%d/fd" % pid)
    except OSError:
        return kinds
    for name in names:
        try:
            target = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        kind = target.split(":", 1)[0] if ":" in target and not target.startswith("/") else (
            "anon_inode" if target.startswith("anon_inode") else "file")
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def thread_names(pid):
    """{'openframe-rpc': 3, 'jsonrpc-writer': 1, …}: the threads by name (comm)."""
    names = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return names
    for tid in tids:
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                name = f.read().strip()
        except OSError:
            continue
        names[name] = names.get(name, 0) + 1
    return names


def sample(pid):
    return {"rssKiB": rss_kib(pid), "fds": fd_count(pid), "threads": thread_count(pid)}


def processes_running(executable):
    """PIDs of live processes running this executable (zombies have no exe link)."""
    found = []
    real = os.path.realpath(executable)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.path.realpath("/proc/%s/exe" % name) == real:
                found.append(int(name))
        except OSError:
            continue
    return found


def zombie_children(parent):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            stat = proc_stat(int(name))
            if stat and stat["ppid"] == parent and stat["state"] == "Z":
                found.append(int(name))
    return found


def become_subreaper():
    """prctl(PR_SET_CHILD_SUBREAPER): orphaned descendants are re-parented to us, not to init,
    so we can watch a server outlive its host, reap it and read its exit status."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def describe_status(status):
    """waitpid status → 'exit 0' / 'signal 9'."""
    if os.WIFEXITED(status):
        return "exit %d" % os.WEXITSTATUS(status)
    if os.WIFSIGNALED(status):
        return "signal %d" % os.WTERMSIG(status)
    return "status %d" % status


def wait_for_exit(pid, start, timeout, reap=True):
    """Waits until the process is gone. If it is our child (directly or by re-parenting to the
    subreaper) it is reaped and its status returned as 'exit N' / 'signal N'; a process that is
    not ours gives 'gone'. None if it is still running after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if reap:
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
                if got == pid:
                    return describe_status(status)
            except ChildProcessError:
                pass
        stat = proc_stat(pid)
        if stat is None or stat["start"] != start:
            return "gone"
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


# --------------------------------------------------------------------------
# the stand-in
# --------------------------------------------------------------------------

class StandInProcess(object):
    """Tests/StandIn/openframe_standin.py in its own process (its own GIL), controlled over HTTP."""

    def __init__(self, auth="none", username=None, password=None, extra=()):
        argv = [sys.executable, STANDIN_SCRIPT, "--quiet", "--exit-on-stdin-eof", "--auth", auth]
        if username is not None:
            argv += ["--username", username, "--password", password]
        argv += list(extra)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, close_fds=True)
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the stand-in did not start")
        self.url = json.loads(line)["url"]

    def call(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            raise RuntimeError("stand-in %s %s: HTTP %d %s" % (method, path, error.code, error.read()[:300]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def basic_token(username, password):
    return base64.b64encode(("%s:%s" % (username, password)).encode()).decode()


# --------------------------------------------------------------------------
# the JSON-RPC peer
# --------------------------------------------------------------------------

def ndjson_frame(body):
    return body + b"\n"


def lsp_frame(body):
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Peer(object):
    """One server process and the host's end of its pipes.

    `send(bytes)` writes whole (already framed) bytes from the caller's thread; a reader thread
    splits the answers by framing, parses each and calls `on_message(value, raw)`; `on_eof()`
    once stdout ends. The reader polls with a timeout so that `stop_reading()` can end it
    before the host closes its read end (closing a descriptor another thread is blocked on
    would not wake it, and its number could be reused under it)."""

    def __init__(self, argv, env, stderr, framing, on_message, on_eof=None, keep_raw=False):
        self.framing = framing
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                     env=env, bufsize=0, close_fds=True)
        self.pid = self.proc.pid
        stat = proc_stat(self.pid)
        self.start = stat["start"] if stat else None
        self.stdin_fd = self.proc.stdin.fileno()
        self.stdout_fd = self.proc.stdout.fileno()
        self.on_message = on_message
        self.on_eof = on_eof
        self.keep_raw = keep_raw
        self.raw = bytearray() if keep_raw else None
        self.bytes_in = 0
        self.bytes_out = 0
        self.write_lock = threading.Lock()
        self._stop = False
        self.eof = threading.Event()
        self.stdin_closed = False
        self.stdout_closed = False
        self.reader = threading.Thread(target=self._read_loop, name="peer-reader", daemon=True)
        self.reader.start()

    def send(self, data):
        """Writes all of `data`; raises BrokenPipeError/OSError when the server is gone."""
        view = memoryview(data)
        with self.write_lock:
            while view:
                n = os.write(self.stdin_fd, view)
                view = view[n:]
                self.bytes_out += n

    def close_stdin(self):
        with self.write_lock:
            if not self.stdin_closed:
                self.stdin_closed = True
                self.proc.stdin.close()

    def stop_reading(self):
        self._stop = True
        self.reader.join()

    def close_stdout(self):
        """Closes our read end of the server's stdout (after stopping the reader)."""
        self.stop_reading()
        if not self.stdout_closed:
            self.stdout_closed = True
            self.proc.stdout.close()

    def _read_loop(self):
        buffer = bytearray()
        poller = select.poll()
        poller.register(self.stdout_fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        try:
            while not self._stop:
                if not poller.poll(200):
                    continue
                chunk = os.read(self.stdout_fd, 1 << 20)
                if not chunk:
                    break
                self.bytes_in += len(chunk)
                if self.keep_raw:
                    self.raw += chunk
                buffer += chunk
                if self.framing == "ndjson":
                    self._split_lines(buffer)
                else:
                    self._split_lsp(buffer)
        finally:
            if not self._stop:
                self.eof.set()
                if self.on_eof:
                    self.on_eof()

    def _split_lines(self, buffer):
        end = buffer.rfind(b"\n")
        if end < 0:
            return
        block = bytes(buffer[:end])
        del buffer[:end + 1]
        for line in block.split(b"\n"):
            if line:
                self._deliver(line)

    def _split_lsp(self, buffer):
        while True:
            head = buffer.find(b"\r\n\r\n")
            if head < 0:
                return
            length = None
            for line in bytes(buffer[:head]).split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length is None:
                raise ValueError("server wrote a header block without Content-Length: %r" % bytes(buffer[:head]))
            if len(buffer) < head + 4 + length:
                return
            body = bytes(buffer[head + 4:head + 4 + length])
            del buffer[:head + 4 + length]
            self._deliver(body)

    def _deliver(self, body):
        try:
            value = json.loads(body)
        except ValueError:
            value = ValueError("not JSON: %r" % body[:200])
        self.on_message(value, body)
