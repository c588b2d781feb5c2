#!/usr/bin/env python3
"""A local HTTP stand-in for a ServiceNow instance's openframe voice-interaction API.

For integration tests, client tests and fault storms.  Standard library only,
Python 3.9+.  Run as a script::

    python3 openframe_standin.py [--host 127.0.0.1] [--port 0] [--auth basic ...]

which prints one line, ``{"port": N, "url": "http://127.0.0.1:N"}``, to stdout
when it is ready and logs to stderr; or import it::

    from openframe_standin import StandIn
    standin = StandIn(auth="basic", username="u", password="p")
    url = standin.start()
    ...
    standin.stop()

The instance surface is ``POST /api/now/openframe[/vN]/voice-interaction``,
``PATCH /api/now/openframe[/vN]/voice-interaction/{sysId}`` and
``POST /oauth_token.do``.  The control surface (never authenticated, never
logged) is under ``/_standin/``; see README.md next to this file.
"""

import argparse
import base64
import binascii
import copy
import datetime
import email.utils
import hmac
import http
import http.server
import json
import math
import re
import secrets
import signal
import socket
import ssl
import socketserver
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

__all__ = [
    "StandIn",
    "ReservedPort",
    "refusing_port",
    "unused_port",
    "payload_to_xml",
    "xml_to_payload",
    "main",
]

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

API_PREFIX = "/api/now/openframe"
API_PATH_RE = re.compile(
    r"^/api/now/openframe/(?:(v[0-9]+)/)?voice-interaction(?:/([^/]+))?$"
)
OAUTH_PATH = "/oauth_token.do"
CONTROL_ROOT = "/_standin"
TABLE_INTERACTION_PATH = "/api/now/table/interaction"
LOOKUP_MODES = ("normal", "missingField", "forbidden")
OUTAGE_MODES = ("refuse", "hang")

AUTH_MODES = ("none", "basic", "bearer", "oauth", "apikey")
DROP_KINDS = ("before_read", "after_read", "after_store", "mid_body")
FAULT_OPERATIONS = ("create", "update", "token", "lookup")

MAX_BODY = 64 * 1024 * 1024
MAX_LOG_ENTRIES = 100000

JSON_TYPE = "application/json;charset=UTF-8"
XML_TYPE = "application/xml;charset=UTF-8"

NOT_AUTHENTICATED = ("User Not Authenticated", "Required to provide Auth information")
NO_RECORD = ("No Record found", "Record doesn't exist or ACL restricts the record retrieval")
NO_RESOURCE = ("Requested URI does not represent any resource", None)

# Default ServiceNow-style error texts for scripted fault statuses.
DEFAULT_ERRORS = {
    400: ("Bad Request", "A bad request type or malformed request was detected."),
    401: NOT_AUTHENTICATED,
    403: ("User Not Authorized", "Insufficient rights to perform this operation"),
    404: NO_RECORD,
    405: ("Method not Supported", "The method is not supported for this API"),
    409: ("Conflict", "The request conflicts with the current state of the record"),
    413: ("Request Entity Too Large", "The request body is too large"),
    415: ("Unsupported Media Type", "Use application/json or application/xml"),
    429: ("Rate limit exceeded", "Too many requests; retry later"),
    500: ("Internal server error", "An unexpected error occurred while processing the request."),
    502: ("Bad Gateway", "The instance could not be reached"),
    503: ("Service Unavailable", "The instance is temporarily unavailable"),
    504: ("Gateway Timeout", "The instance did not answer in time"),
}

DEFAULT_CONFIG = {
    "auth": "none",
    "username": None,
    "password": None,
    "token": None,
    "clientId": None,
    "clientSecret": None,
    "apiKey": None,
    "tokenTtl": 1800.0,
    "refreshTokenTtl": 8640000.0,
    "cookies": True,
    "validate": True,
    "keepAliveRequests": None,
    "idleTimeout": None,
}

# Element names in the XML request body whose value is always an object or
# always an array, so that an empty element still maps to {} / [].
# "*" stands for an array item.
XML_CONTAINER_HINTS = {
    (): "object",
    ("interaction",): "object",
    ("interaction", "additionalParams"): "object",
    ("interactionContext",): "object",
    ("phoneLogs",): "array",
    ("phoneLogs", "*"): "object",
    ("relatedRecords",): "array",
    ("relatedRecords", "*"): "object",
}


