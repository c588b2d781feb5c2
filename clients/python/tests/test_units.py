"""The parts that need no server: error mapping, result parsing, URL redaction, pickling."""

import pickle
import unittest

import support  # noqa: F401  (puts the package on sys.path)

from openframe_rpc import (
    Cancelled,
    CreateResult,
    Diagnostic,
    InstanceError,
    InstanceUnreachable,
    InternalError,
    InvalidParams,
    MethodNotFound,
    OpenFrameError,
    PayloadInvalid,
    Progress,
    ServerInfo,
    ValidationResult,
)
from openframe_rpc._connection import redact_url
from openframe_rpc.errors import error_from_response


class ErrorMappingTests(unittest.TestCase):
    def test_each_code_has_its_class(self):
        cases = [
            ({"code": -32602, "message": "bad"}, InvalidParams),
            ({"code": -32602, "message": "bad", "data": {"diagnostics": []}}, PayloadInvalid),
            ({"code": -32601, "message": "no"}, MethodNotFound),
            ({"code": -33001, "message": "x", "data": {"httpStatus": 500, "error": {"message": "m", "detail": None}}}, InstanceError),
            ({"code": -33002, "message": "x", "data": {"reason": "refused"}}, InstanceUnreachable),
            ({"code": -32800, "message": "cancelled"}, Cancelled),
            ({"code": -32603, "message": "bug"}, InternalError),
            ({"code": -32600, "message": "invalid"}, OpenFrameError),
            ({"code": "weird"}, OpenFrameError),
            ("not an object", OpenFrameError),
        ]
        for error, cls in cases:
            with self.subTest(error=error):
                mapped = error_from_response(error)
                self.assertIs(type(mapped), cls)

    def test_instance_error_fields(self):
        error = error_from_response({
            "code": -33001,
            "message": "the instance answered 404 Not Found: No Record found",
            "data": {"httpStatus": 404, "error": {"message": "No Record found", "detail": "gone"}},
        })
        self.assertEqual((error.http_status, error.message, error.detail), (404, "No Record found", "gone"))
        self.assertEqual(str(error), "the instance answered 404 Not Found: No Record found")

    def test_payload_invalid_diagnostics(self):
        error = error_from_response({
            "code": -32602,
            "message": "the payload has errors",
            "data": {"diagnostics": [
                {"severity": "error", "code": "invalid-phone-number", "message": "m", "path": "/interaction/userPhoneNumber",
                 "fix": {"title": "Use +1", "replaceValue": "+1"}},
                {"severity": "warning", "code": "w", "message": "m", "path": ""},
            ]},
        })
        self.assertEqual(len(error.diagnostics), 2)
        self.assertEqual([d.code for d in error.errors], ["invalid-phone-number"])
        self.assertEqual(error.errors[0].fix.kind, "replaceValue")
        self.assertIn("/interaction/userPhoneNumber", str(error))

    def test_errors_pickle(self):
        error = error_from_response({"code": -33002, "message": "x", "data": {"reason": "refused"}})
        copy = pickle.loads(pickle.dumps(error))
        self.assertIs(type(copy), InstanceUnreachable)
        self.assertEqual(copy.reason, "refused")


class ResultTests(unittest.TestCase):
    def test_results_tolerate_missing_and_extra_members(self):
        created = CreateResult.from_json({"status": "SUCCESS", "sysId": "a" * 32, "number": "IMS1", "target": "sandbox", "new": 1})
        self.assertEqual(created.raw["new"], 1)
        self.assertEqual(CreateResult.from_json(None).status, "")
        result = ValidationResult.from_json({"valid": True, "diagnostics": [{"range": {"start": {"line": 1, "character": 2}, "end": {}}}]})
        self.assertTrue(result)
        self.assertEqual(result.diagnostics[0].range.start.character, 2)
        self.assertEqual(Progress.from_json({"kind": "report", "percentage": True}).percentage, None)
        self.assertIsInstance(Diagnostic.from_json({}), Diagnostic)

    def test_server_info(self):
        info = ServerInfo.from_json({
            "capabilities": {"experimental": {"openframe": {"methods": ["openframe/validate", 3]}}},
            "serverInfo": {"name": "openframe-rpc", "version": "0.1.0"},
        })
        self.assertEqual(info.methods, ["openframe/validate"])


class RedactionTests(unittest.TestCase):
    def test_redact_url(self):
        self.assertEqual(redact_url("https://u:p@dev1.service-now.com:8443/x?token=t#f"), "https://dev1.service-now.com:8443/x")
        self.assertIsNone(redact_url(None))
        self.assertEqual(redact_url("dev12345"), "dev12345")


if __name__ == "__main__":
    unittest.main()
