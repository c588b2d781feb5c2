"""The example runs, against the embedded sandbox and against an instance (the stand-in)."""

import os
import re
import subprocess
import sys
import unittest

import support
from support import StandInCase

EXAMPLE = support.PACKAGE_ROOT / "examples" / "call_lifecycle.py"


def run_example(extra_env):
    env = dict(os.environ)
    for name in support.CLEAN_ENV:
        env.pop(name, None)
    env["OPENFRAME_RPC_BIN"] = support.BINARY
    env.update(extra_env)
    return subprocess.run([sys.executable, str(EXAMPLE)], env=env, capture_output=True, text=True, timeout=120)


class ExampleTests(StandInCase):
    def test_against_the_sandbox(self):
        run = run_example({})
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("embedded sandbox", run.stdout)
        self.assertRegex(run.stdout, r"created \S+ \(sys_id [0-9a-f]{32}\) on the sandbox")
        self.assertIn("on the sandbox, status SUCCESS", run.stdout)
        self.assertIn("… begin", run.stdout)

    def test_against_an_instance(self):
        run = run_example({"OPENFRAME_INSTANCE": self.standin.url})
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("on the instance", run.stdout)
        [record] = self.standin.records().values()
        session = re.search(r"call (ccaas-\w+) from", run.stdout).group(1)
        self.assertEqual(record["createPayload"]["interaction"]["clientSessionId"], session)
        self.assertEqual(record["createPayload"]["interaction"]["userPhoneNumber"], "+14089965744")
        [log] = record["current"]["phoneLogs"]
        self.assertRegex(log["start_time"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertRegex(log["end_time"], r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
        self.assertEqual(len(record["current"]["relatedRecords"]), 2)


if __name__ == "__main__":
    unittest.main()