def _now_iso(epoch=None):
    if epoch is None:
        epoch = time.time()
    stamp = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _reason(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Status %d" % status


def _json_bytes(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sn_error(message, detail):
    """A ServiceNow REST error body."""
    return {"error": {"message": message, "detail": detail}, "status": "failure"}


# --------------------------------------------------------------------------
# XML mapping
# --------------------------------------------------------------------------


class PayloadError(ValueError):
    """The request body cannot be turned into a payload (answered 400)."""


def _xml_escape(text):
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


_XML_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def _emit_xml(parts, name, value):
    if not _XML_NAME_RE.match(name):
        raise ValueError("%r is not usable as an XML element name" % name)
    if value is None or value == "" or value == {} or value == []:
        parts.append("<%s/>" % name)
        return
    parts.append("<%s>" % name)
    if isinstance(value, dict):
        for key, item in value.items():
            _emit_xml(parts, str(key), item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _emit_xml(parts, "element", item)
    elif isinstance(value, bool):
        parts.append("true" if value else "false")
    elif isinstance(value, (int, float)):
        parts.append(json.dumps(value))
    else:
        parts.append(_xml_escape(str(value)))
    parts.append("</%s>" % name)


def payload_to_xml(value, root="request"):
    """Serialise a JSON-like value with the stand-in's XML mapping.

    Objects become child elements named by key, arrays become repeated
    ``<element>`` children, null/""/{}/[] become an empty element, booleans
    ``true``/``false``, numbers their JSON spelling.  Returns bytes.
    """
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    _emit_xml(parts, root, value)
    return "".join(parts).encode("utf-8")


def _xml_to_value(elem, keypath):
    where = "/".join(("request",) + tuple(k if k != "*" else "element" for k in keypath))
    if elem.tag.startswith("{"):
        raise PayloadError("%s: XML namespaces are not supported" % where)
    if elem.attrib:
        raise PayloadError("%s: XML attributes are not supported" % where)
    hint = XML_CONTAINER_HINTS.get(keypath)
    children = list(elem)
    text = elem.text or ""
    if not children:
        if hint is not None:
            if text.strip():
                raise PayloadError("%s: expected an %s, found text" % (where, hint))
            return {} if hint == "object" else []
        return text
    if text.strip() or any((child.tail or "").strip() for child in children):
        raise PayloadError("%s: mixed text and elements" % where)
    tags = [child.tag for child in children]
    if hint != "object" and all(tag == "element" for tag in tags):
        return [_xml_to_value(child, keypath + ("*",)) for child in children]
    if hint == "array":
        raise PayloadError("%s: an array holds only <element> children" % where)
    if "element" in tags and hint != "object":
        raise PayloadError("%s: <element> mixed with named children" % where)
    result = {}
    for child in children:
        if child.tag in result:
            raise PayloadError("%s: duplicate <%s>" % (where, child.tag))
        result[child.tag] = _xml_to_value(child, keypath + (child.tag,))
    return result


_DOCTYPE_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def xml_to_payload(body):
    """Parse an XML request body (bytes) into a payload dict; raises PayloadError."""
    if _DOCTYPE_RE.search(body):
        raise PayloadError("DOCTYPE and ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise PayloadError("The payload is not valid XML: %s" % exc)
    if root.tag != "request":
        raise PayloadError("The XML root element must be <request>, not <%s>" % root.tag)
    return _xml_to_value(root, ())


# --------------------------------------------------------------------------
# Payload validation and merging
# --------------------------------------------------------------------------


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def parse_json_body(body, charset):
    try:
        text = body.decode(charset or "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise PayloadError("The payload is not valid JSON: %s" % exc)
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise PayloadError("The payload is not valid JSON: %s" % exc)


def validate_payload(payload, operation, strict=True):
    """Return None if the payload is acceptable, else a description of the problem."""
    if not isinstance(payload, dict):
        return "The request body must be an object"
    if not strict:
        return None
    interaction = payload.get("interaction")
    if interaction is None:
        return "interaction is required"
    if not isinstance(interaction, dict):
        return "interaction must be an object"
    for key in ("userPhoneNumber", "callbackPhoneNumber", "clientSessionId", "inboundId"):
        if key in interaction and not isinstance(interaction[key], str):
            return "interaction.%s must be a string" % key
    if operation == "create" and not interaction.get("userPhoneNumber"):
        return "interaction.userPhoneNumber is required"
    if "additionalParams" in interaction and not isinstance(interaction["additionalParams"], dict):
        return "interaction.additionalParams must be an object"
    if "interactionContext" in payload and not isinstance(payload["interactionContext"], dict):
        return "interactionContext must be an object"
    for key in ("phoneLogs", "relatedRecords"):
        if key in payload:
            value = payload[key]
            if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
                return "%s must be an array of objects" % key
    return None


def _related_key(item):
    if isinstance(item, dict) and "documentTable" in item and "documentId" in item:
        return ("ref", str(item["documentTable"]), str(item["documentId"]))
    return ("raw", json.dumps(item, sort_keys=True))


def merge_update(current, update):
    """Merge an update payload into the current state of a record (in place)."""
    for key, value in update.items():
        if key == "interaction" and isinstance(value, dict) and isinstance(current.get(key), dict):
            interaction = current[key]
            for field, field_value in value.items():
                if (
                    field == "additionalParams"
                    and isinstance(field_value, dict)
                    and isinstance(interaction.get(field), dict)
                ):
                    interaction[field].update(copy.deepcopy(field_value))
                else:
                    interaction[field] = copy.deepcopy(field_value)
        elif key == "interactionContext" and isinstance(value, dict) and isinstance(current.get(key), dict):
            current[key].update(copy.deepcopy(value))
        elif key == "phoneLogs" and isinstance(value, list) and isinstance(current.get(key), list):
            logs = current[key]
            for log in value:
                existing = None
                if isinstance(log, dict) and "call_id" in log:
                    for candidate in logs:
                        if isinstance(candidate, dict) and candidate.get("call_id") == log["call_id"]:
                            existing = candidate
                            break
                if existing is not None:
                    existing.update(copy.deepcopy(log))
                else:
                    logs.append(copy.deepcopy(log))
        elif key == "relatedRecords" and isinstance(value, list) and isinstance(current.get(key), list):
            related = current[key]
            seen = set(_related_key(item) for item in related)
            for item in value:
                item_key = _related_key(item)
                if item_key not in seen:
                    seen.add(item_key)
                    related.append(copy.deepcopy(item))
        else:
            current[key] = copy.deepcopy(value)
    return current


# --------------------------------------------------------------------------
# Configuration and faults
# --------------------------------------------------------------------------

_CONFIG_ALIASES = {
    "client_id": "clientId",
    "client_secret": "clientSecret",
    "api_key": "apiKey",
    "token_ttl": "tokenTtl",
    "refresh_token_ttl": "refreshTokenTtl",
}


def normalize_config(updates, base):
    """Apply partial config updates to base; returns a new dict or raises ValueError."""
    if not isinstance(updates, dict):
        raise ValueError("config must be a JSON object")
    config = dict(base)
    for raw_key, value in updates.items():
        key = _CONFIG_ALIASES.get(raw_key, raw_key)
        if key not in DEFAULT_CONFIG:
            raise ValueError("unknown config key %r (known: %s)" % (raw_key, ", ".join(DEFAULT_CONFIG)))
        if key == "auth":
            if value not in AUTH_MODES:
                raise ValueError("auth must be one of %s" % ", ".join(AUTH_MODES))
        elif key in ("tokenTtl", "refreshTokenTtl"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError("%s must be a number of seconds >= 0" % key)
            value = float(value)
        elif key == "keepAliveRequests":
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError("keepAliveRequests must be an integer >= 1 or null")
        elif key == "idleTimeout":
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0):
                raise ValueError("idleTimeout must be a number of seconds > 0 or null")
            value = float(value) if value is not None else None
        elif key in ("cookies", "validate"):
            if not isinstance(value, bool):
                raise ValueError("%s must be true or false" % key)
        elif value is not None and not isinstance(value, str):
            raise ValueError("%s must be a string or null" % key)
        config[key] = value
    mode = config["auth"]
    needs = {
        "basic": ("username", "password"),
        "bearer": ("token",),
        "oauth": ("clientId", "clientSecret"),
        "apikey": ("apiKey",),
    }.get(mode, ())
    missing = [k for k in needs if not config.get(k)]
    if missing:
        raise ValueError("auth %s needs %s" % (mode, " and ".join(missing)))
    return config


_FAULT_KEYS = {
    "status", "error", "body", "contentType", "headers", "retryAfter",
    "retryAfterDateIn", "delay", "drop", "html", "resultStatus", "match",
    "times", "note", "endlessBody", "padBody", "drip",
}
_MATCH_KEYS = {"method", "operation", "path", "pathPrefix"}


def normalize_fault(spec):
    """Check a scripted fault; returns a normalised copy or raises ValueError."""
    if not isinstance(spec, dict):
        raise ValueError("a fault must be a JSON object")
    unknown = set(spec) - _FAULT_KEYS
    if unknown:
        raise ValueError("unknown fault key(s) %s" % ", ".join(sorted(unknown)))
    fault = copy.deepcopy(spec)
    if "status" in fault:
        status = fault["status"]
        if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
            raise ValueError("status must be an integer 200..599")
    if "error" in fault and not isinstance(fault["error"], dict):
        raise ValueError("error must be an object with message and detail")
    for key in ("body", "contentType", "resultStatus", "note"):
        if key in fault and not isinstance(fault[key], str):
            raise ValueError("%s must be a string" % key)
    if "headers" in fault:
        headers = fault["headers"]
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise ValueError("headers must be an object of strings")
    if "retryAfter" in fault:
        value = fault["retryAfter"]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError("retryAfter must be a string or a number")
    for key in ("retryAfterDateIn", "delay"):
        if key in fault:
            value = fault[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError("%s must be a number >= 0" % key)
    if "endlessBody" in fault and fault["endlessBody"] is not True:
        raise ValueError("endlessBody must be true")
    if "padBody" in fault:
        value = fault["padBody"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 256 * 1024 * 1024:
            raise ValueError("padBody must be a number of bytes 0..268435456")
    if "drip" in fault:
        value = fault["drip"]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or "endlessBody" not in fault:
            raise ValueError("drip is a number of seconds >= 0 and goes with endlessBody")
    if "endlessBody" in fault and ("drop" in fault or "padBody" in fault):
        raise ValueError("endlessBody cannot go with drop or padBody")
    if "html" in fault and not isinstance(fault["html"], (bool, str)):
        raise ValueError("html must be true or a string")
    if "drop" in fault and fault["drop"] not in DROP_KINDS:
        raise ValueError("drop must be one of %s" % ", ".join(DROP_KINDS))
    times = fault.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or (times < 1 and times != -1):
        raise ValueError("times must be an integer >= 1, or -1 for every matching request")
    fault["times"] = times
    match = fault.get("match", {})
    if not isinstance(match, dict) or set(match) - _MATCH_KEYS:
        raise ValueError("match may hold only %s" % ", ".join(sorted(_MATCH_KEYS)))
    for key, value in match.items():
        if not isinstance(value, str):
            raise ValueError("match.%s must be a string" % key)
    if "operation" in match and match["operation"] not in FAULT_OPERATIONS:
        raise ValueError("match.operation must be one of %s" % ", ".join(FAULT_OPERATIONS))
    answer_keys = [k for k in ("status", "error", "body", "html", "resultStatus", "retryAfter",
                               "retryAfterDateIn") if k in fault]
    drop = fault.get("drop")
    if drop in ("before_read", "after_read", "after_store") and answer_keys:
        raise ValueError("drop %s never answers; it cannot have %s" % (drop, ", ".join(answer_keys)))
    exclusive = [k for k in ("body", "html", "error", "resultStatus") if k in fault]
    if len(exclusive) > 1:
        raise ValueError("a fault gives at most one of body, html, error, resultStatus")
    if "contentType" in fault and "body" not in fault:
        raise ValueError("contentType goes with body")
    return fault


def _fault_overrides_answer(fault):
    if not fault:
        return False
    if any(k in fault for k in ("body", "html", "error", "resultStatus", "retryAfter", "retryAfterDateIn")):
        return True
    return "status" in fault and fault["status"] != 200


def classify(method, path):
    """(operation, apiVersion, sysId) for a request to the instance surface."""
    if path == TABLE_INTERACTION_PATH and method == "GET":
        return "lookup", None, None
    if path == OAUTH_PATH:
        return "token", None, None
    match = API_PATH_RE.match(path)
    if match:
        version, sys_id = match.group(1), match.group(2)
        if sys_id is None:
            return ("create" if method == "POST" else "wrong_method"), version, None
        return ("update" if method == "PATCH" else "wrong_method"), version, sys_id
    if path.startswith("/api/"):
        return "unknown_api", None, None
    return "unknown", None, None


def _fault_matches(fault, method, path, operation):
    match = fault.get("match") or {}
    if "method" in match and match["method"].upper() != method.upper():
        return False
    scoped = False
    if "operation" in match:
        scoped = True
        if match["operation"] != operation:
            return False
    if "path" in match:
        scoped = True
        if match["path"] != path:
            return False
    if "pathPrefix" in match:
        scoped = True
        if not path.startswith(match["pathPrefix"]):
            return False
    if not scoped:
        return path == API_PREFIX or path.startswith(API_PREFIX + "/")
    return True


def wants_xml(accept):
    """True when the Accept header prefers application/xml over application/json."""
    if not accept:
        return False
    best_json = best_xml = -1.0
    for part in accept.split(","):
        pieces = part.strip().split(";")
        media = pieces[0].strip().lower()
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media in ("application/xml", "text/xml"):
            best_xml = max(best_xml, q)
        elif media == "application/json":
            best_json = max(best_json, q)
        elif media in ("*/*", "application/*", "text/*"):
            best_json = max(best_json, q - 0.001)
    return best_xml > 0 and best_xml > best_json


def _media_type(content_type):
    if not content_type:
        return "", {}
    pieces = content_type.split(";")
    params = {}
    for param in pieces[1:]:
        name, _, value = param.strip().partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return pieces[0].strip().lower(), params


# --------------------------------------------------------------------------
# Ports with nothing listening
# --------------------------------------------------------------------------


class ReservedPort(object):
    """A loopback TCP port that is bound but not listening.

    Connecting to it is refused (ECONNREFUSED) for as long as this object is
    open, and no other process can take the port meanwhile.  Use as a context
    manager or call close().
    """

    def __init__(self, host="127.0.0.1"):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self.host = host
        self.port = self._sock.getsockname()[1]
        self.url = "http://%s:%d" % ("[%s]" % host if ":" in host else host, self.port)

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def refusing_port(host="127.0.0.1"):
    """A ReservedPort: connections to its .port are refused until it is closed."""
    return ReservedPort(host)


def unused_port(host="127.0.0.1"):
    """A loopback port number that had nothing listening a moment ago (racy; prefer refusing_port)."""
    with ReservedPort(host) as reserved:
        return reserved.port


# --------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------


class _Answer(object):
    __slots__ = ("status", "headers", "body")

    def __init__(self, status, headers=None, body=b""):
        self.status = status
        self.headers = list(headers or [])
        self.body = body

    def describe(self):
        return {
            "status": self.status,
            "headers": [[k, v] for k, v in self.headers],
            "body": self.body.decode("utf-8", "replace"),
        }


class _Framing(Exception):
    def __init__(self, status, detail):
        Exception.__init__(self, detail)
        self.status = status
        self.detail = detail


class _ClientGone(Exception):
    pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, standin, family, ssl_context=None):
        self.address_family = family
        self.standin = standin
        self.ssl_context = ssl_context
        http.server.ThreadingHTTPServer.__init__(self, address, handler)

    def get_request(self):
        sock, address = self.socket.accept()
        if self.ssl_context is not None:
            # The handshake happens in the connection's own thread (Handler.setup).
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def server_bind(self):
        # HTTPServer.server_bind() does a reverse DNS lookup; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = host
        self.server_port = port

    def handle_error(self, request, client_address):
        self.standin._log("unhandled error for %s:\n%s" % (client_address, traceback.format_exc()))


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # TCP_NODELAY, as nginx sets on kept-alive connections: the headers and the body are two
    # writes, and with Nagle the body would wait for the client's delayed ACK (40 ms).
    disable_nagle_algorithm = True
    server_version = "ServiceNow"
    sys_version = ""
    timeout = 120

    def version_string(self):
        return self.server_version

    # -- connection bookkeeping -------------------------------------------

    def setup(self):
        self.standin = self.server.standin
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                self.standin._tls_failure(exc)
                raise
        http.server.BaseHTTPRequestHandler.setup(self)
        self.conn_id = self.standin._register_connection(self.connection)
        self.request_on_conn = 0
        self._expect_continue = False
        self._headers_sent = False

    def finish(self):
        try:
            http.server.BaseHTTPRequestHandler.finish(self)
        except OSError:
            pass
        finally:
            self.standin._unregister_connection(self.conn_id)

    def handle_one_request(self):
        self._expect_continue = False
        self._headers_sent = False
        # idleTimeout: between requests a kept-alive connection waits at most that long.
        idle = self.standin._config_snapshot().get("idleTimeout")
        try:
            self.connection.settimeout(idle if idle and self.request_on_conn > 0 else self.timeout)
        except OSError:
            pass
        try:
            http.server.BaseHTTPRequestHandler.handle_one_request(self)
        except (ConnectionError, OSError):
            self.close_connection = True

    def handle_expect_100(self):
        # Send "100 Continue" only when the body is actually about to be read,
        # so that a before_read drop never invites the body.
        self._expect_continue = True
        return True

    def log_message(self, fmt, *args):
        self.standin._log("%s - %s" % (self.address_string(), fmt % args))

    def send_error(self, code, message=None, explain=None):
        """Malformed requests (bad request line, bad headers, unknown method)."""
        short, long_text = self.responses.get(code, ("Error", None))
        if self.request_version in ("", "HTTP/0.9"):
            # always a full status line and headers, even for HTTP/0.9-looking garbage
            self.request_version = "HTTP/1.1"
        body = _json_bytes(sn_error(message or short, explain or long_text))
        self.standin._record_malformed(self, code, message or short)
        self.close_connection = True
        try:
            self.send_response(code)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self._headers_sent = True
            if self.command != "HEAD" and code >= 200 and code not in (204, 304):
                self.wfile.write(body)
        except OSError:
            pass

    # -- dispatch -----------------------------------------------------------

    def _dispatch(self):
        if self.request_version == "HTTP/0.9":
            self.send_error(400, "HTTP/0.9 is not supported")
            return
        self.request_on_conn += 1
        try:
            self.connection.settimeout(self.timeout)
        except OSError:
            pass
        target = self.path
        path, _, query = target.partition("?")
        path = path.partition("#")[0]
        if path.startswith("http://") or path.startswith("https://"):
            path = urllib.parse.urlsplit(path).path or "/"
        try:
            if path == CONTROL_ROOT or path.startswith(CONTROL_ROOT + "/"):
                self._control(path, query)
            else:
                self._instance(path, query)
        except Exception:
            self.standin._log("error handling %s %s:\n%s" % (self.command, target, traceback.format_exc()))
            self.close_connection = True
            if not self._headers_sent:
                try:
                    self._send(self._sn_answer(500, sn_error(*DEFAULT_ERRORS[500]), [("Connection", "close")]))
                except Exception:
                    pass

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _dispatch

    # -- body framing ---------------------------------------------------------

    def _read_exact(self, n):
        chunks = []
        remaining = n
        while remaining > 0:
            data = self.rfile.read(remaining)
            if not data:
                raise _ClientGone()
            chunks.append(data)
            remaining -= len(data)
        return b"".join(chunks)

    def _read_body(self):
        transfer = self.headers.get("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length") or []
        if transfer is not None:
            if transfer.strip().lower() != "chunked":
                raise _Framing(501, "Transfer-Encoding %r is not supported" % transfer)
            if lengths:
                raise _Framing(400, "Content-Length and Transfer-Encoding together")
            self._send_continue()
            return self._read_chunked()
        if not lengths:
            return b""
        values = set(v.strip() for v in lengths)
        if len(values) != 1:
            raise _Framing(400, "conflicting Content-Length headers")
        value = values.pop()
        if not re.match(r"^[0-9]+$", value):
            raise _Framing(400, "invalid Content-Length %r" % value)
        length = int(value)
        if length > MAX_BODY:
            raise _Framing(413, "request body larger than %d bytes" % MAX_BODY)
        if length == 0:
            return b""
        self._send_continue()
        return self._read_exact(length)

    def _send_continue(self):
        if self._expect_continue:
            self._expect_continue = False
            self.send_response_only(100)
            self.end_headers()

    def _read_chunked(self):
        body = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise _ClientGone()
            size_text = line.split(b";", 1)[0].strip()
            if not re.match(rb"^[0-9A-Fa-f]+$", size_text):
                raise _Framing(400, "invalid chunk size line")
            size = int(size_text, 16)
            if size == 0:
                while True:
                    trailer = self.rfile.readline(65537)
                    if not trailer:
                        raise _ClientGone()
                    if trailer in (b"\r\n", b"\n"):
                        return b"".join(body)
            total += size
            if total > MAX_BODY:
                raise _Framing(413, "request body larger than %d bytes" % MAX_BODY)
            body.append(self._read_exact(size))
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise _Framing(400, "chunk not followed by CRLF")

    # -- answering ------------------------------------------------------------

    def _send(self, answer, truncate=False):
        self.send_response(answer.status)
        self._headers_sent = True
        for name, value in answer.headers:
            self.send_header(name, value)
        no_body = answer.status in (204, 304) or answer.status < 200
        if not no_body:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD" and not no_body and answer.body:
            self.wfile.write(answer.body[: len(answer.body) // 2] if truncate else answer.body)
        self.wfile.flush()

    def _send_endless(self, answer, drip=0):
        """The answer's status and headers, then a chunked body that never ends (until the
        client goes away or the stand-in stops): the start of the real body, then spaces."""
        try:
            self.send_response(answer.status)
            self._headers_sent = True
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            # With drip, 16-byte chunks that many seconds apart (a body that never ends, slowly).
            chunk = b" " * (16 if drip else 65536)
            first = answer.body
            self.wfile.write(b"%x\r\n%s\r\n" % (len(first), first))
            sent = 0
            while not self.standin._stop_event.is_set():
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                self.standin._endless_progress(sent)
                if drip:
                    self.wfile.flush()
                    self.standin._sleep(drip)
        except OSError:
            pass

    def _xml_wanted(self):
        return wants_xml(self.headers.get("Accept"))

    def _sn_answer(self, status, payload, extra_headers=()):
        """A ServiceNow-style answer, JSON or XML according to Accept."""
        if self._xml_wanted():
            body, ctype = payload_to_xml(payload, root="response"), XML_TYPE
        else:
            body, ctype = _json_bytes(payload), JSON_TYPE
        return _Answer(status, [("Content-Type", ctype)] + list(extra_headers), body)

    def _abort(self):
        """Close the connection without answering."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass

    # -- instance surface -------------------------------------------------------

    def _instance(self, path, query):
        standin = self.standin
        operation, version, sys_id = classify(self.command, path)
        entry = standin._new_entry(self, path, query, operation, version, sys_id)
        if standin._hang_if_down():
            standin._finish_entry(entry, "dropped_outage")
            self._abort()
            return
        fault = standin._take_fault(self.command, path, operation)
        delay = float(fault.get("delay", 0)) if fault else 0.0
        drop = fault.get("drop") if fault else None
        if fault:
            standin._update_entry(entry, fault=fault)

        if drop == "before_read":
            standin._sleep(delay)
            standin._finish_entry(entry, "dropped_before_read")
            self._abort()
            return

        try:
            body = self._read_body()
        except _ClientGone:
            standin._finish_entry(entry, "client_disconnected")
            self._abort()
            return
        except _Framing as exc:
            answer = self._sn_answer(exc.status, sn_error(_reason(exc.status), exc.detail),
                                     [("Connection", "close")])
            standin._finish_entry(entry, "answered", answer)
            self.close_connection = True
            self._send(answer)
            return
        standin._record_body(entry, body)

        if delay:
            standin._sleep(delay)
        if standin._stop_event.is_set():
            standin._finish_entry(entry, "server_stopped")
            self._abort()
            return
        if drop == "after_read":
            standin._finish_entry(entry, "dropped_after_read")
            self._abort()
            return

        if _fault_overrides_answer(fault):
            answer = self._fault_answer(fault)
        else:
            answer = self._normal(operation, version, sys_id, path, body, entry)
        if fault:
            for name, value in (fault.get("headers") or {}).items():
                answer.headers.append((name, value))

        if drop == "after_store":
            standin._finish_entry(entry, "dropped_after_store", unsent=answer)
            self._abort()
            return
        if drop == "mid_body":
            standin._finish_entry(entry, "dropped_mid_body", unsent=answer)
            self.close_connection = True
            try:
                self._send(answer, truncate=True)
            except OSError:
                pass
            return

        limit = standin._config_snapshot().get("keepAliveRequests")
        if limit and self.request_on_conn >= limit:
            # nginx's keepalive_requests: the last answer on the connection says so, then it closes.
            answer.headers.append(("Connection", "close"))
            self.close_connection = True
        if fault and fault.get("endlessBody"):
            standin._finish_entry(entry, "endless_body", unsent=answer)
            self.close_connection = True
            self._send_endless(answer, fault.get("drip", 0))
            return
        if fault and fault.get("padBody"):
            answer.body = answer.body + b" " * fault["padBody"]
        standin._finish_entry(entry, "answered", answer)
        try:
            self._send(answer)
        except OSError:
            standin._update_entry(entry, outcome="client_disconnected", answered=False)
            self.close_connection = True

    def _cookie_headers(self, answer):
        if self.standin._config_snapshot()["cookies"]:
            answer.headers.append(
                ("Set-Cookie", "JSESSIONID=%s; Path=/; HttpOnly" % secrets.token_hex(16).upper()))
            answer.headers.append(
                ("Set-Cookie", "glide_user_route=glide.%s; Path=/; HttpOnly" % secrets.token_hex(16)))
        return answer

    def _fault_answer(self, fault):
        status = fault.get("status")
        if status is None:
            if "html" in fault:
                status = 502
            elif "error" in fault:
                status = 500
            elif "retryAfter" in fault or "retryAfterDateIn" in fault:
                status = 429
            else:
                status = 200
        if "body" in fault:
            answer = _Answer(status, [("Content-Type", fault.get("contentType", JSON_TYPE))],
                             fault["body"].encode("utf-8"))
        elif "html" in fault:
            html = fault["html"]
            if not isinstance(html, str):
                html = "<html><body><h1>%d %s</h1></body></html>" % (status, _reason(status))
            answer = _Answer(status, [("Content-Type", "text/html")], html.encode("utf-8"))
        elif "resultStatus" in fault:
            answer = self._cookie_headers(self._sn_answer(status, {"result": {"status": fault["resultStatus"]}}))
        elif status >= 400 or "error" in fault:
            message, detail = DEFAULT_ERRORS.get(status, (_reason(status), None))
            error = {"message": message, "detail": detail}
            error.update(fault.get("error") or {})
            payload = {"error": error, "status": "failure"}
            answer = self._cookie_headers(self._sn_answer(status, payload))
        elif status == 204 or 300 <= status < 400:
            answer = _Answer(status)
        else:
            answer = self._cookie_headers(self._sn_answer(status, {"result": {"status": "QUEUED"}}))
        if "retryAfter" in fault:
            value = fault["retryAfter"]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            answer.headers.append(("Retry-After", str(value)))
        if "retryAfterDateIn" in fault:
            answer.headers.append(
                ("Retry-After", email.utils.formatdate(time.time() + fault["retryAfterDateIn"], usegmt=True)))
        return answer

    def _normal(self, operation, version, sys_id, path, body, entry):
        standin = self.standin
        if operation == "token":
            return self._oauth(body, entry)
        if operation == "unknown":
            return self._sn_answer(404, sn_error("Not Found", "The requested resource does not exist"))

        failure = standin._check_auth(self.headers)
        if failure is not None:
            reason, challenge = failure
            standin._update_entry(entry, authFailure=reason)
            headers = [("WWW-Authenticate", challenge)] if challenge else []
            return self._cookie_headers(self._sn_answer(401, sn_error(*NOT_AUTHENTICATED), headers))

        if operation == "lookup":
            return self._cookie_headers(self._table_lookup())
        if operation == "unknown_api":
            return self._cookie_headers(self._sn_answer(400, sn_error(*NO_RESOURCE)))
        if operation == "wrong_method":
            allowed = "PATCH" if sys_id else "POST"
            return self._cookie_headers(self._sn_answer(
                405, sn_error("Method not Supported", "%s method not supported for API" % self.command),
                [("Allow", allowed)]))

        media, params = _media_type(self.headers.get("Content-Type"))
        try:
            if media in ("", "application/json") or media.endswith("+json"):
                body_format = "json"
                payload = parse_json_body(body, params.get("charset"))
            elif media in ("application/xml", "text/xml") or media.endswith("+xml"):
                body_format = "xml"
                payload = xml_to_payload(body)
            else:
                return self._cookie_headers(self._sn_answer(415, sn_error(
                    "Unsupported Media Type",
                    "Content-Type %r is not supported; use application/json or application/xml" % media)))
        except PayloadError as exc:
            return self._cookie_headers(self._sn_answer(
                400, sn_error("Exception while reading request", str(exc))))

        problem = validate_payload(payload, operation, standin._config_snapshot()["validate"])
        if problem is not None:
            return self._cookie_headers(self._sn_answer(400, sn_error("Bad Request", problem)))

        if operation == "create":
            new_id, number = standin._create_record(payload, version, body_format)
            standin._update_entry(entry, sysId=new_id)
            result = {"status": "SUCCESS", "sysId": new_id, "number": number}
            return self._cookie_headers(self._sn_answer(200, {"result": result}))
        if not standin._update_record(sys_id, payload, version, body_format):
            return self._cookie_headers(self._sn_answer(404, sn_error(*NO_RECORD)))
        return self._cookie_headers(self._sn_answer(200, {"result": {"status": "SUCCESS"}}))

    def _oauth(self, body, entry):
        standin = self.standin

        def answer(status, payload, extra=()):
            headers = [("Content-Type", JSON_TYPE), ("Cache-Control", "no-store"), ("Pragma", "no-cache")]
            return _Answer(status, headers + list(extra), _json_bytes(payload))

        def deny(description):
            standin._update_entry(entry, authFailure=description)
            return answer(401, {"error": "access_denied", "error_description": description})

        if self.command != "POST":
            return answer(405, {"error": "invalid_request", "error_description": "use POST"}, [("Allow", "POST")])
        media, _ = _media_type(self.headers.get("Content-Type"))
        if media != "application/x-www-form-urlencoded":
            return answer(400, {"error": "invalid_request",
                                "error_description": "the body must be application/x-www-form-urlencoded"})
        try:
            form = urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            return answer(400, {"error": "invalid_request", "error_description": "the body is not UTF-8"})
        params = dict((k, v[0]) for k, v in form.items())
        client_id, client_secret = params.get("client_id"), params.get("client_secret")
        if client_id is None:
            basic = _basic_credentials(self.headers.get("Authorization"))
            if basic is not None:
                client_id, client_secret = basic
        grant = params.get("grant_type")
        result = standin._issue_token(grant, client_id, client_secret, params)
        if isinstance(result, str):
            return deny(result)
        return answer(200, result)

    def _table_lookup(self):
        """GET /api/now/table/interaction (durable delivery's lookup); see StandIn._lookup_rows."""
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query, keep_blank_values=True)
        status, payload = self.standin._lookup_rows(params)
        return self._sn_answer(status, payload)

    # -- control surface ----------------------------------------------------------

    def _control(self, path, query):
        standin = self.standin
        try:
            body = self._read_body()
        except _ClientGone:
            self._abort()
            return
        except _Framing as exc:
            self.close_connection = True
            self._send(_Answer(exc.status, [("Content-Type", JSON_TYPE), ("Connection", "close")],
                               _json_bytes({"error": exc.detail})))
            return
        status, payload = standin._control(self.command, path[len(CONTROL_ROOT):] or "/", query, body)
        self._send(_Answer(status, [("Content-Type", JSON_TYPE)], _json_bytes(payload)))


def _basic_credentials(header):
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    if ":" not in decoded:
        return None
    user, _, password = decoded.partition(":")
    return user, password


def _bearer_token(header):
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _same(a, b):
    if a is None or b is None:
        return False
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# --------------------------------------------------------------------------
# The stand-in
# --------------------------------------------------------------------------


class StandIn(object):
    """The stand-in instance: state, control operations, and the HTTP server.

    Keyword arguments mirror the command line: auth ("none", "basic",
    "bearer", "oauth", "apikey"), username, password, token, client_id,
    client_secret, api_key, token_ttl, refresh_token_ttl (seconds), cookies,
    validate; log=True writes one line per request to stderr.
    """

    def __init__(self, host="127.0.0.1", port=0, auth="none", username=None, password=None,
                 token=None, client_id=None, client_secret=None, api_key=None,
                 token_ttl=1800.0, refresh_token_ttl=8640000.0, cookies=True, validate=True,
                 log=False, tls_cert=None, tls_key=None, tls_client_ca=None):
        self.host = host
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.tls_client_ca = tls_client_ca
        self._tls_server = None
        self._tls_thread = None
        self.tls_port = None
        self.tls_url = None
        self.tls_failures = 0
        self.endless_bytes = 0
        self.requested_port = port
        self.log_to_stderr = log
        self._initial_config = normalize_config({
            "auth": auth, "username": username, "password": password, "token": token,
            "clientId": client_id, "clientSecret": client_secret, "apiKey": api_key,
            "tokenTtl": token_ttl, "refreshTokenTtl": refresh_token_ttl,
            "cookies": cookies, "validate": validate,
        }, DEFAULT_CONFIG)
        self._lock = threading.RLock()
        self._stop_event = threading.Event()
        self._server = None
        self._thread = None
        self._connections = {}
        self._connection_counter = 0
        self.port = None
        self.url = None
        self._reset_state(restore_config=True)

    # -- lifecycle ------------------------------------------------------------

    def start(self):
        """Bind, start serving in a daemon thread, and return the base URL."""
        if self._server is not None:
            return self.url
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._stop_event.clear()
        self._server = _Server((self.host, self.requested_port), _Handler, self, family)
        self.port = self._server.server_address[1]
        shown = "[%s]" % self.host if ":" in self.host else self.host
        self.url = "http://%s:%d" % (shown, self.port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="openframe-standin", daemon=True)
        self._thread.start()
        if self.tls_cert:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls_cert, self.tls_key)
            if self.tls_client_ca:
                # Mutual TLS: a client certificate signed by this CA is required.
                context.verify_mode = ssl.CERT_REQUIRED
                context.load_verify_locations(self.tls_client_ca)
            self._tls_server = _Server((self.host, 0), _Handler, self, family, ssl_context=context)
            self.tls_port = self._tls_server.server_address[1]
            self.tls_url = "https://%s:%d" % (shown, self.tls_port)
            self._tls_thread = threading.Thread(
                target=self._tls_server.serve_forever, kwargs={"poll_interval": 0.05},
                name="openframe-standin-tls", daemon=True)
            self._tls_thread.start()
        return self.url

    def stop(self):
        """Stop serving, close open connections and release reserved ports."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stop_event.set()
        server.shutdown()
        tls_server, self._tls_server = self._tls_server, None
        if tls_server is not None:
            tls_server.shutdown()
            tls_server.server_close()
        with self._lock:
            sockets = list(self._connections.values())
            reserved, self._reserved_ports = self._reserved_ports, []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for port in reserved:
            port.close()
        server.server_close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    # -- in-process helpers (the same operations as the control API) ----------------

    def requests(self, since=0):
        """A copy of the request log (entries with seq > since)."""
        with self._lock:
            return copy.deepcopy([e for e in self._log_entries if e["seq"] > since])

    def clear_requests(self):
        with self._lock:
            count = len(self._log_entries)
            self._log_entries = []
            return count

    def records(self):
        with self._lock:
            return copy.deepcopy(self._records)

    def add_faults(self, faults):
        """Append scripted faults (a list, or one dict); returns the pending queue."""
        if isinstance(faults, dict):
            faults = [faults]
        if not isinstance(faults, list):
            raise ValueError("faults must be a list of fault objects")
        normalized = [normalize_fault(f) for f in faults]
        with self._lock:
            for fault in normalized:
                self._fault_counter += 1
                fault["id"] = self._fault_counter
                fault["remaining"] = fault["times"]
                self._faults.append(fault)
            return copy.deepcopy(self._faults)

    def pending_faults(self):
        with self._lock:
            return copy.deepcopy(self._faults)

    def clear_faults(self):
        with self._lock:
            count = len(self._faults)
            self._faults = []
            return count

    def configure(self, **updates):
        """Change config (camelCase or snake_case keys); returns the new config."""
        with self._lock:
            self._config = normalize_config(updates, self._config)
            return dict(self._config)

    def config(self):
        return self._config_snapshot()

    def reset(self):
        """Clear records, log, faults, tokens and numbering; restore the start-up config."""
        self._reset_state(restore_config=True)

    def expire_tokens(self):
        with self._lock:
            for info in self._tokens.values():
                info["expires"] = 0.0
            return len(self._tokens)

    def refused_port(self):
        """Reserve a loopback port that refuses connections until reset()/stop()."""
        reserved = ReservedPort("127.0.0.1")
        with self._lock:
            self._reserved_ports.append(reserved)
        return reserved.port

    # -- state ------------------------------------------------------------------------

    def _reset_state(self, restore_config):
        with self._lock:
            if restore_config:
                self._config = dict(self._initial_config)
            self._records = {}
            self._lookup_mode = "normal"
            self._hang_until = 0.0
            self._number = 0
            self._log_entries = []
            self._seq = 0
            self._faults = []
            self._fault_counter = 0
            self._tokens = {}
            self._refresh_tokens = {}
            for reserved in getattr(self, "_reserved_ports", []):
                reserved.close()
            self._reserved_ports = []

    def _config_snapshot(self):
        with self._lock:
            return dict(self._config)

    def _log(self, message):
        if self.log_to_stderr:
            try:
                sys.stderr.write("openframe-standin: %s\n" % message)
                sys.stderr.flush()
            except (OSError, ValueError):
                pass

    def _sleep(self, seconds):
        if seconds > 0:
            self._stop_event.wait(seconds)

    def _tls_failure(self, exc):
        with self._lock:
            self.tls_failures += 1
        self._log("TLS handshake failed: %s" % exc)

    def _endless_progress(self, sent):
        with self._lock:
            self.endless_bytes = max(self.endless_bytes, sent)

    def _register_connection(self, sock):
        with self._lock:
            self._connection_counter += 1
            self._connections[self._connection_counter] = sock
            return self._connection_counter

    def _unregister_connection(self, conn_id):
        with self._lock:
            self._connections.pop(conn_id, None)

    # request log

    def _new_entry(self, handler, path, query, operation, version, sys_id):
        now = time.time()
        with self._lock:
            self._seq += 1
            entry = {
                "seq": self._seq,
                "time": _now_iso(now),
                "epoch": now,
                "connection": handler.conn_id,
                "requestOnConnection": handler.request_on_conn,
                "client": "%s:%s" % handler.client_address[:2],
                "method": handler.command,
                "target": handler.path,
                "path": path,
                "query": query,
                "queryParams": urllib.parse.parse_qs(query, keep_blank_values=True),
                "httpVersion": handler.request_version,
                "headers": [[k, v] for k, v in handler.headers.items()],
                "body": None,
                "bodyBase64": None,
                "bodyLength": None,
                "operation": operation,
                "apiVersion": version,
                "sysId": sys_id,
                "fault": None,
                "authFailure": None,
                "outcome": "in_progress",
                "answered": False,
                "response": None,
                "unsentResponse": None,
                "durationMs": None,
            }
            self._log_entries.append(entry)
            if len(self._log_entries) > MAX_LOG_ENTRIES:
                del self._log_entries[: len(self._log_entries) - MAX_LOG_ENTRIES]
            return entry

    def _update_entry(self, entry, **fields):
        with self._lock:
            for key, value in fields.items():
                entry[key] = copy.deepcopy(value) if isinstance(value, (dict, list)) else value

    def _record_body(self, entry, body):
        self._update_entry(
            entry,
            body=body.decode("utf-8", "replace"),
            bodyBase64=base64.b64encode(body).decode("ascii"),
            bodyLength=len(body),
        )

    def _finish_entry(self, entry, outcome, answer=None, unsent=None):
        if answer is None:
            self._log("%s %s %s: %s, no answer" % (entry["client"], entry["method"], entry["target"], outcome))
        with self._lock:
            entry["outcome"] = outcome
            entry["answered"] = answer is not None
            entry["response"] = answer.describe() if answer is not None else None
            entry["unsentResponse"] = unsent.describe() if unsent is not None else None
            entry["durationMs"] = round((time.time() - entry["epoch"]) * 1000.0, 3)

    def _record_malformed(self, handler, code, message):
        with self._lock:
            self._seq += 1
            now = time.time()
            self._log_entries.append({
                "seq": self._seq,
                "time": _now_iso(now),
                "epoch": now,
                "connection": getattr(handler, "conn_id", None),
                "requestOnConnection": getattr(handler, "request_on_conn", 0) + 1,
                "client": "%s:%s" % handler.client_address[:2],
                "method": handler.command or None,
                "target": getattr(handler, "path", None),
                "requestLine": getattr(handler, "requestline", ""),
                "operation": "malformed",
                "outcome": "rejected_malformed",
                "answered": True,
                "response": {"status": code, "message": message},
            })

    # faults

    def _take_fault(self, method, path, operation):
        with self._lock:
            for index, fault in enumerate(self._faults):
                if _fault_matches(fault, method, path, operation):
                    if fault["remaining"] > 0:
                        fault["remaining"] -= 1
                        if fault["remaining"] == 0:
                            del self._faults[index]
                    return copy.deepcopy(fault)
            return None

    # records

    def _create_record(self, payload, version, body_format, sys_id=None, number=None):
        with self._lock:
            sys_id = sys_id or uuid.uuid4().hex
            if number is None:
                self._number += 1
                number = "IMS%07d" % self._number
            now = _now_iso()
            self._records[sys_id] = {
                "sysId": sys_id,
                "number": number,
                "createdAt": now,
                "updatedAt": now,
                "apiVersion": version,
                "format": body_format,
                "createPayload": copy.deepcopy(payload),
                "updatePayloads": [],
                "current": copy.deepcopy(payload),
            }
            return sys_id, number

    def _update_record(self, sys_id, payload, version, body_format):
        with self._lock:
            record = self._records.get(sys_id)
            if record is None:
                return False
            record["updatePayloads"].append(
                {"time": _now_iso(), "apiVersion": version, "format": body_format,
                 "payload": copy.deepcopy(payload)})
            merge_update(record["current"], payload)
            record["updatedAt"] = _now_iso()
            return True

    # auth

    def _check_auth(self, headers):
        """None when the request is authenticated, else (reason, WWW-Authenticate or None)."""
        config = self._config_snapshot()
        mode = config["auth"]
        if mode == "none":
            return None
        authorization = headers.get("Authorization")
        if mode == "basic":
            challenge = 'BASIC realm="Service-now"'
            if not authorization:
                return "no Authorization header", challenge
            creds = _basic_credentials(authorization)
            if creds is None:
                return "Authorization is not valid Basic credentials", challenge
            if not (_same(creds[0], config["username"]) and _same(creds[1], config["password"])):
                return "wrong username or password", challenge
            return None
        if mode in ("bearer", "oauth"):
            token = _bearer_token(authorization)
            if token is None:
                return ("no Bearer token" if not authorization else "Authorization is not a Bearer token",
                        'Bearer realm="Service-now"')
            invalid = 'Bearer realm="Service-now", error="invalid_token"'
            if mode == "bearer":
                return None if _same(token, config["token"]) else ("wrong bearer token", invalid)
            with self._lock:
                info = self._tokens.get(token)
                if info is None:
                    return "unknown access token", invalid
                if time.monotonic() >= info["expires"]:
                    return "expired access token", invalid
            return None
        if mode == "apikey":
            key = headers.get("x-sn-apikey")
            if key is None:
                return "no x-sn-apikey header", None
            return None if _same(key, config["apiKey"]) else ("wrong API key", None)
        return "unknown auth mode", None

    def _issue_token(self, grant, client_id, client_secret, params):
        """A token response dict, or a string saying why the grant is refused."""
        config = self._config_snapshot()
        if not config["clientId"] or not config["clientSecret"]:
            return "no OAuth client is configured on this instance"
        if not (_same(client_id, config["clientId"]) and _same(client_secret, config["clientSecret"])):
            return "invalid client_id or client_secret"
        refresh_token = None
        if grant == "client_credentials":
            pass
        elif grant == "password":
            if not config["username"] or not (
                _same(params.get("username"), config["username"])
                and _same(params.get("password"), config["password"])
            ):
                return "invalid username or password"
            refresh_token = secrets.token_urlsafe(48)
        elif grant == "refresh_token":
            presented = params.get("refresh_token")
            with self._lock:
                info = self._refresh_tokens.get(presented or "")
            if info is None or time.monotonic() >= info["expires"]:
                return "invalid or expired refresh_token"
        elif grant is None:
            return "grant_type is required"
        else:
            return "unsupported grant_type %r" % grant
        access_token = secrets.token_urlsafe(64)
        ttl = config["tokenTtl"]
        now = time.monotonic()
        with self._lock:
            self._tokens[access_token] = {"expires": now + ttl, "grant": grant}
            if refresh_token is not None:
                self._refresh_tokens[refresh_token] = {"expires": now + config["refreshTokenTtl"]}
        result = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": int(math.ceil(ttl)),
            "scope": "useraccount",
        }
        if refresh_token is not None:
            result["refresh_token"] = refresh_token
        return result

    # control API

    def _control(self, method, route, query, body):
        """(status, JSON payload) for a control request."""
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (ValueError, UnicodeDecodeError) as exc:
            return 400, {"error": "control body is not valid JSON: %s" % exc}
        params = urllib.parse.parse_qs(query)
        try:
            if route == "/health":
                if method == "GET":
                    with self._lock:
                        return 200, {"ok": True, "url": self.url, "tlsUrl": self.tls_url,
                                     "tlsFailures": self.tls_failures, "endlessBytes": self.endless_bytes,
                                     "openConnections": len(self._connections)}
            elif route == "/requests":
                if method == "GET":
                    since = int(params.get("since", ["0"])[0])
                    entries = self.requests(since)
                    return 200, {"count": len(entries), "requests": entries}
                if method == "DELETE":
                    return 200, {"cleared": self.clear_requests()}
            elif route == "/records":
                if method == "GET":
                    records = self.records()
                    return 200, {"count": len(records), "records": records}
                if method == "POST":
                    return self._seed_record(data)
            elif route.startswith("/records/"):
                if method == "GET":
                    sys_id = route[len("/records/"):]
                    with self._lock:
                        record = copy.deepcopy(self._records.get(sys_id))
                    if record is None:
                        return 404, {"error": "no record %s" % sys_id}
                    return 200, record
            elif route == "/reset":
                if method == "POST":
                    self.reset()
                    return 200, {"ok": True, "config": self.config()}
            elif route == "/config":
                if method == "GET":
                    return 200, self.config()
                if method == "POST":
                    return 200, self.configure(**(data or {}))
            elif route == "/faults":
                if method == "GET":
                    return 200, {"pending": self.pending_faults()}
                if method == "POST":
                    if isinstance(data, dict) and "faults" in data and set(data) == {"faults"}:
                        data = data["faults"]
                    pending = self.add_faults(data if data is not None else [])
                    return 200, {"pending": pending}
                if method == "DELETE":
                    return 200, {"cleared": self.clear_faults()}
            elif route == "/tokens/expire":
                if method == "POST":
                    return 200, {"expired": self.expire_tokens()}
            elif route in ("/lookup", "/outage"):
                return self._durable_control(method, route, data)
            elif route == "/refused-port":
                if method in ("GET", "POST"):
                    port = self.refused_port()
                    return 200, {"port": port, "url": "http://127.0.0.1:%d" % port}
            else:
                return 404, {"error": "unknown control path /_standin%s" % route}
            return 405, {"error": "%s not supported on /_standin%s" % (method, route)}
        except (ValueError, TypeError) as exc:
            return 400, {"error": str(exc)}

    # -- durable delivery: Table API lookup and outages ----------------------------------
    #
    # GET /api/now/table/interaction?sysparm_query=client_session_id=<id>&sysparm_fields=…&sysparm_limit=N
    # answers {"result": [rows]} from the records; lookup modes simulate the instance's traps:
    #   "normal"        rows whose create payload has interaction.clientSessionId == id
    #   "missingField"  the field does not exist: ServiceNow drops the condition and returns any rows,
    #                   without client_session_id
    #   "forbidden"     403, the integration user cannot read the interaction table
    # Outages: "refuse" closes the listening socket (connections refused, the control API too) and opens it
    # again on the same port after `seconds`; "hang" accepts instance requests and never answers them until
    # the outage ends (then closes the connection). Records survive both.

    def set_lookup_mode(self, mode):
        if mode not in LOOKUP_MODES:
            raise ValueError("lookup mode must be one of %s" % ", ".join(LOOKUP_MODES))
        with self._lock:
            self._lookup_mode = mode
        return mode

    def outage(self, mode, seconds):
        """Be down for `seconds`: "refuse" connections, or "hang" (accept, never answer)."""
        if mode not in OUTAGE_MODES:
            raise ValueError("outage mode must be one of %s" % ", ".join(OUTAGE_MODES))
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 3600:
            raise ValueError("seconds must be a number from 0 (exclusive) to 3600")
        until = time.time() + seconds
        if mode == "hang":
            with self._lock:
                self._hang_until = until
            return {"mode": mode, "until": until}
        # refuse: close the listener after this control request is answered, reopen it later
        threading.Thread(target=self._refuse_for, args=(seconds,), name="standin-outage", daemon=True).start()
        return {"mode": mode, "until": until}

    def _refuse_for(self, seconds):
        time.sleep(0.05)  # let the control answer go out
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        with self._lock:
            sockets = list(self._connections.values())
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if thread is not None:
            thread.join(5)
        self._server = None
        if self._stop_event.wait(seconds):
            return
        self.requested_port = self.port
        for _ in range(100):
            try:
                self.start()
                return
            except OSError:
                time.sleep(0.05)
        self._log("could not listen on port %d again after the outage" % self.port)

    def _hang_if_down(self):
        """During a "hang" outage: wait until it ends (or the stand-in stops); True if the request must go unanswered."""
        with self._lock:
            until = getattr(self, "_hang_until", 0.0)
        if time.time() >= until:
            return False
        self._stop_event.wait(max(0.0, until - time.time()))
        return True

    def _lookup_rows(self, params):
        with self._lock:
            mode = getattr(self, "_lookup_mode", "normal")
            records = sorted(copy.deepcopy(list(self._records.values())), key=lambda r: r["number"])
        if mode == "forbidden":
            return 403, sn_error("Operation Failed", "ACL restricts the record retrieval")
        query = (params.get("sysparm_query") or [""])[0]
        try:
            limit = int((params.get("sysparm_limit") or ["10000"])[0])
        except ValueError:
            limit = 10000
        fields = [f for f in (params.get("sysparm_fields") or [""])[0].split(",") if f]
        if mode == "missingField":
            rows = [{"sys_id": r["sysId"], "number": r["number"]} for r in records]
        else:
            wanted = query[len("client_session_id="):] if query.startswith("client_session_id=") else None
            rows = []
            for r in records:
                session = ((r.get("current") or {}).get("interaction") or {}).get("clientSessionId")
                if wanted is None or session == wanted:
                    row = {"sys_id": r["sysId"], "number": r["number"], "client_session_id": session or ""}
                    rows.append(row)
        if fields:
            rows = [dict((k, v) for k, v in row.items() if k in fields) for row in rows]
        return 200, {"result": rows[:max(0, limit)]}

    def _durable_control(self, method, route, data):
        if method != "POST":
            return 405, {"error": "%s not supported on /_standin%s" % (method, route)}
        if not isinstance(data, dict):
            return 400, {"error": "expected a JSON object"}
        if route == "/lookup":
            return 200, {"mode": self.set_lookup_mode(data.get("mode"))}
        return 200, self.outage(data.get("mode"), data.get("seconds"))

    def _seed_record(self, data):
        if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
            return 400, {"error": 'expected {"payload": {...}, "sysId"?: "...", "number"?: "..."}'}
        sys_id = data.get("sysId")
        if sys_id is not None and not isinstance(sys_id, str):
            return 400, {"error": "sysId must be a string"}
        sys_id, number = self._create_record(data["payload"], None, "json", sys_id, data.get("number"))
        return 200, {"sysId": sys_id, "number": number}


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Local stand-in for a ServiceNow instance's openframe voice-interaction API.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: an ephemeral port)")
    parser.add_argument("--auth", choices=AUTH_MODES, default="none")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--token", help="the accepted bearer token (--auth bearer)")
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument("--api-key")
    parser.add_argument("--token-ttl", type=float, default=1800.0,
                        help="OAuth access token lifetime in seconds (default 1800)")
    parser.add_argument("--refresh-token-ttl", type=float, default=8640000.0)
    parser.add_argument("--no-cookies", action="store_true", help="send no Set-Cookie headers")
    parser.add_argument("--no-validate", action="store_true",
                        help="accept any JSON object as a create/update payload")
    parser.add_argument("--quiet", action="store_true", help="no per-request log lines on stderr")
    parser.add_argument("--tls-cert", help="PEM certificate (chain): also serve HTTPS on a second port")
    parser.add_argument("--tls-key", help="PEM key for --tls-cert")
    parser.add_argument("--tls-client-ca", help="require client certificates signed by this CA (mutual TLS)")
    parser.add_argument("--keep-alive-requests", type=int, help="close a connection after N requests (Connection: close on the last answer)")
    parser.add_argument("--idle-timeout", type=float, help="close a kept-alive connection idle this many seconds")
    parser.add_argument("--exit-on-stdin-eof", action="store_true",
                        help="exit when stdin is closed (so a crashed parent leaves nothing behind)")
    args = parser.parse_args(argv)
    try:
        standin = StandIn(
            host=args.host, port=args.port, auth=args.auth, username=args.username,
            password=args.password, token=args.token, client_id=args.client_id,
            client_secret=args.client_secret, api_key=args.api_key, token_ttl=args.token_ttl,
            refresh_token_ttl=args.refresh_token_ttl, cookies=not args.no_cookies,
            validate=not args.no_validate, log=not args.quiet,
            tls_cert=args.tls_cert, tls_key=args.tls_key, tls_client_ca=args.tls_client_ca)
        if bool(args.tls_cert) != bool(args.tls_key):
            raise ValueError("--tls-cert and --tls-key go together")
        if args.keep_alive_requests is not None or args.idle_timeout is not None:
            standin._initial_config = normalize_config(
                {"keepAliveRequests": args.keep_alive_requests, "idleTimeout": args.idle_timeout}, standin._initial_config)
            standin._reset_state(restore_config=True)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        url = standin.start()
    except OSError as exc:
        sys.stderr.write("openframe-standin: cannot listen on %s:%d: %s\n" % (args.host, args.port, exc))
        return 1
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    for name in ("SIGTERM", "SIGINT", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), on_signal)
    if args.exit_on_stdin_eof:
        def watch_stdin():
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            except (OSError, ValueError):
                pass
            stop.set()
        threading.Thread(target=watch_stdin, daemon=True).start()

    announced = {"port": standin.port, "url": url}
    if standin.tls_url:
        announced.update({"tlsPort": standin.tls_port, "tlsUrl": standin.tls_url})
    sys.stdout.write(json.dumps(announced) + "\n")
    sys.stdout.flush()
    sys.stderr.write("openframe-standin: listening on %s (auth=%s)\n" % (url, args.auth))
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    standin.stop()
    sys.stderr.write("openframe-standin: stopped\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
