"""OpenFrameClient against the real binary and its embedded sandbox: lifecycle, validate, create,
update, progress, the error classes, and the details (stderr, ids, unknown ids, secrets)."""

import io
import json
import logging
import os
import re
import signal
import subprocess
import threading
import time
import unittest

import support
from support import PHONE, client, create_payload, update_payload

import openframe_rpc
from openframe_rpc import (
    ClientClosed,
    InvalidParams,
    MethodNotFound,
    OpenFrameClient,
    OpenFrameError,
    PayloadInvalid,
    ServerExited,
)

HEX32 = re.compile(r"^[0-9a-f]{32}$")


class LifecycleTests(unittest.TestCase):
    def test_initialize_reports_the_server(self):
        with client() as c:
            self.assertEqual(c.server_info.name, "openframe-rpc")
            self.assertTrue(c.server_info.version)
            self.assertLessEqual(
                {"openframe/validate", "openframe/createVoiceInteraction", "openframe/updateVoiceInteraction"},
                set(c.server_info.methods),
            )
            self.assertEqual(c.server_info.target, "sandbox")
            self.assertTrue(c.alive)
            self.assertIsNone(c.returncode)

    def test_close_sends_shutdown_and_exit_and_reaps_the_process(self):
        c = client()
        pid = c.pid
        c.close()
        self.assertTrue(c.closed)
        self.assertFalse(c.alive)
        self.assertEqual(c.returncode, 0, "exit after shutdown ends with status 0")
        with self.assertRaises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # already reaped: not a zombie
        c.close()  # idempotent

    def test_a_call_after_close_raises_a_clear_error(self):
        c = client()
        c.close()
        with self.assertRaises(ClientClosed) as caught:
            c.validate({"interaction": {"userPhoneNumber": PHONE}})
        self.assertIn("closed", str(caught.exception))
        self.assertIsInstance(caught.exception, OpenFrameError)
        with self.assertRaises(ClientClosed):
            c.create_voice_interaction(create_payload())

    def test_context_manager_closes_on_error(self):
        with self.assertRaises(KeyError):
            with client() as c:
                raise KeyError("boom")
        self.assertTrue(c.closed)
        self.assertEqual(c.returncode, 0)

    def test_reader_and_helper_threads_are_daemons(self):
        with client() as c:
            threads = [t for t in threading.enumerate() if t.name.startswith("openframe-rpc[%d]" % c.pid)]
            self.assertGreaterEqual(len(threads), 2)
            self.assertTrue(all(t.daemon for t in threads), threads)
            reader = [t for t in threads if t.name.endswith("reader")]
            self.assertEqual(len(reader), 1)
        # and they end with the client
        self.assertTrue(support.wait_until(lambda: not any(t.name.startswith("openframe-rpc[%d]" % c.pid) for t in threading.enumerate())))

    def test_missing_binary_is_a_clear_error(self):
        with self.assertRaises(openframe_rpc.BinaryNotFound) as caught:
            OpenFrameClient("/nonexistent/openframe-rpc")
        self.assertIsInstance(caught.exception, FileNotFoundError)

    def test_binary_found_through_the_environment_variable(self):
        previous = os.environ.get("OPENFRAME_RPC_BIN")
        os.environ["OPENFRAME_RPC_BIN"] = support.BINARY
        try:
            with OpenFrameClient(env=support.CLEAN_ENV, log_level="warning") as c:
                self.assertTrue(c.validate({"interaction": {"userPhoneNumber": PHONE}}).valid)
        finally:
            if previous is None:
                del os.environ["OPENFRAME_RPC_BIN"]
            else:
                os.environ["OPENFRAME_RPC_BIN"] = previous

    def test_a_server_that_refuses_to_start_raises_server_exited_with_its_reason(self):
        started = time.monotonic()
        lines = []
        with self.assertRaises(ServerExited) as caught:
            client(args=["--no-such-option"], stderr=lines.append)
        self.assertLess(time.monotonic() - started, 10)
        self.assertNotEqual(caught.exception.returncode, 0)
        self.assertIn("no-such-option", str(caught.exception))
        self.assertIn("no-such-option", caught.exception.stderr_tail[-1])
        self.assertEqual(lines, caught.exception.stderr_tail)


class ValidateTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_valid_create_payload(self):
        result = self.client.validate(create_payload())
        self.assertTrue(result.valid)
        self.assertTrue(result)
        self.assertEqual(result.errors, [])

    def test_invalid_phone_number_with_fix(self):
        result = self.client.validate(support.BAD_PHONE_PAYLOAD)
        self.assertFalse(result.valid)
        [error] = [d for d in result.errors if d.code == "invalid-phone-number"]
        self.assertEqual(error.path, "/interaction/userPhoneNumber")
        self.assertIsNone(error.range, "no range without text")
        self.assertIsNotNone(error.fix)
        self.assertEqual(error.fix.kind, "replaceValue")
        self.assertEqual(error.fix.replace_value, PHONE)
        self.assertIn("invalid-phone-number", error.describe())

    def test_text_gives_ranges(self):
        text = '{"interaction": {"userPhoneNumber": "+1 408 996 5744"}}'
        result = self.client.validate(text=text)
        self.assertFalse(result.valid)
        [error] = [d for d in result.errors if d.code == "invalid-phone-number"]
        self.assertIsNotNone(error.range)
        self.assertEqual(error.range.start.line, 0)
        self.assertEqual(text[error.range.start.character : error.range.end.character], '"+1 408 996 5744"')

    def test_json_syntax_error_is_a_diagnostic(self):
        result = self.client.validate(text='{"interaction": ')
        self.assertFalse(result.valid)
        self.assertEqual(result.errors[0].code, "json-syntax")

    def test_update_operation(self):
        result = self.client.validate(
            update_payload(), operation="update", interaction_sys_id="12961fff7fb2d2102d0cd3cf8c86652b"
        )
        self.assertTrue(result.valid, result.diagnostics)
        result = self.client.validate(update_payload(), operation="update", interaction_sys_id="not-a-sys-id")
        self.assertFalse(result.valid)
        self.assertIn("invalid-sys-id", [d.code for d in result.errors])

    def test_exactly_one_of_payload_and_text(self):
        with self.assertRaises(ValueError):
            self.client.validate()
        with self.assertRaises(ValueError):
            self.client.validate({"interaction": {}}, text="{}")

    def test_invalid_params_from_the_server(self):
        with self.assertRaises(InvalidParams) as caught:
            self.client.request("openframe/validate", {"payload": {}, "bogus": 1})
        self.assertEqual(caught.exception.code, -32602)
        self.assertNotIsInstance(caught.exception, PayloadInvalid)
        self.assertIn("bogus", str(caught.exception))

    def test_method_not_found(self):
        with self.assertRaises(MethodNotFound) as caught:
            self.client.request("openframe/noSuchMethod", {})
        self.assertEqual(caught.exception.code, -32601)

    def test_payload_that_is_not_json_fails_before_sending(self):
        with self.assertRaises(ValueError):
            self.client.validate({"interaction": {"userPhoneNumber": float("nan")}})
        with self.assertRaises(TypeError):
            self.client.validate({"interaction": {"userPhoneNumber": object()}})
        # and the connection is still fine
        self.assertTrue(self.client.validate({"interaction": {"userPhoneNumber": PHONE}}).valid)

    def test_unicode_and_line_separators_survive_ndjson(self):
        payload = create_payload()
        payload["interaction"]["additionalParams"]["short_description"] = "Zoë\u2028called\nback \U0001F4DE"
        self.assertTrue(self.client.validate(payload).valid)


class SandboxTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.client = client()

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_create_then_update(self):
        created = self.client.create_voice_interaction(create_payload("session-1"))
        self.assertEqual(created.target, "sandbox")
        self.assertEqual(created.status, "SUCCESS")
        self.assertRegex(created.sys_id, HEX32)
        self.assertTrue(created.number)
        self.assertEqual(created.raw["sysId"], created.sys_id)
        updated = self.client.update_voice_interaction(created.sys_id, update_payload())
        self.assertEqual(updated.status, "SUCCESS")
        self.assertEqual(updated.target, "sandbox")

    def test_api_version(self):
        created = self.client.create_voice_interaction(create_payload(), api_version="v1")
        self.assertEqual(created.status, "SUCCESS")
        updated = self.client.update_voice_interaction(created.sys_id, update_payload(), api_version="v1")
        self.assertEqual(updated.status, "SUCCESS")

    def test_payload_invalid_carries_the_diagnostics(self):
        with self.assertRaises(PayloadInvalid) as caught:
            self.client.create_voice_interaction(support.BAD_PHONE_PAYLOAD)
        error = caught.exception
        self.assertEqual(error.code, -32602)
        self.assertIsInstance(error, InvalidParams)
        self.assertIn("invalid-phone-number", [d.code for d in error.errors])
        self.assertIn("/interaction/userPhoneNumber", str(error))

    def test_update_with_a_bad_sys_id_is_invalid_params(self):
        with self.assertRaises(InvalidParams):
            self.client.update_voice_interaction("nope", update_payload())

    def test_progress_is_delivered_in_order_before_the_result(self):
        seen = []
        caller = threading.current_thread()
        threads = set()

        def on_progress(p):
            seen.append(p)
            threads.add(threading.current_thread())

        created = self.client.create_voice_interaction(create_payload(), on_progress=on_progress)
        self.assertEqual(created.status, "SUCCESS")
        kinds = [p.kind for p in seen]
        self.assertGreaterEqual(len(kinds), 2, kinds)
        self.assertEqual(kinds[0], "begin")
        self.assertEqual(kinds[-1], "end")
        self.assertTrue(all(k == "report" for k in kinds[1:-1]), kinds)
        self.assertTrue(seen[0].title)
        self.assertEqual(threads, {caller}, "callbacks run on the calling thread")

        seen.clear()
        self.client.update_voice_interaction(created.sys_id, update_payload(), on_progress=on_progress)
        self.assertEqual([p.kind for p in seen][0], "begin")
        self.assertEqual([p.kind for p in seen][-1], "end")

    def test_progress_of_concurrent_calls_reaches_the_right_callback(self):
        results = {}

        def one(name):
            seen = []
            created = self.client.create_voice_interaction(create_payload(name), on_progress=seen.append)
            results[name] = (created, [p.kind for p in seen])

        threads = [threading.Thread(target=one, args=("call-%d" % i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(results), 20)
        for created, kinds in results.values():
            self.assertEqual(kinds[0], "begin")
            self.assertEqual(kinds[-1], "end")
            self.assertEqual(kinds.count("begin"), 1)
            self.assertEqual(kinds.count("end"), 1)
        self.assertEqual(len({c.sys_id for c, _ in results.values()}), 20)

    def test_create_payload_must_be_a_mapping(self):
        with self.assertRaises(TypeError):
            self.client.create_voice_interaction('{"interaction": {}}')


class DetailTests(unittest.TestCase):
    def test_server_stderr_is_forwarded_to_a_callable_and_never_mixed_into_the_protocol(self):
        lines = []
        with client(stderr=lines.append, log_level="info") as c:
            self.assertTrue(c.validate(create_payload()).valid)
        self.assertTrue(any(line.startswith("openframe-rpc: info: ") for line in lines), lines)

    def test_server_stderr_to_a_logger_at_its_level(self):
        log = logging.getLogger("openframe-test-server")
        with self.assertLogs(log, level="INFO") as logs:
            with client(stderr=log, log_level="info") as c:
                c.validate(create_payload())
        self.assertTrue(any(r.levelno == logging.INFO and "openframe-rpc: info:" in r.getMessage() for r in logs.records))

    def test_server_stderr_to_a_file_object_and_by_default_to_sys_stderr(self):
        buffer = io.StringIO()
        with client(stderr=buffer, log_level="info"):
            pass
        self.assertIn("openframe-rpc: info:", buffer.getvalue())

        import sys

        saved, sys.stderr = sys.stderr, io.StringIO()
        try:
            with client(log_level="info"):
                pass
            captured = sys.stderr.getvalue()
        finally:
            sys.stderr = saved
        self.assertIn("openframe-rpc: info:", captured)

    def test_ids_are_integers_from_a_counter(self):
        with client() as c:
            sent = []
            outbox = c._conn._outbox
            original = outbox.put

            def spy(item):
                if item is not None:
                    sent.append(json.loads(item))
                original(item)

            c._conn._outbox = type("Spy", (), {"put": staticmethod(spy), "get": outbox.get, "get_nowait": outbox.get_nowait})()
            for _ in range(5):
                c.validate(create_payload())
            ids = [m["id"] for m in sent if "id" in m]
            self.assertEqual(len(ids), 5)
            self.assertTrue(all(type(i) is int for i in ids))
            self.assertEqual(ids, list(range(ids[0], ids[0] + 5)))

    def test_responses_to_unknown_ids_are_logged_and_dropped(self):
        with client() as c:
            with self.assertLogs("openframe_rpc", level="WARNING") as logs:
                c._conn.send_raw(b'{"jsonrpc":"2.0","id":987654321,"method":"openframe/validate","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}')
                # the next call's answer comes after the stray one: by then it was handled
                self.assertTrue(c.validate(create_payload()).valid)
                support.wait_until(lambda: any("987654321" in r.getMessage() for r in logs.records), 2)
            self.assertTrue(any("unknown id 987654321" in r.getMessage() for r in logs.records), logs.output)
            self.assertTrue(c.validate(create_payload()).valid)

    def test_no_secrets_in_reprs_messages_or_the_command_line(self):
        secret = "s3cr3t-Hunter2-%d" % os.getpid()
        c = client(
            env={"OPENFRAME_USERNAME": "glue", "OPENFRAME_PASSWORD": secret},
            instance="https://example.invalid",
        )
        try:
            self.assertNotIn(secret, repr(c))
            self.assertNotIn(secret, repr(vars(c)))
            self.assertNotIn(secret, repr(c.server_info))
            with open("/proc/%d/environ" % c.pid, "rb") as f:
                environ = f.read().split(b"\0")
            self.assertIn(("OPENFRAME_PASSWORD=" + secret).encode(), environ, "the child gets it")
            with open("/proc/%d/cmdline" % c.pid, "rb") as f:
                cmdline = f.read()
            self.assertNotIn(b"OPENFRAME_PASSWORD", cmdline)
            os.kill(c.pid, signal.SIGKILL)
            with self.assertRaises(ServerExited) as caught:
                c.validate(create_payload(), timeout=10)
            self.assertNotIn(secret, str(caught.exception))
            self.assertNotIn(secret, repr(caught.exception))
        finally:
            c.close()
        self.assertNotIn(secret, repr(c))
        self.assertNotIn(secret, os.environ.get("OPENFRAME_PASSWORD", ""), "the host's environment is untouched")

    def test_credentials_in_the_instance_url_are_refused_before_spawning(self):
        secret = "pw-in-url-%d" % os.getpid()
        with self.assertRaises(ValueError) as caught:
            client(instance="https://glue:%s@dev12345.service-now.com" % secret)
        self.assertNotIn(secret, str(caught.exception))
        self.assertIn("env", str(caught.exception))


class DeathTests(unittest.TestCase):
    def test_killed_server_fails_the_next_call_at_once_and_close_does_not_hang(self):
        c = client()
        os.kill(c.pid, signal.SIGKILL)
        started = time.monotonic()
        with self.assertRaises(ServerExited) as caught:
            c.validate(create_payload())
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(caught.exception.returncode, -signal.SIGKILL)
        self.assertIn("signal 9", str(caught.exception))
        self.assertFalse(c.alive)
        self.assertIn("server exited", repr(c))
        started = time.monotonic()
        c.close()
        self.assertLess(time.monotonic() - started, 3)
        with self.assertRaises(ClientClosed):
            c.validate(create_payload())

    def test_server_exiting_on_its_own(self):
        c = client()
        c._conn.send_raw(b'{"jsonrpc":"2.0","method":"exit"}')  # exit without shutdown: status 1
        self.assertTrue(support.wait_until(lambda: not c.alive, 5))
        with self.assertRaises(ServerExited) as caught:
            c.validate(create_payload())
        self.assertEqual(caught.exception.returncode, 1)
        c.close()

    def test_close_of_a_stopped_server_does_not_hang(self):
        c = client()
        os.kill(c.pid, signal.SIGSTOP)
        try:
            started = time.monotonic()
            with self.assertLogs("openframe_rpc", level="WARNING") as logs:
                c.close(timeout=1)
            self.assertLess(time.monotonic() - started, 8)
            self.assertEqual(c.returncode, -signal.SIGKILL)
            self.assertIn("killing it", logs.output[-1])
        finally:
            try:
                os.kill(c.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    unittest.main()
