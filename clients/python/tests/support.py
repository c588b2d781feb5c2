"""Shared by the test modules: puts the package and the instance stand-in on sys.path, finds the
openframe-rpc binary, and holds the payloads."""

import contextlib
import copy
import logging
import os
import sys
import time
import unittest
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_ROOT = HERE.parent
REPO = PACKAGE_ROOT.parent.parent
sys.path.insert(0, str(PACKAGE_ROOT / "src"))
sys.path.insert(0, str(REPO / "Tests" / "StandIn"))

import openframe_rpc  # noqa: E402
from openframe_standin import StandIn, refusing_port  # noqa: E402,F401


def find_binary() -> str:
    configured = os.environ.get("OPENFRAME_RPC_BIN")
    if configured:
        return configured
    candidates = [REPO / ".build" / "debug" / "openframe-rpc", REPO / ".build" / "release" / "openframe-rpc"]
    existing = [c for c in candidates if c.is_file()]
    if not existing:
        raise RuntimeError("no openframe-rpc binary: run 'swift build' or set OPENFRAME_RPC_BIN")
    return str(max(existing, key=lambda p: p.stat().st_mtime))


BINARY = find_binary()

# The server reads OPENFRAME_INSTANCE and credentials from its environment: tests that want the
# sandbox must not inherit a developer's settings.
CLEAN_ENV = {
    name: None
    for name in (
        "OPENFRAME_INSTANCE",
        "OPENFRAME_USERNAME",
        "OPENFRAME_PASSWORD",
        "OPENFRAME_TOKEN",
        "OPENFRAME_CLIENT_ID",
        "OPENFRAME_CLIENT_SECRET",
        "OPENFRAME_API_KEY",
    )
}

PHONE = "+14089965744"
AGENT = "a8f98bb0eb32010045e1a5115206fe3a"


def create_payload(session: str = "") -> dict:
    return {
        "interaction": {
            "userPhoneNumber": PHONE,
            "clientSessionId": session or uuid.uuid4().hex[:12],
            "additionalParams": {"direction": "inbound", "short_description": "Inbound call"},
        },
        "interactionContext": {"devicetype": "genesys", "requester_session_language": "en-US"},
    }


def update_payload() -> dict:
    return {
        "interaction": {"additionalParams": {"short_description": "Call ended"}},
        "phoneLogs": [
            {"call_id": "2323223", "agent": AGENT, "start_time": "2024-11-04 21:45:00", "end_time": "2024-11-04 21:52:13"}
        ],
        "relatedRecords": [{"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"}],
    }


BAD_PHONE_PAYLOAD = {"interaction": {"userPhoneNumber": "+1 408 996 5744"}}


def client(**options) -> "openframe_rpc.OpenFrameClient":
    env = dict(CLEAN_ENV)
    env.update(options.pop("env", {}) or {})
    options.setdefault("log_level", "warning")
    return openframe_rpc.OpenFrameClient(BINARY, env=env, **options)


def async_client(**options) -> "openframe_rpc.AsyncOpenFrameClient":
    env = dict(CLEAN_ENV)
    env.update(options.pop("env", {}) or {})
    options.setdefault("log_level", "warning")
    return openframe_rpc.AsyncOpenFrameClient(BINARY, env=env, **options)


class StandInCase(unittest.TestCase):
    """A stand-in instance shared by the class, reset before each test."""

    standin: StandIn

    @classmethod
    def setUpClass(cls) -> None:
        cls.standin = StandIn()
        cls.standin.start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.standin.stop()

    def setUp(self) -> None:
        self.standin.reset()

    def api_requests(self):
        return [r for r in self.standin.requests() if r.get("operation") in ("create", "update")]


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@contextlib.contextmanager
def captured_logs(name: str, level: int = logging.WARNING):
    """Collects the records of logger ``name`` (and keeps them off stderr), asserting nothing."""
    log = logging.getLogger(name)
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level)
    saved = log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield records
    finally:
        log.removeHandler(handler)
        log.propagate = saved


def deep_copy(value):
    return copy.deepcopy(value)
