"""The docs runner finds what is wrong and says where: each case is a small Markdown file that
must pass or fail with a given FILE:LINE and reason. Needs the built binary (as scripts/test has)."""

import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run_docs  # noqa: E402

UPDATE_WITHOUT_INTERACTION = (
    '> {"jsonrpc":"2.0","id":3,"method":"openframe/createVoiceInteraction","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}\n'
    '< {"jsonrpc":"2.0","id":3,"result":{"status":"SUCCESS","sysId":"0555feed9d927c26a0e5e47647ca8a94","number":"IMS0000001","target":"sandbox"}}\n'
    '> {"jsonrpc":"2.0","id":4,"method":"openframe/updateVoiceInteraction","params":{"interactionSysId":"0555feed9d927c26a0e5e47647ca8a94","payload":{%s"phoneLogs":[{"call_id":"1"}]}}}\n'
    '< {"jsonrpc":"2.0","id":4,"result":{"status":"SUCCESS","target":"sandbox"}}\n'
)


class RunnerTests(unittest.TestCase):
    def run_markdown(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write(text)
        self.addCleanup(os.unlink, f.name)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            status = run_docs.main([f.name])
        return status, err.getvalue(), f.name

    def test_a_transcript_binds_the_sandbox_sys_id_and_passes(self):
        status, err, _ = self.run_markdown("# t\n\n```\n%s```\n" % (UPDATE_WITHOUT_INTERACTION % '"interaction":{"clientSessionId":"x"},'))
        self.assertEqual(status, 0, err)

    def test_the_issue_12_update_example_fails_at_its_answer_line(self):
        status, err, name = self.run_markdown("# t\n\n```\n%s```\n" % (UPDATE_WITHOUT_INTERACTION % ""))
        self.assertEqual(status, 1)
        self.assertIn("%s:3: transcript block failed: %s:7: at /: member 'result' is missing" % (name, name), err)
        self.assertIn("interaction is required", err)

    def test_a_failing_python_block_names_its_line_and_the_output(self):
        status, err, name = self.run_markdown(
            "# x\n\nText.\n\n```python\nfrom openframe_rpc import OpenFrameClient\nOpenFrameClient(logLevel='x')\n```\n"
        )
        self.assertEqual(status, 1)
        self.assertIn("%s:5: python block failed: python block exited with status 1" % name, err)
        self.assertIn("did you mean 'log_level'?", err)

    def test_json_output_is_compared_structurally_with_ellipsis(self):
        request = (
            "```sh\nprintf '%s\\n' '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"openframe/validate\",\"params\":"
            "{\"payload\":{\"interaction\":{\"userPhoneNumber\":\"+1 408 996 5744\"}}}}' | openframe-rpc --log-level off\n```\n\nanswers\n\n"
        )
        ok = '```json\n{"jsonrpc":"2.0","id":1,"result":{"valid":false,"diagnostics":[{"code":"invalid-phone-number", …}]}}\n```\n'
        self.assertEqual(self.run_markdown(request + ok)[0], 0)
        closed = '```json\n{"jsonrpc":"2.0","id":1,"result":{"valid":false,"diagnostics":[{"code":"invalid-phone-number"}]}}\n```\n'
        status, err, name = self.run_markdown(request + closed)
        self.assertEqual(status, 1)
        self.assertIn("its output differs from the block at %s:7: value 1: at /result/diagnostics/0: member 'severity' is not in the example" % name, err)
        wrong = '```json\n{"jsonrpc":"2.0","id":1,"result":{"valid":true, …}}\n```\n'
        self.assertIn("at /result/valid: expected true, got false", self.run_markdown(request + wrong)[1])

    def test_text_output_lines_with_ellipsis(self):
        block = "```sh\necho one; echo two; echo three >&2\n```\n\n```\n%s\n```\n"
        self.assertEqual(self.run_markdown(block % "one\n…")[0], 0)
        self.assertEqual(self.run_markdown(block % "o…e\ntwo\nthree")[0], 0)
        status, err, _ = self.run_markdown(block % "one\nthree")
        self.assertIn("expected line 2 of the example 'three', got 'two'", err)

    def test_unmarked_snippets_fail_and_fragments_are_skipped(self):
        status, err, name = self.run_markdown('# c\n\n```json\n{"a": 1}\n```\n')
        self.assertEqual(status, 1)
        self.assertIn("%s:3: unrunnable block failed: a json block the runner cannot run" % name, err)
        self.assertIn("<!-- doc: fragment -->", err)
        self.assertEqual(self.run_markdown('# c\n\n<!-- doc: fragment -->\n```json\n{"a": 1}\n```\n')[0], 0)
        # an output block after a heading is not the previous block's output
        status, err, _ = self.run_markdown("```sh\ntrue\n```\n\n## next\n\n```\nx\n```\n")
        self.assertEqual(status, 1)

    def test_sh_blocks_see_a_clone_with_the_binary(self):
        status, err, _ = self.run_markdown(
            "```sh\n.build/release/openframe-rpc validate examples/voice-interaction.update.json\n"
            "swift build -c release\nswift run openframe-rpc schema --operation update > /dev/null\ntest -z \"$OPENFRAME_INSTANCE\"\n```\n"
        )
        self.assertEqual(status, 0, err)


class MatcherTests(unittest.TestCase):
    def parse(self, text):
        return run_docs.LenientParser(text).value()

    def test_lenient_json(self):
        bindings = {}
        run_docs.match_json(self.parse('{"a": […], "b": "x … z", "c": {…}, …}'), {"a": [1], "b": "x y z", "c": {"d": 1}, "e": 2}, "", bindings)
        run_docs.match_json(self.parse("[1, 2, …]"), [1, 2, 3], "", bindings)
        with self.assertRaises(run_docs.DocFailure):
            run_docs.match_json(self.parse("[1, 2]"), [1, 2, 3], "", bindings)
        with self.assertRaises(run_docs.DocFailure):
            run_docs.match_json(self.parse('{"a": 1}'), {"a": 1.5}, "", bindings)
        with self.assertRaises(run_docs.DocFailure):
            run_docs.match_json(self.parse("1"), True, "", bindings)


if __name__ == "__main__":
    unittest.main()
