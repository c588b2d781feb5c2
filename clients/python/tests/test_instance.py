"""OpenFrameClient against the real binary forwarding to the instance stand-in: results as the
instance sent them, InstanceError, InstanceUnreachable, credentials, timeouts and cancellation, and
the server dying with calls in flight."""

import os
import signal
import threading
import time
import unittest

import support
from support import StandInCase, client, create_payload, refusing_port, update_payload

from openframe_rpc import (
    Cancelled,
    ClientClosed,
    InstanceError,
    InstanceUnreachable,
    InvalidParams,
    OpenFrameError,
    PayloadInvalid,
    RequestTimedOut,
    ServerExited,
)


class InstanceTests(StandInCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client = client(instance=cls.standin.url)

    @classmethod
    def tearDownClass(cls):
        cls.client.close()
        super().tearDownClass()

    def test_create_and_update_reach_the_instance(self):
        payload = create_payload("ccaas-42")
        created = self.client.create_voice_interaction(payload)
        self.assertEqual(created.target, "instance")
        self.assertEqual(created.status, "SUCCESS")
        self.assertEqual(created.number, "IMS0000001")
        record = self.standin.records()[created.sys_id]
        self.assertEqual(record["createPayload"], payload)

        updated = self.client.update_voice_interaction(created.sys_id, update_payload())
        self.assertEqual((updated.status, updated.target), ("SUCCESS", "instance"))
        record = self.standin.records()[created.sys_id]
        self.assertEqual(len(record["updatePayloads"]), 1)
        self.assertEqual(record["current"]["phoneLogs"][0]["end_time"], "2024-11-04 21:52:13")
        self.assertEqual(record["current"]["interaction"]["clientSessionId"], "ccaas-42")

    def test_api_version_goes_into_the_path(self):
        created = self.client.create_voice_interaction(create_payload(), api_version="v1")
        self.client.update_voice_interaction(created.sys_id, update_payload(), api_version="v1")
        paths = [r["path"] for r in self.api_requests()]
        self.assertEqual(
            paths,
            ["/api/now/openframe/v1/voice-interaction", "/api/now/openframe/v1/voice-interaction/" + created.sys_id],
        )

    def test_instance_error_for_an_unknown_record(self):
        with self.assertRaises(InstanceError) as caught:
            self.client.update_voice_interaction("0123456789abcdef0123456789abcdef", update_payload())
        error = caught.exception
        self.assertEqual(error.code, -33001)
        self.assertEqual(error.http_status, 404)
        self.assertEqual(error.message, "No Record found")
        self.assertEqual(error.detail, "Record doesn't exist or ACL restricts the record retrieval")
        self.assertEqual(error.data["httpStatus"], 404)
        self.assertIn("404", repr(error))

    def test_instance_error_for_a_server_error(self):
        self.standin.add_faults({"status": 500, "error": {"message": "Boom", "detail": "it broke"}})
        with self.assertRaises(InstanceError) as caught:
            self.client.create_voice_interaction(create_payload())
        self.assertEqual(caught.exception.http_status, 500)
        self.assertEqual(caught.exception.message, "Boom")
        self.assertEqual(caught.exception.detail, "it broke")

    def test_payload_invalid_is_never_sent(self):
        with self.assertRaises(PayloadInvalid):
            self.client.create_voice_interaction(support.BAD_PHONE_PAYLOAD)
        self.assertEqual(self.api_requests(), [])

    def test_progress_while_forwarding(self):
        seen = []
        self.client.create_voice_interaction(create_payload(), on_progress=seen.append)
        kinds = [p.kind for p in seen]
        self.assertEqual(kinds[0], "begin")
        self.assertEqual(kinds[-1], "end")
        self.assertEqual(kinds.count("begin"), 1)


class UnreachableTests(unittest.TestCase):
    def test_refused_connection(self):
        with refusing_port() as port:
            with client(instance=port.url) as c:
                started = time.monotonic()
                with self.assertRaises(InstanceUnreachable) as caught:
                    c.create_voice_interaction(create_payload(), timeout=60)
                self.assertLess(time.monotonic() - started, 30)
        error = caught.exception
        self.assertEqual(error.code, -33002)
        self.assertTrue(error.reason)
        self.assertEqual(error.reason, error.data["reason"])


class CredentialTests(StandInCase):
    def test_basic_credentials_from_env_reach_the_instance_and_stay_secret(self):
        secret = "pw-%d-Hunter2" % os.getpid()
        self.standin.configure(auth="basic", username="glue", password=secret)
        with client(instance=self.standin.url, env={"OPENFRAME_USERNAME": "glue", "OPENFRAME_PASSWORD": secret}) as c:
            created = c.create_voice_interaction(create_payload())
            self.assertEqual(created.target, "instance")
            self.assertNotIn(secret, repr(c))
        with client(instance=self.standin.url, env={"OPENFRAME_USERNAME": "glue", "OPENFRAME_PASSWORD": "wrong-" + secret}) as c:
            with self.assertRaises(InstanceError) as caught:
                c.create_voice_interaction(create_payload())
        self.assertEqual(caught.exception.http_status, 401)
        for text in (str(caught.exception), repr(caught.exception), repr(caught.exception.data)):
            self.assertNotIn(secret, text)


    def test_instance_and_credentials_in_initialization_options(self):
        secret = "io-%d-Hunter2" % os.getpid()
        self.standin.configure(auth="basic", username="glue", password=secret)
        options = {"instance": self.standin.url, "auth": {"type": "basic", "username": "glue", "password": secret}}
        with client(initialization_options=options) as c:
            self.assertEqual(c.server_info.target, "instance")
            self.assertEqual(c.create_voice_interaction(create_payload()).target, "instance")
            self.assertNotIn(secret, repr(c))
            self.assertNotIn(secret, repr(vars(c)))
            self.assertNotIn(secret, repr(c.server_info))
        del options
        started = time.monotonic()
        with self.assertRaises(InvalidParams) as caught:
            client(initialization_options={"instance": self.standin.url, "auth": {"type": "basic", "password": secret}})
        self.assertLess(time.monotonic() - started, 10)
        self.assertIn("username", str(caught.exception))
        self.assertNotIn(secret, str(caught.exception))
        self.assertNotIn(secret, repr(caught.exception.data))


class CancellationTests(StandInCase):
    def test_timeout_sends_cancel_and_raises(self):
        self.standin.add_faults({"delay": 20})
        c = client(instance=self.standin.url)
        try:
            started = time.monotonic()
            with self.assertRaises(RequestTimedOut) as caught:
                c.create_voice_interaction(create_payload(), timeout=0.5)
            self.assertLess(time.monotonic() - started, 3)
            self.assertIsInstance(caught.exception, Cancelled)
            self.assertIsInstance(caught.exception, TimeoutError)
            self.assertIn("$/cancelRequest", str(caught.exception))
            # the server still answers, and the next create is not held up
            self.assertEqual(c.create_voice_interaction(create_payload(), timeout=20).status, "SUCCESS")
        finally:
            started = time.monotonic()
            c.close(timeout=10)
        # shutdown waits for requests in flight: a quick clean exit means the server cancelled the first.
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(c.returncode, 0)

    def test_close_with_a_call_stuck_cancels_it(self):
        self.standin.add_faults({"delay": 20})
        c = client(instance=self.standin.url)
        outcome = {}

        def call():
            try:
                outcome["result"] = c.create_voice_interaction(create_payload())
            except BaseException as error:
                outcome["error"] = error

        thread = threading.Thread(target=call)
        thread.start()
        self.assertTrue(support.wait_until(lambda: len(self.api_requests()) == 1, 10))
        started = time.monotonic()
        c.close(timeout=1)
        thread.join(10)
        self.assertFalse(thread.is_alive())
        self.assertLess(time.monotonic() - started, 6)
        self.assertIsInstance(outcome.get("error"), Cancelled, outcome)
        self.assertEqual(outcome["error"].code, -32800)
        self.assertNotIsInstance(outcome["error"], RequestTimedOut)


class DeathTests(StandInCase):
    def test_server_dying_mid_call_fails_every_waiting_call_at_once(self):
        self.standin.add_faults({"delay": 30, "times": -1})
        c = client(instance=self.standin.url)
        outcomes = []
        lock = threading.Lock()

        def call(i):
            try:
                if i % 2:
                    c.create_voice_interaction(create_payload())
                else:
                    c.update_voice_interaction("0123456789abcdef0123456789abcdef", update_payload())
                result = "answered"
            except BaseException as error:
                result = error
            with lock:
                outcomes.append((time.monotonic(), result))

        threads = [threading.Thread(target=call, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        self.assertTrue(support.wait_until(lambda: len(self.api_requests()) == 6, 15), self.api_requests())
        killed = time.monotonic()
        os.kill(c.pid, signal.SIGKILL)
        for t in threads:
            t.join(10)
        self.assertEqual(len(outcomes), 6)
        for when, result in outcomes:
            self.assertIsInstance(result, ServerExited)
            self.assertEqual(result.returncode, -signal.SIGKILL)
            self.assertLess(when - killed, 4, "no call hangs")
        with self.assertRaises(ServerExited):
            c.validate(create_payload())
        started = time.monotonic()
        c.close()
        self.assertLess(time.monotonic() - started, 3)
        with self.assertRaises(ClientClosed):
            c.validate(create_payload())


if __name__ == "__main__":
    unittest.main()
