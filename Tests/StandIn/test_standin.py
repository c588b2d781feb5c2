"""Tests for the openframe stand-in.

Run with:  python3 -m unittest discover -s Tests/StandIn -v
"""

import base64
import email.utils
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import sys
import threading
import time
import unittest
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import openframe_standin as osi  # noqa: E402

MODULE = os.path.join(HERE, "openframe_standin.py")
CREATE = "/api/now/openframe/voice-interaction"
SYS_ID_RE = re.compile(r"^[0-9a-f]{32}$")
NOT_AUTHENTICATED = {
    "error": {"message": "User Not Authenticated", "detail": "Required to provide Auth information"},
    "status": "failure",
}
NO_RECORD = {
    "error": {"message": "No Record found",
              "detail": "Record doesn't exist or ACL restricts the record retrieval"},
    "status": "failure",
}
DROPPED = (ConnectionError, http.client.HTTPException, socket.timeout)


def _example(name):
    with open(os.path.join(HERE, "..", "..", "examples", name), "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


CREATE_BODY = _example("voice-interaction.create.json")
UPDATE_BODY = _example("voice-interaction.update.json")


class StandInCase(unittest.TestCase):
    """One stand-in per test class, reset (through the control API) before each test."""

    standin_kwargs = {}

    @classmethod
    def setUpClass(cls):
        cls.standin = osi.StandIn(**cls.standin_kwargs)
        cls.url = cls.standin.start()
        cls.port = cls.standin.port

    @classmethod
    def tearDownClass(cls):
        cls.standin.stop()

    def setUp(self):
        status, _ = self.control("POST", "/_standin/reset")
        self.assertEqual(status, 200)

    # helpers

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def call(self, method, path, body=None, headers=None, conn=None):
        """(status, response, raw body bytes); dict/list bodies are sent as JSON."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode("utf-8")
        own = conn is None
        conn = conn or self.connect()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, response, data
        finally:
            if own:
                conn.close()

    def call_json(self, method, path, body=None, headers=None, conn=None):
        status, response, data = self.call(method, path, body, headers, conn)
        return status, json.loads(data.decode("utf-8")) if data else None

    def control(self, method, path, body=None):
        status, _, data = self.call(method, path, body)
        return status, json.loads(data.decode("utf-8"))

    def create(self, body=None, headers=None, path=CREATE):
        status, payload = self.call_json("POST", path, CREATE_BODY if body is None else body, headers)
        self.assertEqual(status, 200, payload)
        return payload["result"]["sysId"]

    def records(self):
        return self.control("GET", "/_standin/records")[1]["records"]

    def log(self):
        return self.control("GET", "/_standin/requests")[1]["requests"]

    def faults(self, *faults):
        status, payload = self.control("POST", "/_standin/faults", list(faults))
        self.assertEqual(status, 200, payload)

    def expect_dropped(self, method, path, body=None, headers=None):
        with self.assertRaises(DROPPED):
            self.call(method, path, body, headers)


class CreateUpdateTests(StandInCase):

    def test_create_answers_success_sys_id_and_increasing_numbers(self):
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual(status, 200)
        self.assertTrue(response.getheader("Content-Type").startswith("application/json"))
        payload = json.loads(data)
        self.assertEqual(list(payload), ["result"])
        self.assertEqual(list(payload["result"]), ["status", "sysId", "number"])
        self.assertEqual(payload["result"]["status"], "SUCCESS")
        self.assertRegex(payload["result"]["sysId"], SYS_ID_RE)
        self.assertEqual(payload["result"]["number"], "IMS0000001")
        second = self.call_json("POST", CREATE, CREATE_BODY)[1]["result"]
        self.assertEqual(second["number"], "IMS0000002")
        self.assertNotEqual(second["sysId"], payload["result"]["sysId"])
        record = self.records()[payload["result"]["sysId"]]
        self.assertEqual(record["createPayload"], CREATE_BODY)
        self.assertEqual(record["current"], CREATE_BODY)
        self.assertEqual(record["number"], "IMS0000001")

    def test_update_answers_success_and_merges(self):
        sys_id = self.create()
        update = json.loads(json.dumps(UPDATE_BODY))
        update["interaction"]["additionalParams"]["state"] = "closed"
        update["interactionContext"] = {"requester_session_language": "fr-FR", "queue": "billing"}
        update["phoneLogs"] = [
            {"call_id": "2323223", "end_time": "2024-11-04 21:50:00"},
            {"call_id": "777", "agent": "x"},
        ]
        update["relatedRecords"] = [
            {"documentTable": "sys_user", "documentId": "62826bf03710200044e0bfc8bcbe5df1"},
            {"documentTable": "incident", "documentId": "0123"},
        ]
        status, payload = self.call_json("PATCH", CREATE + "/" + sys_id, update)
        self.assertEqual((status, payload), (200, {"result": {"status": "SUCCESS"}}))
        record = self.records()[sys_id]
        current = record["current"]
        self.assertEqual(record["createPayload"], CREATE_BODY)
        self.assertEqual(record["updatePayloads"][0]["payload"], update)
        self.assertEqual(current["interaction"]["userPhoneNumber"], "+1303506536")
        self.assertEqual(current["interaction"]["additionalParams"]["short_description"],
                         "New Poonam outbound call")
        self.assertEqual(current["interaction"]["additionalParams"]["state"], "closed")
        self.assertEqual(current["interactionContext"],
                         {"devicetype": "genesys", "requester_session_language": "fr-FR", "queue": "billing"})
        logs = {log["call_id"]: log for log in current["phoneLogs"]}
        self.assertEqual(len(current["phoneLogs"]), 4)
        self.assertEqual(logs["2323223"]["end_time"], "2024-11-04 21:50:00")
        self.assertEqual(logs["2323223"]["agent"], "a8f98bb0eb32010045e1a5115206fe3a")
        self.assertEqual(logs["777"], {"call_id": "777", "agent": "x"})
        self.assertEqual([r["documentTable"] for r in current["relatedRecords"]],
                         ["csm_consumer", "sys_user", "incident"])

    def test_update_unknown_sys_id_is_404(self):
        status, response, data = self.call("PATCH", CREATE + "/" + "0" * 32, UPDATE_BODY)
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(data), NO_RECORD)

    def test_versioned_paths(self):
        sys_id = self.create(path="/api/now/openframe/v1/voice-interaction")
        status, payload = self.call_json("PATCH", "/api/now/openframe/v2/voice-interaction/" + sys_id, UPDATE_BODY)
        self.assertEqual(status, 200)
        status, payload = self.call_json("PATCH", "/api/now/openframe/v1/voice-interaction/nope", UPDATE_BODY)
        self.assertEqual((status, payload), (404, NO_RECORD))
        entries = self.log()
        self.assertEqual([e["apiVersion"] for e in entries], ["v1", "v2", "v1"])
        self.assertEqual(entries[0]["sysId"], sys_id)

    def test_invalid_json_is_400(self):
        for body in (b'{"interaction": ', b"", b'{"interaction": NaN}', b"\xff\xfe"):
            status, payload = self.call_json("POST", CREATE, body, {"Content-Type": "application/json"})
            self.assertEqual(status, 400, body)
            self.assertEqual(payload["status"], "failure")
            self.assertEqual(payload["error"]["message"], "Exception while reading request")
            self.assertIn("not valid JSON", payload["error"]["detail"])
        self.assertEqual(self.records(), {})

    def test_payload_validation(self):
        cases = [
            ([1, 2], "must be an object"),
            ({"phoneLogs": []}, "interaction is required"),
            ({"interaction": {"clientSessionId": "x"}}, "userPhoneNumber is required"),
            ({"interaction": {"userPhoneNumber": 1303506536}}, "must be a string"),
            ({"interaction": {"userPhoneNumber": "+1"}, "phoneLogs": {"call_id": "1"}}, "array of objects"),
        ]
        for body, fragment in cases:
            status, payload = self.call_json("POST", CREATE, body)
            self.assertEqual(status, 400, body)
            self.assertIn(fragment, payload["error"]["detail"])
        self.assertEqual(self.records(), {})
        self.control("POST", "/_standin/config", {"validate": False})
        status, _ = self.call_json("POST", CREATE, {"anything": True})
        self.assertEqual(status, 200)

    def test_unknown_paths_and_methods(self):
        status, payload = self.call_json("POST", "/api/now/table/interaction", CREATE_BODY)
        self.assertEqual(status, 400)
        self.assertEqual(payload, {"error": {"message": "Requested URI does not represent any resource",
                                             "detail": None}, "status": "failure"})
        status, payload = self.call_json("POST", CREATE + "/", CREATE_BODY)
        self.assertEqual(status, 400)
        status, payload = self.call_json("GET", "/nowhere")
        self.assertEqual(status, 404)
        self.assertEqual(payload["status"], "failure")
        status, response, data = self.call("GET", CREATE)
        self.assertEqual(status, 405)
        self.assertEqual(response.getheader("Allow"), "POST")
        self.assertEqual(json.loads(data)["error"]["message"], "Method not Supported")
        status, payload = self.call_json("PUT", CREATE + "/abc", UPDATE_BODY)
        self.assertEqual(status, 405)

    def test_unsupported_content_type_is_415(self):
        status, payload = self.call_json("POST", CREATE, json.dumps(CREATE_BODY), {"Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        self.assertEqual(payload["status"], "failure")

    def test_seeded_record_can_be_updated(self):
        status, seeded = self.control("POST", "/_standin/records",
                                      {"sysId": "a" * 32, "payload": CREATE_BODY})
        self.assertEqual((status, seeded), (200, {"sysId": "a" * 32, "number": "IMS0000001"}))
        status, _ = self.call_json("PATCH", CREATE + "/" + "a" * 32, UPDATE_BODY)
        self.assertEqual(status, 200)
        status, record = self.control("GET", "/_standin/records/" + "a" * 32)
        self.assertEqual(len(record["updatePayloads"]), 1)
        self.assertEqual(self.control("GET", "/_standin/records/missing")[0], 404)

    def test_cookies_are_offered_and_can_be_turned_off(self):
        status, response, _ = self.call("POST", CREATE, CREATE_BODY)
        cookies = response.msg.get_all("Set-Cookie")
        self.assertTrue(any(c.startswith("JSESSIONID=") for c in cookies))
        self.assertFalse(any("Secure" in c for c in cookies))
        self.control("POST", "/_standin/config", {"cookies": False})
        status, response, _ = self.call("POST", CREATE, CREATE_BODY)
        self.assertIsNone(response.getheader("Set-Cookie"))

    def test_reset_clears_state_and_restores_start_config(self):
        self.create()
        self.faults({"status": 500})
        self.control("POST", "/_standin/config", {"auth": "apikey", "apiKey": "k"})
        status, payload = self.control("POST", "/_standin/reset")
        self.assertEqual(payload["config"]["auth"], "none")
        self.assertEqual(self.records(), {})
        self.assertEqual(self.log(), [])
        self.assertEqual(self.control("GET", "/_standin/faults")[1], {"pending": []})
        status, payload = self.call_json("POST", CREATE, CREATE_BODY)
        self.assertEqual(payload["result"]["number"], "IMS0000001")


class AuthTests(StandInCase):

    def configure(self, **config):
        status, payload = self.control("POST", "/_standin/config", config)
        self.assertEqual(status, 200, payload)
        return payload

    def assert_rejected(self, headers, reason_fragment=None):
        status, response, data = self.call("POST", CREATE, CREATE_BODY, headers)
        self.assertEqual(status, 401)
        self.assertEqual(json.loads(data), NOT_AUTHENTICATED)
        if reason_fragment:
            self.assertIn(reason_fragment, self.log()[-1]["authFailure"])
        return response

    def assert_accepted(self, headers):
        status, payload = self.call_json("POST", CREATE, CREATE_BODY, headers)
        self.assertEqual(status, 200, payload)

    def test_none_accepts_anything(self):
        self.assert_accepted({})
        self.assert_accepted({"Authorization": "Basic Zm9vOmJhcg=="})

    def test_basic(self):
        self.configure(auth="basic", username="admin", password="s3cret:x")
        good = base64.b64encode(b"admin:s3cret:x").decode()
        bad = base64.b64encode(b"admin:wrong").decode()
        self.assert_accepted({"Authorization": "Basic " + good})
        response = self.assert_rejected({}, "no Authorization")
        self.assertEqual(response.getheader("WWW-Authenticate"), 'BASIC realm="Service-now"')
        self.assert_rejected({"Authorization": "Basic " + bad}, "wrong username")
        self.assert_rejected({"Authorization": "Basic !!!"}, "not valid Basic")
        self.assert_rejected({"Authorization": "Bearer " + good})
        self.assertEqual(len(self.records()), 1)

    def test_bearer(self):
        self.configure(auth="bearer", token="tok-123")
        self.assert_accepted({"Authorization": "Bearer tok-123"})
        self.assert_rejected({"Authorization": "Bearer tok-124"}, "wrong bearer")
        self.assert_rejected({}, "no Bearer")

    def test_api_key(self):
        self.configure(auth="apikey", apiKey="key-1")
        self.assert_accepted({"x-sn-apikey": "key-1"})
        self.assert_accepted({"X-SN-APIKEY": "key-1"})
        self.assert_rejected({"x-sn-apikey": "key-2"}, "wrong API key")
        self.assert_rejected({"Authorization": "Bearer key-1"}, "no x-sn-apikey")

    def test_config_rejects_incomplete_auth(self):
        status, payload = self.control("POST", "/_standin/config", {"auth": "basic", "username": "u"})
        self.assertEqual(status, 400)
        self.assertIn("password", payload["error"])
        status, payload = self.control("POST", "/_standin/config", {"colour": "blue"})
        self.assertEqual(status, 400)

    def token(self, form, headers=None):
        body = "&".join("%s=%s" % (k, urllib.request.quote(v)) for k, v in form.items())
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        status, response, data = self.call("POST", "/oauth_token.do", body, headers)
        return status, json.loads(data)

    def test_oauth_client_credentials_issue_use_and_expiry(self):
        self.configure(auth="oauth", clientId="cid", clientSecret="csec", tokenTtl=0.3)
        status, token = self.token({"grant_type": "client_credentials", "client_id": "cid",
                                    "client_secret": "csec"})
        self.assertEqual(status, 200, token)
        self.assertEqual(sorted(token), ["access_token", "expires_in", "scope", "token_type"])
        self.assertEqual((token["token_type"], token["expires_in"], token["scope"]), ("Bearer", 1, "useraccount"))
        bearer = {"Authorization": "Bearer " + token["access_token"]}
        self.assert_accepted(bearer)
        self.assert_rejected({"Authorization": "Bearer not-issued"}, "unknown access token")
        time.sleep(0.4)
        response = self.assert_rejected(bearer, "expired")
        self.assertIn("invalid_token", response.getheader("WWW-Authenticate"))

    def test_oauth_password_grant_refresh_and_forced_expiry(self):
        self.configure(auth="oauth", clientId="cid", clientSecret="csec", username="agent", password="pw")
        # client credentials in an HTTP Basic header instead of the form
        basic = "Basic " + base64.b64encode(b"cid:csec").decode()
        status, token = self.token({"grant_type": "password", "username": "agent", "password": "pw"},
                                   {"Authorization": basic})
        self.assertEqual(status, 200, token)
        self.assertEqual(token["expires_in"], 1800)
        bearer = {"Authorization": "Bearer " + token["access_token"]}
        self.assert_accepted(bearer)
        status, payload = self.control("POST", "/_standin/tokens/expire")
        self.assertEqual(payload, {"expired": 1})
        self.assert_rejected(bearer, "expired")
        status, refreshed = self.token({"grant_type": "refresh_token", "client_id": "cid",
                                        "client_secret": "csec", "refresh_token": token["refresh_token"]})
        self.assertEqual(status, 200, refreshed)
        self.assert_accepted({"Authorization": "Bearer " + refreshed["access_token"]})

    def test_oauth_invalid_grants_are_401_access_denied(self):
        self.configure(auth="oauth", clientId="cid", clientSecret="csec", username="agent", password="pw")
        for form in (
            {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "nope"},
            {"grant_type": "client_credentials", "client_id": "other", "client_secret": "csec"},
            {"grant_type": "password", "client_id": "cid", "client_secret": "csec",
             "username": "agent", "password": "bad"},
            {"grant_type": "refresh_token", "client_id": "cid", "client_secret": "csec", "refresh_token": "x"},
            {"grant_type": "authorization_code", "client_id": "cid", "client_secret": "csec"},
            {"client_id": "cid", "client_secret": "csec"},
        ):
            status, payload = self.token(form)
            self.assertEqual(status, 401, form)
            self.assertEqual(payload["error"], "access_denied")
            self.assertIsInstance(payload["error_description"], str)
        status, payload = self.token({"grant_type": "client_credentials", "client_id": "cid",
                                      "client_secret": "csec"}, {"Content-Type": "application/json"})
        self.assertEqual((status, payload["error"]), (400, "invalid_request"))
        self.assert_rejected({}, "no Bearer")

    def test_control_api_is_not_authenticated_and_faults_come_before_auth(self):
        self.configure(auth="bearer", token="t")
        self.assertEqual(self.control("GET", "/_standin/records")[0], 200)
        self.faults({"status": 503})
        status, _ = self.call_json("POST", CREATE, CREATE_BODY)
        self.assertEqual(status, 503)


class XmlTests(StandInCase):

    XML_CREATE = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<request>"
        "<interaction><userPhoneNumber>+1303506536</userPhoneNumber>"
        "<clientSessionId>a545t65678</clientSessionId>"
        "<additionalParams><direction>inbound</direction><short_description>A &amp; B</short_description>"
        "</additionalParams></interaction>"
        "<interactionContext/>"
        "<phoneLogs><element><call_id>2323223</call_id><agent>a8f9</agent></element></phoneLogs>"
        "<relatedRecords>\n  <element><documentTable>sys_user</documentTable>"
        "<documentId>6282</documentId></element>\n</relatedRecords>"
        "</request>"
    )

    def test_xml_request_is_mapped_to_the_json_payload(self):
        status, payload = self.call_json("POST", CREATE, self.XML_CREATE, {"Content-Type": "application/xml"})
        self.assertEqual(status, 200, payload)
        record = self.records()[payload["result"]["sysId"]]
        self.assertEqual(record["format"], "xml")
        self.assertEqual(record["createPayload"], {
            "interaction": {
                "userPhoneNumber": "+1303506536",
                "clientSessionId": "a545t65678",
                "additionalParams": {"direction": "inbound", "short_description": "A & B"},
            },
            "interactionContext": {},
            "phoneLogs": [{"call_id": "2323223", "agent": "a8f9"}],
            "relatedRecords": [{"documentTable": "sys_user", "documentId": "6282"}],
        })

    def test_xml_response(self):
        status, response, data = self.call("POST", CREATE, CREATE_BODY, {"Accept": "application/xml"})
        self.assertEqual(status, 200)
        self.assertTrue(response.getheader("Content-Type").startswith("application/xml"))
        match = re.match(
            r'^<\?xml version="1\.0" encoding="UTF-8"\?><response><result><status>SUCCESS</status>'
            r"<sysId>([0-9a-f]{32})</sysId><number>IMS0000001</number></result></response>$",
            data.decode("utf-8"))
        self.assertIsNotNone(match, data)

    def test_xml_in_and_out_for_update_and_errors(self):
        sys_id = self.create()
        body = osi.payload_to_xml(UPDATE_BODY)
        headers = {"Content-Type": "application/xml", "Accept": "application/xml"}
        status, _, data = self.call("PATCH", CREATE + "/" + sys_id, body, headers)
        self.assertEqual(status, 200)
        self.assertEqual(data.decode(), '<?xml version="1.0" encoding="UTF-8"?>'
                                       "<response><result><status>SUCCESS</status></result></response>")
        status, _, data = self.call("PATCH", CREATE + "/missing", body, headers)
        self.assertEqual(status, 404)
        self.assertEqual(data.decode(), '<?xml version="1.0" encoding="UTF-8"?><response><error>'
                                       "<message>No Record found</message><detail>Record doesn't exist or ACL "
                                       "restricts the record retrieval</detail></error>"
                                       "<status>failure</status></response>")
        self.assertEqual(len(self.records()[sys_id]["updatePayloads"]), 1)

    def test_accept_negotiation(self):
        self.assertFalse(osi.wants_xml(None))
        self.assertFalse(osi.wants_xml("*/*"))
        self.assertFalse(osi.wants_xml("application/json, application/xml"))
        self.assertTrue(osi.wants_xml("application/xml"))
        self.assertTrue(osi.wants_xml("application/xml, */*;q=0.8"))
        self.assertTrue(osi.wants_xml("application/json;q=0.5, application/xml"))

    def test_bad_xml_is_400(self):
        for body in ("<request><interaction>", "<other/>", '<request a="1"/>',
                     "<request><interaction><userPhoneNumber>1</userPhoneNumber>"
                     "<userPhoneNumber>2</userPhoneNumber></interaction></request>",
                     '<!DOCTYPE x [<!ENTITY a "b">]><request/>'):
            status, payload = self.call_json("POST", CREATE, body, {"Content-Type": "application/xml"})
            self.assertEqual(status, 400, body)
            self.assertEqual(payload["error"]["message"], "Exception while reading request")

    def test_round_trip_of_the_examples(self):
        for example in (CREATE_BODY, UPDATE_BODY):
            self.assertEqual(osi.xml_to_payload(osi.payload_to_xml(example)), example)


class FaultTests(StandInCase):

    def test_status_with_servicenow_error(self):
        self.faults({"status": 500, "error": {"message": "Boom", "detail": "it broke"}})
        status, payload = self.call_json("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, payload),
                         (500, {"error": {"message": "Boom", "detail": "it broke"}, "status": "failure"}))
        self.assertEqual(self.records(), {})
        status, payload = self.call_json("POST", CREATE, CREATE_BODY)
        self.assertEqual(status, 200)

    def test_raw_body_and_content_type(self):
        self.faults({"status": 200, "body": '{"result": {"status": "SUCC', "contentType": "application/json"},
                    {"status": 400, "body": "nope", "contentType": "text/plain"})
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, data), (200, b'{"result": {"status": "SUCC'))
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, data, response.getheader("Content-Type")), (400, b"nope", "text/plain"))

    def test_retry_after_seconds_and_http_date(self):
        self.faults({"status": 429, "retryAfter": "2"},
                    {"status": 503, "retryAfter": "Wed, 21 Oct 2015 07:28:00 GMT"},
                    {"status": 503, "retryAfterDateIn": 30})
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, response.getheader("Retry-After")), (429, "2"))
        self.assertEqual(json.loads(data)["error"]["message"], "Rate limit exceeded")
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, response.getheader("Retry-After")), (503, "Wed, 21 Oct 2015 07:28:00 GMT"))
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        when = email.utils.parsedate_to_datetime(response.getheader("Retry-After")).timestamp()
        self.assertAlmostEqual(when, time.time() + 30, delta=3)

    def test_delay_then_success(self):
        self.faults({"delay": 0.3})
        started = time.monotonic()
        status, payload = self.call_json("POST", CREATE, CREATE_BODY)
        self.assertGreaterEqual(time.monotonic() - started, 0.29)
        self.assertEqual(status, 200)
        self.assertEqual(len(self.records()), 1)

    def test_drop_before_read_and_after_read_store_nothing(self):
        for kind in ("before_read", "after_read"):
            self.faults({"drop": kind})
            self.expect_dropped("POST", CREATE, CREATE_BODY)
            self.assertEqual(self.records(), {}, kind)
            entry = self.log()[-1]
            self.assertEqual((entry["outcome"], entry["answered"]), ("dropped_" + kind, False))
            self.assertEqual(entry["fault"]["drop"], kind)
        entries = self.log()
        self.assertIsNone(entries[0]["body"])
        self.assertEqual(json.loads(entries[1]["body"]), CREATE_BODY)

    def test_drop_after_store_stores_exactly_one_record(self):
        self.faults({"drop": "after_store"})
        self.expect_dropped("POST", CREATE, CREATE_BODY)
        records = self.records()
        self.assertEqual(len(records), 1)
        entry = self.log()[-1]
        self.assertEqual((entry["outcome"], entry["answered"], entry["response"]),
                         ("dropped_after_store", False, None))
        unsent = json.loads(entry["unsentResponse"]["body"])
        self.assertEqual(list(records), [unsent["result"]["sysId"]])
        self.assertEqual(entry["sysId"], unsent["result"]["sysId"])
        # an update dropped after storing is merged too
        sys_id = unsent["result"]["sysId"]
        self.faults({"drop": "after_store"})
        self.expect_dropped("PATCH", CREATE + "/" + sys_id, UPDATE_BODY)
        self.assertEqual(len(self.records()[sys_id]["updatePayloads"]), 1)

    def test_drop_mid_body(self):
        self.faults({"drop": "mid_body"})
        conn = self.connect()
        conn.request("POST", CREATE, body=json.dumps(CREATE_BODY), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        with self.assertRaises(http.client.IncompleteRead):
            response.read()
        conn.close()
        self.assertEqual(self.log()[-1]["outcome"], "dropped_mid_body")

    def test_html_proxy_answer(self):
        self.faults({"html": True}, {"status": 504, "html": True},
                    {"status": 503, "html": "<html><body>down</body></html>"})
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, data), (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"))
        self.assertEqual(response.getheader("Content-Type"), "text/html")
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, data), (504, b"<html><body><h1>504 Gateway Timeout</h1></body></html>"))
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual((status, data), (503, b"<html><body>down</body></html>"))

    def test_202_queued_and_result_status_failure(self):
        self.faults({"status": 202}, {"resultStatus": "FAILURE"})
        self.assertEqual(self.call_json("POST", CREATE, CREATE_BODY), (202, {"result": {"status": "QUEUED"}}))
        self.assertEqual(self.call_json("POST", CREATE, CREATE_BODY), (200, {"result": {"status": "FAILURE"}}))
        self.assertEqual(self.records(), {})

    def test_order_times_and_match(self):
        sys_id = self.create()
        self.faults({"match": {"method": "PATCH"}, "status": 503, "times": 2},
                    {"status": 500},
                    {"status": 502})
        path = CREATE + "/" + sys_id
        self.assertEqual(self.call_json("POST", CREATE, CREATE_BODY)[0], 500)
        self.assertEqual(self.call_json("PATCH", path, UPDATE_BODY)[0], 503)
        pending = self.control("GET", "/_standin/faults")[1]["pending"]
        self.assertEqual([(f["status"], f["remaining"]) for f in pending], [(503, 1), (502, 1)])
        self.assertEqual(self.call_json("PATCH", path, UPDATE_BODY)[0], 503)
        self.assertEqual(self.call_json("PATCH", path, UPDATE_BODY)[0], 502)
        self.assertEqual(self.call_json("PATCH", path, UPDATE_BODY)[0], 200)
        # control requests and non-openframe paths never consume faults
        self.faults({"status": 500})
        self.assertEqual(self.call_json("GET", "/nowhere")[0], 404)
        self.assertEqual(len(self.control("GET", "/_standin/faults")[1]["pending"]), 1)
        self.assertEqual(self.control("DELETE", "/_standin/faults")[1], {"cleared": 1})

    def test_forever_and_token_endpoint_faults(self):
        self.faults({"match": {"operation": "token"}, "status": 503, "times": -1})
        form = "grant_type=client_credentials&client_id=a&client_secret=b"
        for _ in range(3):
            status, _, _ = self.call("POST", "/oauth_token.do", form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 503)
        self.assertEqual(self.call_json("POST", CREATE, CREATE_BODY)[0], 200)

    def test_invalid_fault_specs_are_rejected(self):
        for spec in ({"stauts": 500}, {"drop": "sometimes"}, {"drop": "after_read", "status": 500},
                     {"status": 99}, {"times": 0}, {"match": {"verb": "POST"}}, "500"):
            status, payload = self.control("POST", "/_standin/faults", [spec])
            self.assertEqual(status, 400, spec)
        self.assertEqual(self.control("GET", "/_standin/faults")[1], {"pending": []})

    def test_keep_alive_survives_error_faults(self):
        self.faults({"status": 500}, {"status": 429, "retryAfter": 1})
        conn = self.connect()
        try:
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 500)
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 429)
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 200)
        finally:
            conn.close()
        self.assertEqual(len(set(e["connection"] for e in self.log())), 1)


class LogAndConnectionTests(StandInCase):

    def test_request_log(self):
        body = json.dumps(CREATE_BODY)
        status, _, _ = self.call("POST", CREATE + "?sysparm_x=1&b=", body,
                                 {"Content-Type": "application/json", "X-Trace": "abc", "Cookie": "a=b"})
        self.assertEqual(status, 200)
        self.control("GET", "/_standin/records")  # control requests are not logged
        entries = self.log()
        self.assertEqual(len(entries), 1)
        entry = entries[0]
        self.assertEqual((entry["method"], entry["path"], entry["query"]), ("POST", CREATE, "sysparm_x=1&b="))
        self.assertEqual(entry["queryParams"], {"sysparm_x": ["1"], "b": [""]})
        headers = dict((k.lower(), v) for k, v in entry["headers"])
        self.assertEqual(headers["x-trace"], "abc")
        self.assertEqual(headers["cookie"], "a=b")
        self.assertEqual(headers["content-length"], str(len(body)))
        self.assertIn("host", headers)
        self.assertEqual(entry["body"], body)
        self.assertEqual(base64.b64decode(entry["bodyBase64"]).decode(), body)
        self.assertEqual(entry["operation"], "create")
        self.assertTrue(entry["answered"])
        self.assertEqual(entry["response"]["status"], 200)
        self.assertRegex(entry["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.call("POST", CREATE, body, {"Content-Type": "application/json"})
        status, payload = self.control("GET", "/_standin/requests?since=%d" % entry["seq"])
        self.assertEqual(payload["count"], 1)
        self.assertEqual(self.control("DELETE", "/_standin/requests")[1], {"cleared": 2})
        self.assertEqual(self.log(), [])

    def test_keep_alive_two_requests_on_one_connection(self):
        conn = self.connect()
        try:
            status, payload = self.call_json("POST", CREATE, CREATE_BODY, conn=conn)
            self.assertEqual(status, 200)
            # an error answer for a request with a body must keep the connection usable
            status, _ = self.call_json("PATCH", CREATE + "/missing", UPDATE_BODY, conn=conn)
            self.assertEqual(status, 404)
            status, _ = self.call_json("PATCH", CREATE + "/" + payload["result"]["sysId"], UPDATE_BODY, conn=conn)
            self.assertEqual(status, 200)
        finally:
            conn.close()
        entries = self.log()
        self.assertEqual(len(set(e["connection"] for e in entries)), 1)
        self.assertEqual([e["requestOnConnection"] for e in entries], [1, 2, 3])

    def test_keep_alive_after_auth_rejection(self):
        self.control("POST", "/_standin/config", {"auth": "apikey", "apiKey": "k"})
        conn = self.connect()
        try:
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 401)
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, {"x-sn-apikey": "k"}, conn=conn)[0], 200)
        finally:
            conn.close()
        self.assertEqual(len(set(e["connection"] for e in self.log())), 1)

    def test_chunked_request_body(self):
        conn = self.connect()
        try:
            data = json.dumps(CREATE_BODY).encode()
            conn.request("POST", CREATE, body=iter([data[:10], data[10:]]),
                         headers={"Content-Type": "application/json"}, encode_chunked=True)
            response = conn.getresponse()
            response.read()
            self.assertEqual(response.status, 200)
        finally:
            conn.close()
        entry = self.log()[-1]
        self.assertIn(["Transfer-Encoding", "chunked"], entry["headers"])
        self.assertEqual(json.loads(entry["body"]), CREATE_BODY)

    def raw(self, data, read_until_close=True):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
            chunks = []
            while read_until_close:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
            return b"".join(chunks)

    def test_malformed_requests_do_not_kill_the_server(self):
        self.assertTrue(self.raw(b"GARBAGE\r\n\r\n").startswith(b"HTTP/1.1 400"))
        self.assertTrue(self.raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n").startswith(b"HTTP/1.1 400"))
        answer = self.raw(b"POST " + CREATE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n")
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer)
        self.assertIn(b"Connection: close", answer)
        self.raw(b"POST " + CREATE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        self.assertTrue(self.raw(b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n").startswith(b"HTTP/1.1 501"))
        self.assertEqual(self.call_json("POST", CREATE, CREATE_BODY)[0], 200)
        outcomes = [e["outcome"] for e in self.log()]
        self.assertIn("client_disconnected", outcomes)
        self.assertIn("rejected_malformed", outcomes)

    def test_expect_100_continue(self):
        body = json.dumps(CREATE_BODY).encode()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"POST " + CREATE.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            interim = sock.recv(1024)
            self.assertTrue(interim.startswith(b"HTTP/1.1 100"), interim)
            sock.sendall(body)
            final = b""
            while b"IMS0000001" not in final:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                final += chunk
            self.assertTrue(final.startswith(b"HTTP/1.1 200"), final)


class KeepAliveModeTests(StandInCase):
    """keepAliveRequests, idleTimeout, endlessBody, padBody."""

    def test_keep_alive_requests_closes_after_n_with_connection_close(self):
        self.control("POST", "/_standin/config", {"keepAliveRequests": 2})
        conn = self.connect()
        try:
            status, response, _ = self.call("POST", CREATE, CREATE_BODY, conn=conn)
            self.assertEqual((status, response.getheader("Connection")), (200, None))
            status, response, _ = self.call("POST", CREATE, CREATE_BODY, conn=conn)
            self.assertEqual((status, response.getheader("Connection")), (200, "close"))
            # http.client saw "Connection: close" and reconnects for the 3rd request.
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 200)
        finally:
            conn.close()
        self.assertEqual(len(self.records()), 3)
        entries = self.log()
        self.assertEqual([e["requestOnConnection"] for e in entries], [1, 2, 1])
        self.assertNotEqual(entries[1]["connection"], entries[2]["connection"])

    def test_idle_timeout_closes_an_idle_connection_but_not_a_busy_one(self):
        self.control("POST", "/_standin/config", {"idleTimeout": 0.2})
        conn = self.connect()
        try:
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 200)
            self.assertEqual(self.call("POST", CREATE, CREATE_BODY, conn=conn)[0], 200)
            time.sleep(0.5)
            conn.sock.settimeout(2)
            self.assertEqual(conn.sock.recv(1), b"", "the idle connection was closed")
        finally:
            conn.close()
        self.assertEqual([e["requestOnConnection"] for e in self.log()], [1, 2])

    def test_config_rejects_bad_keep_alive_values(self):
        for config in ({"keepAliveRequests": 0}, {"keepAliveRequests": True}, {"idleTimeout": 0}, {"idleTimeout": "1"}):
            self.assertEqual(self.control("POST", "/_standin/config", config)[0], 400, config)

    def test_endless_body_streams_until_the_client_goes(self):
        self.faults({"endlessBody": True})
        conn = self.connect()
        try:
            conn.request("POST", CREATE, body=json.dumps(CREATE_BODY), headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.getheader("Transfer-Encoding"), "chunked")
            first = response.read(300)
            self.assertIn(b'"SUCCESS"', first)
            total = len(first)
            while total < 8 * 1024 * 1024:
                total += len(response.read(65536))
        finally:
            conn.close()
        self.assertEqual(len(self.records()), 1, "the record is stored before the endless answer")
        self.assertEqual(self.log()[0]["outcome"], "endless_body")
        deadline = time.time() + 5
        while time.time() < deadline and self.control("GET", "/_standin/health")[1]["openConnections"] > 1:
            time.sleep(0.05)
        self.assertEqual(self.control("GET", "/_standin/health")[1]["openConnections"], 1, "only this control connection")

    def test_pad_body_is_a_valid_success_over_any_cap(self):
        self.faults({"padBody": 5000000})
        status, response, data = self.call("POST", CREATE, CREATE_BODY)
        self.assertEqual(status, 200)
        self.assertEqual(len(data), int(response.getheader("Content-Length")))
        self.assertGreater(len(data), 5000000)
        self.assertEqual(json.loads(data)["result"]["status"], "SUCCESS")

    def test_invalid_endless_and_pad_faults(self):
        for fault in ({"endlessBody": 1}, {"padBody": -1}, {"drip": 1}, {"endlessBody": True, "drop": "after_store"}):
            status, _ = self.control("POST", "/_standin/faults", [fault])
            self.assertEqual(status, 400, fault)


@unittest.skipUnless(shutil.which("openssl"), "needs the openssl command")
class TlsTests(unittest.TestCase):
    """HTTPS on a second port with a CA made at test time; optional client certificates."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="standin-tls-")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        def run(*args):
            subprocess.run(["openssl"] + list(args), cwd=cls.dir, check=True, capture_output=True)
        run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test CA")
        with open(os.path.join(cls.dir, "ext"), "w") as handle:
            handle.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        for name in ("server", "client"):
            run("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name)
            run("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".pem", "-days", "2", "-extfile", "ext")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_https_keep_alive_and_shared_state(self):
        with osi.StandIn(tls_cert=self.path("server.pem"), tls_key=self.path("server.key")) as standin:
            self.assertTrue(standin.tls_url.startswith("https://127.0.0.1:"))
            context = ssl.create_default_context(cafile=self.path("ca.pem"))
            conn = http.client.HTTPSConnection("127.0.0.1", standin.tls_port, context=context, timeout=10)
            for _ in range(2):
                conn.request("POST", CREATE, body=json.dumps(CREATE_BODY), headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                self.assertEqual(response.status, 200)
                response.read()
            conn.close()
            entries = standin.requests()
            self.assertEqual([e["requestOnConnection"] for e in entries], [1, 2])
            self.assertEqual(len(standin.records()), 2)
            # A client that does not trust the CA fails in the handshake; nothing is logged.
            with self.assertRaises(ssl.SSLError):
                bad = http.client.HTTPSConnection("127.0.0.1", standin.tls_port, context=ssl.create_default_context(), timeout=10)
                bad.request("POST", CREATE, body=b"{}")
            self.assertEqual(len(standin.requests()), 2)

    def test_client_certificate_required(self):
        with osi.StandIn(tls_cert=self.path("server.pem"), tls_key=self.path("server.key"),
                         tls_client_ca=self.path("ca.pem")) as standin:
            context = ssl.create_default_context(cafile=self.path("ca.pem"))
            context.load_cert_chain(self.path("client.pem"), self.path("client.key"))
            conn = http.client.HTTPSConnection("127.0.0.1", standin.tls_port, context=context, timeout=10)
            conn.request("POST", CREATE, body=json.dumps(CREATE_BODY), headers={"Content-Type": "application/json"})
            self.assertEqual(conn.getresponse().status, 200)
            conn.close()
            without = ssl.create_default_context(cafile=self.path("ca.pem"))
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                conn = http.client.HTTPSConnection("127.0.0.1", standin.tls_port, context=without, timeout=10)
                conn.request("POST", CREATE, body=json.dumps(CREATE_BODY), headers={"Content-Type": "application/json"})
                conn.getresponse()
            self.assertEqual(len(standin.records()), 1)

    def test_cli_announces_the_tls_url(self):
        proc = subprocess.Popen([sys.executable, MODULE, "--quiet", "--exit-on-stdin-eof", "--tls-cert", self.path("server.pem"),
                                 "--tls-key", self.path("server.key")], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            ready = json.loads(proc.stdout.readline())
            self.assertTrue(ready["tlsUrl"].startswith("https://127.0.0.1:"))
            self.assertEqual(ready["tlsUrl"], "https://127.0.0.1:%d" % ready["tlsPort"])
        finally:
            proc.stdin.close()
            self.assertEqual(proc.wait(10), 0)
            proc.stdout.close()

class DurableDeliveryTests(StandInCase):
    """The Table API lookup and the outages that durable delivery is tested against."""

    LOOKUP = "/api/now/table/interaction?sysparm_query=client_session_id=%s&sysparm_fields=sys_id,number,client_session_id&sysparm_limit=2"

    def create_with_session(self, session):
        body = {"interaction": {"userPhoneNumber": "+14089965744", "clientSessionId": session}}
        return self.create(body)

    def test_lookup_finds_the_record_by_client_session_id_only(self):
        first = self.create_with_session("call-1")
        self.create_with_session("call-2")
        status, payload = self.call_json("GET", self.LOOKUP % "call-1")
        self.assertEqual(status, 200)
        self.assertEqual(payload, {"result": [{"sys_id": first, "number": "IMS0000001", "client_session_id": "call-1"}]})
        status, payload = self.call_json("GET", self.LOOKUP % "call-3")
        self.assertEqual((status, payload), (200, {"result": []}))
        self.assertEqual(self.log()[-1]["operation"], "lookup")

    def test_lookup_sees_a_record_stored_by_an_after_store_drop(self):
        self.faults({"drop": "after_store"})
        self.expect_dropped("POST", CREATE, {"interaction": {"userPhoneNumber": "+14089965744", "clientSessionId": "dropped"}})
        status, payload = self.call_json("GET", self.LOOKUP % "dropped")
        self.assertEqual(status, 200)
        self.assertEqual(len(payload["result"]), 1)
        self.assertEqual(payload["result"][0]["client_session_id"], "dropped")

    def test_missing_field_mode_returns_unrelated_rows_without_the_field(self):
        self.create_with_session("a")
        self.create_with_session("b")
        self.create_with_session("c")
        self.assertEqual(self.control("POST", "/_standin/lookup", {"mode": "missingField"}), (200, {"mode": "missingField"}))
        status, payload = self.call_json("GET", self.LOOKUP % "zzz")
        self.assertEqual(status, 200)
        self.assertEqual(len(payload["result"]), 2)  # sysparm_limit applies
        self.assertTrue(all("client_session_id" not in row for row in payload["result"]))

    def test_forbidden_mode_answers_403(self):
        self.control("POST", "/_standin/lookup", {"mode": "forbidden"})
        status, payload = self.call_json("GET", self.LOOKUP % "a")
        self.assertEqual(status, 403)
        self.assertEqual(payload["status"], "failure")

    def test_lookup_needs_auth_like_the_api(self):
        self.control("POST", "/_standin/config", {"auth": "bearer", "token": "t"})
        status, _ = self.call_json("GET", self.LOOKUP % "a")
        self.assertEqual(status, 401)

    def test_bad_lookup_and_outage_control_requests_are_refused(self):
        self.assertEqual(self.control("POST", "/_standin/lookup", {"mode": "nope"})[0], 400)
        self.assertEqual(self.control("POST", "/_standin/outage", {"mode": "refuse", "seconds": -1})[0], 400)
        self.assertEqual(self.control("POST", "/_standin/outage", {"mode": "sleep", "seconds": 1})[0], 400)

    def test_reset_restores_the_normal_lookup(self):
        self.control("POST", "/_standin/lookup", {"mode": "forbidden"})
        self.control("POST", "/_standin/reset")
        self.assertEqual(self.call_json("GET", self.LOOKUP % "a")[0], 200)

    def test_hang_outage_accepts_and_never_answers_until_it_ends(self):
        self.assertEqual(self.control("POST", "/_standin/outage", {"mode": "hang", "seconds": 1.0})[0], 200)
        started = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        with self.assertRaises(DROPPED):
            self.call("POST", CREATE, CREATE_BODY, conn=conn)
        self.assertGreaterEqual(time.time() - started, 0.8)
        self.assertEqual(self.records(), {})
        self.assertEqual(self.log()[-1]["outcome"], "dropped_outage")
        self.create()  # answered again after the outage

    def test_refuse_outage_refuses_connections_then_serves_the_same_records(self):
        sys_id = self.create()
        self.assertEqual(self.control("POST", "/_standin/outage", {"mode": "refuse", "seconds": 1.0})[0], 200)
        time.sleep(0.3)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
        deadline = time.time() + 5
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=2).close()
                break
            except ConnectionRefusedError:
                self.assertLess(time.time(), deadline, "the stand-in did not come back")
                time.sleep(0.05)
        self.assertIn(sys_id, self.records())


class HelperTests(unittest.TestCase):

    def test_refusing_port(self):
        with osi.refusing_port() as reserved:
            with self.assertRaises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", reserved.port), timeout=2).close()
            self.assertEqual(reserved.url, "http://127.0.0.1:%d" % reserved.port)
        self.assertIsInstance(osi.unused_port(), int)

    def test_refused_port_control_endpoint_and_context_manager(self):
        with osi.StandIn() as standin:
            with urllib.request.urlopen(standin.url + "/_standin/refused-port", timeout=5) as response:
                payload = json.loads(response.read())
            with self.assertRaises(urllib.error.URLError) as raised:
                urllib.request.urlopen(payload["url"] + CREATE, data=b"{}", timeout=5)
            self.assertIsInstance(raised.exception.reason, ConnectionRefusedError)
            standin.add_faults([{"status": 500}])
            self.assertEqual(len(standin.pending_faults()), 1)

    def test_constructor_rejects_incomplete_auth(self):
        with self.assertRaises(ValueError):
            osi.StandIn(auth="oauth", client_id="x")


class CliTests(unittest.TestCase):

    def spawn(self, *args):
        proc = subprocess.Popen([sys.executable, MODULE] + list(args), stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        killer = threading.Timer(15, proc.kill)
        killer.start()
        self.addCleanup(killer.cancel)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.addCleanup(proc.wait)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            self.addCleanup(stream.close)
        return proc

    def test_ready_line_auth_and_clean_exit(self):
        proc = self.spawn("--port", "0", "--auth", "apikey", "--api-key", "k1")
        line = proc.stdout.readline().decode()
        match = re.match(r'^\{"port": (\d+), "url": "http://127\.0\.0\.1:(\d+)"\}\n$', line)
        self.assertIsNotNone(match, line)
        self.assertEqual(match.group(1), match.group(2))
        url = "http://127.0.0.1:%s" % match.group(1)
        request = urllib.request.Request(url + CREATE, data=json.dumps(CREATE_BODY).encode(),
                                         headers={"Content-Type": "application/json", "x-sn-apikey": "k1"})
        with urllib.request.urlopen(request, timeout=5) as response:
            self.assertEqual(json.loads(response.read())["result"]["number"], "IMS0000001")
        with self.assertRaises(urllib.error.HTTPError) as raised:
            urllib.request.urlopen(urllib.request.Request(
                url + CREATE, data=b"{}", headers={"Content-Type": "application/json"}), timeout=5)
        self.assertEqual(raised.exception.code, 401)
        raised.exception.close()
        proc.terminate()
        self.assertEqual(proc.wait(10), 0)
        self.assertEqual(proc.stdout.read(), b"")
        self.assertIn(b"POST /api/now/openframe/voice-interaction", proc.stderr.read())

    def test_exit_on_stdin_eof(self):
        proc = self.spawn("--quiet", "--exit-on-stdin-eof")
        self.assertTrue(proc.stdout.readline().startswith(b'{"port": '))
        proc.stdin.close()
        self.assertEqual(proc.wait(10), 0)

    def test_bad_arguments(self):
        proc = self.spawn("--auth", "basic", "--username", "u")
        self.assertEqual(proc.wait(10), 2)
        self.assertEqual(proc.stdout.read(), b"")
        self.assertIn(b"password", proc.stderr.read())


if __name__ == "__main__":
    unittest.main()
