"""Many calls in flight at once on one OpenFrameClient: every answer reaches its own caller."""

import threading
import unittest
from concurrent.futures import ThreadPoolExecutor

from support import PHONE, StandInCase, client, create_payload

CALLS = 1000


class ThousandThreadsTests(unittest.TestCase):
    def test_1000_validations_from_1000_threads_at_once(self):
        barrier = threading.Barrier(CALLS)
        answers = [None] * CALLS
        errors = []

        def call(i):
            payload = {"interaction": {"userPhoneNumber": PHONE}, "zzz_%d" % i: True}
            try:
                barrier.wait(30)
                answers[i] = c.validate(payload, timeout=120)
            except BaseException as error:  # reported below
                errors.append(error)

        with client() as c:
            previous = threading.stack_size(256 * 1024)
            try:
                threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLS)]
            finally:
                threading.stack_size(previous)
            for t in threads:
                t.start()
            for t in threads:
                t.join(180)
            self.assertEqual(errors, [])
            for i, result in enumerate(answers):
                paths = [d.path for d in result.diagnostics if d.path.startswith("/zzz_")]
                self.assertEqual(paths, ["/zzz_%d" % i], "answer %d went to its caller" % i)
            self.assertEqual(c._conn.in_flight(), 0)


class ThousandCreatesTests(StandInCase):
    def test_1000_creates_from_many_threads_reach_their_callers(self):
        with client(instance=self.standin.url) as c:
            def call(i):
                return i, c.create_voice_interaction(create_payload("session-%04d" % i), timeout=300)

            with ThreadPoolExecutor(max_workers=200) as pool:
                results = list(pool.map(call, range(CALLS)))
        records = self.standin.records()
        self.assertEqual(len(records), CALLS)
        for i, created in results:
            self.assertEqual(created.target, "instance")
            self.assertEqual(
                records[created.sys_id]["createPayload"]["interaction"]["clientSessionId"],
                "session-%04d" % i,
                "the answer for call %d carries the sys_id of the record call %d created" % (i, i),
            )


if __name__ == "__main__":
    unittest.main()
