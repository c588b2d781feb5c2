"""Durable delivery through the Python client: delivery, outboxId, the notifications and outbox()."""

import os
import queue
import tempfile
import unittest

import support
from support import client

from openframe_rpc import OpenFrameError, PayloadInvalid
from openframe_rpc import durable


class DurableTests(unittest.TestCase):
    def setUp(self):
        handle, self.path = tempfile.mkstemp(suffix=".jsonl")
        os.close(handle)
        os.unlink(self.path)
        self.addCleanup(lambda: os.path.exists(self.path) and os.unlink(self.path))

    def test_create_then_update_by_outbox_id_and_hear_both_outcomes(self):
        events = queue.Queue()
        with client(args=["--outbox", self.path]) as c:
            durable.on_outcome(c, lambda method, params: events.put((method, params)))
            created = durable.create(c, {"interaction": {"userPhoneNumber": support.PHONE, "clientSessionId": "py-1"}}, wait_ms=0)
            self.assertIn(created["status"], ("QUEUED", "SUCCESS"))  # the sandbox may be done within 0 ms
            updated = durable.update(c, {"interaction": {"additionalParams": {"direction": "inbound"}}},
                                     outbox_id=created["outboxId"], wait_ms=5000)
            self.assertEqual(updated["status"], "SUCCESS")
            outcomes = dict((params["outboxId"], (method, params)) for method, params in (events.get(timeout=10) for _ in range(2)))
            method, params = outcomes[created["outboxId"]]
            self.assertEqual(method, durable.DELIVERED)
            self.assertRegex(params["result"]["sysId"], "^[0-9a-f]{32}$")
            listed = durable.outbox(c, "delivered")
            self.assertEqual(listed["file"], self.path)
            self.assertEqual([item["outboxId"] for item in listed["items"]], [created["outboxId"], updated["outboxId"]])
            self.assertEqual(listed["items"][1]["sysId"], params["result"]["sysId"])

    def test_an_invalid_payload_is_refused_and_not_stored(self):
        with client(args=["--outbox", self.path]) as c:
            with self.assertRaises(PayloadInvalid):
                durable.create(c, {"interaction": {"userPhoneNumber": "bad"}})
            self.assertEqual(durable.outbox(c)["items"], [])

    def test_without_an_outbox_durable_is_invalid_params(self):
        with client() as c:
            with self.assertRaises(OpenFrameError) as raised:
                durable.create(c, {"interaction": {"userPhoneNumber": support.PHONE}})
            self.assertIn("--outbox FILE", str(raised.exception))

    def test_update_needs_exactly_one_target(self):
        with client(args=["--outbox", self.path]) as c:
            with self.assertRaises(ValueError):
                durable.update(c, {"interaction": {}})


if __name__ == "__main__":
    unittest.main()
