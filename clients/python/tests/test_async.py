"""AsyncOpenFrameClient against the real binary: the sandbox and the instance stand-in."""

import asyncio
import os
import signal
import time
import unittest

import support
from support import PHONE, StandIn, async_client, create_payload, refusing_port, update_payload

from openframe_rpc import (
    AsyncOpenFrameClient,
    Cancelled,
    ClientClosed,
    InstanceError,
    InstanceUnreachable,
    InvalidParams,
    MethodNotFound,
    PayloadInvalid,
    RequestTimedOut,
    ServerExited,
)

CALLS = 1000


class AsyncCase(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        # The test runner turns on asyncio debug mode, which reports any step over 0.1 s; queueing
        # 1,000 calls is one such step.
        asyncio.get_running_loop().slow_callback_duration = 2.0


class AsyncSandboxTests(AsyncCase):
    async def test_lifecycle(self):
        async with async_client() as c:
            self.assertEqual(c.server_info.name, "openframe-rpc")
            self.assertTrue(c.alive)
            self.assertTrue((await c.validate({"interaction": {"userPhoneNumber": PHONE}})).valid)
        self.assertTrue(c.closed)
        self.assertEqual(c.returncode, 0)
        with self.assertRaises(ClientClosed):
            await c.validate({"interaction": {"userPhoneNumber": PHONE}})
        await c.close()  # idempotent

    async def test_start_classmethod(self):
        c = await AsyncOpenFrameClient.start(support.BINARY, env=support.CLEAN_ENV, log_level="warning")
        try:
            result = await c.validate(text='{"interaction": {"userPhoneNumber": "+1 408 996 5744"}}')
            self.assertFalse(result.valid)
            self.assertIsNotNone(result.errors[0].range)
        finally:
            await c.close()

    async def test_not_started(self):
        c = async_client()
        with self.assertRaises(ClientClosed) as caught:
            await c.validate({"interaction": {"userPhoneNumber": PHONE}})
        self.assertIn("not started", str(caught.exception))
        await c.close()

    async def test_create_update_and_progress(self):
        async with async_client() as c:
            seen = []
            created = await c.create_voice_interaction(create_payload(), on_progress=seen.append)
            self.assertEqual(created.target, "sandbox")
            self.assertEqual(created.status, "SUCCESS")
            self.assertEqual(seen[0].kind, "begin")
            self.assertEqual(seen[-1].kind, "end")

            async def slow_callback(progress):
                await asyncio.sleep(0)
                seen.append(progress)

            seen.clear()
            updated = await c.update_voice_interaction(created.sys_id, update_payload(), on_progress=slow_callback)
            self.assertEqual(updated.status, "SUCCESS")

    async def test_errors(self):
        async with async_client() as c:
            with self.assertRaises(PayloadInvalid) as caught:
                await c.create_voice_interaction(support.BAD_PHONE_PAYLOAD)
            self.assertIn("invalid-phone-number", [d.code for d in caught.exception.diagnostics])
            with self.assertRaises(InvalidParams):
                await c.request("openframe/validate", {"payload": {}, "bogus": True})
            with self.assertRaises(MethodNotFound):
                await c.request("openframe/nothing")

    async def test_1000_calls_in_flight_at_once(self):
        async with async_client() as c:
            payloads = [{"interaction": {"userPhoneNumber": PHONE}, "zzz_%d" % i: 1} for i in range(CALLS)]
            results = await asyncio.gather(*(c.validate(p) for p in payloads))
            for i, result in enumerate(results):
                self.assertEqual([d.path for d in result.diagnostics if d.path.startswith("/zzz_")], ["/zzz_%d" % i])
            created = await asyncio.gather(*(c.create_voice_interaction(create_payload()) for _ in range(CALLS)))
            self.assertEqual(len({r.sys_id for r in created}), CALLS)

    async def test_killed_server(self):
        c = async_client()
        async with c:
            os.kill(c.pid, signal.SIGKILL)
            with self.assertRaises(ServerExited):
                await asyncio.wait_for(c.validate({"interaction": {"userPhoneNumber": PHONE}}), 10)
        self.assertEqual(c.returncode, -signal.SIGKILL)


class AsyncInstanceTests(AsyncCase):
    @classmethod
    def setUpClass(cls):
        cls.standin = StandIn()
        cls.standin.start()

    @classmethod
    def tearDownClass(cls):
        cls.standin.stop()

    def setUp(self):
        self.standin.reset()

    def api_requests(self):
        return [r for r in self.standin.requests() if r.get("operation") in ("create", "update")]

    async def wait_for_requests(self, count, timeout=15):
        deadline = time.monotonic() + timeout
        while len(self.api_requests()) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self.assertEqual(len(self.api_requests()), count)

    async def test_create_update_and_instance_errors(self):
        async with async_client(instance=self.standin.url) as c:
            created = await c.create_voice_interaction(create_payload("async-1"))
            self.assertEqual(created.target, "instance")
            self.assertEqual(self.standin.records()[created.sys_id]["createPayload"]["interaction"]["clientSessionId"], "async-1")
            self.assertEqual((await c.update_voice_interaction(created.sys_id, update_payload())).status, "SUCCESS")
            with self.assertRaises(InstanceError) as caught:
                await c.update_voice_interaction("0123456789abcdef0123456789abcdef", update_payload())
            self.assertEqual(caught.exception.http_status, 404)

    async def test_unreachable(self):
        with refusing_port() as port:
            async with async_client(instance=port.url) as c:
                with self.assertRaises(InstanceUnreachable):
                    await c.create_voice_interaction(create_payload(), timeout=60)

    async def test_task_cancellation_sends_cancel_request(self):
        self.standin.add_faults({"delay": 20})
        c = async_client(instance=self.standin.url)
        async with c:
            task = asyncio.ensure_future(c.create_voice_interaction(create_payload()))
            await self.wait_for_requests(1)
            task.cancel()
            with self.assertRaises(asyncio.CancelledError):
                await task
            started = time.monotonic()
        # shutdown was answered at once, so the server had nothing in flight: the cancel reached it.
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(c.returncode, 0)

    async def test_timeout(self):
        self.standin.add_faults({"delay": 20})
        async with async_client(instance=self.standin.url) as c:
            with self.assertRaises(RequestTimedOut) as caught:
                await c.create_voice_interaction(create_payload(), timeout=0.5)
            self.assertIsInstance(caught.exception, Cancelled)
            self.assertEqual((await c.create_voice_interaction(create_payload(), timeout=20)).status, "SUCCESS")

    async def test_close_with_a_call_stuck_cancels_it(self):
        self.standin.add_faults({"delay": 20})
        c = async_client(instance=self.standin.url)
        await c.__aenter__()
        task = asyncio.ensure_future(c.create_voice_interaction(create_payload()))
        await self.wait_for_requests(1)
        await c.close(timeout=1)
        with self.assertRaises(Cancelled) as caught:
            await asyncio.wait_for(task, 10)
        self.assertEqual(caught.exception.code, -32800)

    async def test_server_dying_mid_call(self):
        self.standin.add_faults({"delay": 30, "times": -1})
        async with async_client(instance=self.standin.url) as c:
            tasks = [asyncio.ensure_future(c.create_voice_interaction(create_payload())) for _ in range(5)]
            await self.wait_for_requests(5)
            os.kill(c.pid, signal.SIGKILL)
            done, pending = await asyncio.wait(tasks, timeout=5)
            self.assertEqual(pending, set(), "no call hangs")
            for task in done:
                self.assertIsInstance(task.exception(), ServerExited)

    async def test_1000_creates_in_flight_reach_their_callers(self):
        async with async_client(instance=self.standin.url) as c:
            results = await asyncio.gather(
                *(c.create_voice_interaction(create_payload("a-%04d" % i), timeout=300) for i in range(CALLS))
            )
        records = self.standin.records()
        for i, created in enumerate(results):
            self.assertEqual(records[created.sys_id]["createPayload"]["interaction"]["clientSessionId"], "a-%04d" % i)


if __name__ == "__main__":
    unittest.main()
