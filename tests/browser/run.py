"""Headless Chromium decides: the engine's headers make a real browser allow exactly what a
bucket's CORS configuration allows, and block what it does not.

The page is served from one loopback origin (the page server) and calls the example S3
server, on another port, with fetch() and XMLHttpRequest. For every row of CASES the suite
stores the row's configuration with PutBucketCors (or removes it with DeleteBucketCors),
makes the call from the page once with each API, and asserts what the browser did:

- allowed: the page's promise resolved with the expected status and body, and the response
  headers the row names were readable (or not) from script;
- blocked: the page saw a network error, and Chromium's own record of the request (the
  DevTools protocol's Network.loadingFailed event, read through chromedriver's performance
  log) names the expected CORS failure. A timeout or any other failure is never taken for a
  block.

For calls that write, the bucket's state afterwards shows whether the browser sent the
request at all (a blocked preflight means the PUT or DELETE never left the browser).

Usage: python3 run.py --page-origin http://127.0.0.1:A --s3 http://127.0.0.1:B
       --s3-vary-always http://127.0.0.1:C (the example server started with --vary always)
       [--server-kind s3_server|s3s_server] [--chromium /usr/bin/chromium]
       [--chromedriver /usr/bin/chromedriver] [--report FILE]

--server-kind names the example server (examples/s3_server by default). Against
examples/s3s_server the rows that store an Alibaba OSS document are skipped, each with its
reason printed: s3s speaks S3's dialect only.
Prints one line per call and closes with "N passed, N failed" (", N skipped" when rows were
skipped); exits 1 on any failure and
2 when the browser cannot be started.
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import shutil
import signal
import sys
import time
import traceback
import urllib.parse
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True  # keep the source tree clean of __pycache__
from webdriver import Browser, WebDriverError  # noqa: E402

BUCKET = "browser-suite"
ALLOWED = "allowed"
APIS = ("fetch", "xhr")
CALL_TIMEOUT_MS = 10_000

# Chromium's names for the CORS failures the rows expect (network::mojom::CorsError).
NO_ACAO = "MissingAllowOriginHeader"  # an ordinary response without Access-Control-Allow-Origin
# S3 refuses a preflight with a 403 that carries no Access-Control-* header; Chromium checks
# the Allow-Origin header before the status, so it names the missing header.
PREFLIGHT_REFUSED = "PreflightMissingAllowOriginHeader"
WILDCARD_CREDENTIALS = "WildcardOriginNotAllowed"  # ACAO `*` on a credentialed response
PREFLIGHT_WILDCARD_CREDENTIALS = "PreflightWildcardOriginNotAllowed"  # the same, on the preflight


def rule(origins, methods, headers=(), expose=(), max_age=None):
    """One CORSRule; origins may use {page}, {page_port} and {s3_port}."""
    return {
        "origins": [origins] if isinstance(origins, str) else list(origins),
        "methods": [methods] if isinstance(methods, str) else list(methods),
        "headers": list(headers),
        "expose": list(expose),
        "max_age": max_age,
    }


# Removed with DeleteBucketCors (after storing EVERYTHING, so the removal is what changes).
DELETED = "deleted"
EVERYTHING = [rule("{page}", ["GET", "PUT", "POST", "DELETE", "HEAD"], ["*"], ["ETag", "x-amz-request-id"])]

# The calls the page makes. `object`: the key exists before the call; `writes`: the call
# creates the object (PUT) or removes it (DELETE), so the bucket shows whether it was sent.
# Every PUT and DELETE is preflighted (neither method is CORS-safelisted); the GETs are not.
CALLS = {
    "simple GET": {"method": "GET", "object": True},
    "PUT Content-Type: application/json": {
        "method": "PUT",
        "headers": {"Content-Type": "application/json"},
        "body": '{"written-by":"page"}',
        "writes": "put",
    },
    "PUT x-amz-meta-author": {
        "method": "PUT",
        "headers": {"x-amz-meta-author": "page"},
        "body": "written by the page",
        "writes": "put",
    },
    "DELETE": {"method": "DELETE", "object": True, "writes": "delete", "status": 204},
    "credentialed GET": {"method": "GET", "object": True, "credentials": True},
    "credentialed PUT application/json": {
        "method": "PUT",
        "headers": {"Content-Type": "application/json"},
        "body": '{"written-by":"page"}',
        "credentials": True,
        "writes": "put",
    },
    "GET of a missing key (404)": {"method": "GET", "object": False, "status": 404},
    "read ETag and x-amz-request-id": {"method": "GET", "object": True, "read": ["ETag", "x-amz-request-id"]},
    "simple GET from a sandboxed page (Origin: null)": {"method": "GET", "object": True, "sandboxed": True},
    "credentialed GET from a sandboxed page (Origin: null)": {
        "method": "GET",
        "object": True,
        "sandboxed": True,
        "credentials": True,
    },
}

WILDCARD = "http://127.0.0.*:{page_port}"

# (call, configuration, rules or DELETED, expectation). The expectation is ALLOWED, the
# CORS failure Chromium must report, or {header: readable?} for an allowed call.
CASES = [
    # A simple GET is not preflighted: the answer's own headers decide.
    ("simple GET", "exact page origin", [rule("{page}", "GET")], ALLOWED),
    ("simple GET", "another origin only", [rule("http://127.0.0.1:1", "GET")], NO_ACAO),
    ("simple GET", "page origin, PUT only", [rule("{page}", "PUT")], NO_ACAO),
    ("simple GET", "first matching rule is a later one", [rule("http://other.test", "GET"), rule("{page}", "GET")], ALLOWED),
    # Preflighted: Content-Type application/json is not a simple content type.
    ("PUT Content-Type: application/json", "PUT, AllowedHeader content-type", [rule("{page}", "PUT", ["content-type"])], ALLOWED),
    ("PUT Content-Type: application/json", "PUT, AllowedHeader *", [rule("{page}", "PUT", ["*"])], ALLOWED),
    ("PUT Content-Type: application/json", "PUT without AllowedHeader", [rule("{page}", "PUT")], PREFLIGHT_REFUSED),
    ("PUT Content-Type: application/json", "GET only, AllowedHeader *", [rule("{page}", "GET", ["*"])], PREFLIGHT_REFUSED),
    # A custom header is preflighted and must match an AllowedHeader (case-insensitively).
    ("PUT x-amz-meta-author", "AllowedHeader x-amz-meta-*", [rule("{page}", "PUT", ["x-amz-meta-*"])], ALLOWED),
    ("PUT x-amz-meta-author", "AllowedHeader X-Amz-Meta-Author", [rule("{page}", "PUT", ["X-Amz-Meta-Author"])], ALLOWED),
    ("PUT x-amz-meta-author", "AllowedHeader x-amz-acl only", [rule("{page}", "PUT", ["x-amz-acl"])], PREFLIGHT_REFUSED),
    # DELETE is never simple.
    ("DELETE", "GET and DELETE", [rule("{page}", ["GET", "DELETE"])], ALLOWED),
    ("DELETE", "GET and PUT only", [rule("{page}", ["GET", "PUT"])], PREFLIGHT_REFUSED),
    # Credentials: S3 answers `*` for a `*` rule and never sends Allow-Credentials with it.
    ("credentialed GET", "exact page origin", [rule("{page}", "GET")], ALLOWED),
    ("credentialed GET", "wildcard pattern matching the page", [rule(WILDCARD, "GET")], ALLOWED),
    ("credentialed GET", "AllowedOrigin *", [rule("*", "GET")], WILDCARD_CREDENTIALS),
    ("credentialed GET", "* beside the exact page origin", [rule(["{page}", "*"], "GET")], WILDCARD_CREDENTIALS),
    ("credentialed GET", "another exact origin", [rule("http://127.0.0.1:1", "GET")], NO_ACAO),
    ("simple GET", "AllowedOrigin * (no credentials)", [rule("*", "GET")], ALLOWED),
    ("credentialed PUT application/json", "exact page origin", [rule("{page}", "PUT", ["content-type"])], ALLOWED),
    ("credentialed PUT application/json", "AllowedOrigin *", [rule("*", "PUT", ["content-type"])], PREFLIGHT_WILDCARD_CREDENTIALS),
    # Error answers carry the CORS headers too, so the page can read S3's 404.
    ("GET of a missing key (404)", "exact page origin", [rule("{page}", "GET")], ALLOWED),
    ("GET of a missing key (404)", "another origin only", [rule("http://127.0.0.1:1", "GET")], NO_ACAO),
    # Response headers beyond the safelisted ones are readable only when exposed.
    ("read ETag and x-amz-request-id", "ExposeHeader ETag", [rule("{page}", "GET", expose=["ETag"])], {"ETag": True, "x-amz-request-id": False}),
    ("read ETag and x-amz-request-id", "ExposeHeader x-amz-request-id", [rule("{page}", "GET", expose=["x-amz-request-id"])], {"ETag": False, "x-amz-request-id": True}),
    ("read ETag and x-amz-request-id", "no ExposeHeader", [rule("{page}", "GET")], {"ETag": False, "x-amz-request-id": False}),
    ("read ETag and x-amz-request-id", "AllowedOrigin *, both exposed", [rule("*", "GET", expose=["ETag", "x-amz-request-id"])], {"ETag": True, "x-amz-request-id": True}),
    # A wildcard origin matches the page; one character off in scheme, port or path misses.
    ("simple GET", "wildcard http://127.0.0.*:PAGE", [rule(WILDCARD, "GET")], ALLOWED),
    ("simple GET", "wildcard misses by scheme (https)", [rule("https://127.0.0.*:{page_port}", "GET")], NO_ACAO),
    ("simple GET", "wildcard misses by port (the S3 port)", [rule("http://127.0.0.*:{s3_port}", "GET")], NO_ACAO),
    ("simple GET", "wildcard misses by a trailing slash", [rule("http://127.0.0.*:{page_port}/", "GET")], NO_ACAO),
    ("PUT Content-Type: application/json", "wildcard http://127.0.0.*:PAGE", [rule(WILDCARD, "PUT", ["*"])], ALLOWED),
    ("PUT Content-Type: application/json", "wildcard misses by scheme (https)", [rule("https://127.0.0.*:{page_port}", "PUT", ["*"])], PREFLIGHT_REFUSED),
    ("PUT Content-Type: application/json", "wildcard misses by port (the S3 port)", [rule("http://127.0.0.*:{s3_port}", "PUT", ["*"])], PREFLIGHT_REFUSED),
    ("PUT Content-Type: application/json", "wildcard misses by a trailing slash", [rule("http://127.0.0.*:{page_port}/", "PUT", ["*"])], PREFLIGHT_REFUSED),
    # An opaque origin (a sandboxed page or frame, a data: URL) sends `Origin: null`, an ordinary string.
    ("simple GET from a sandboxed page (Origin: null)", "AllowedOrigin null", [rule("null", "GET")], ALLOWED),
    ("simple GET from a sandboxed page (Origin: null)", "AllowedOrigin *", [rule("*", "GET")], ALLOWED),
    ("simple GET from a sandboxed page (Origin: null)", "exact page origin", [rule("{page}", "GET")], NO_ACAO),
    ("credentialed GET from a sandboxed page (Origin: null)", "AllowedOrigin null", [rule("null", "GET")], ALLOWED),
    ("credentialed GET from a sandboxed page (Origin: null)", "AllowedOrigin *", [rule("*", "GET")], WILDCARD_CREDENTIALS),
    # The configuration that allowed everything, then DeleteBucketCors: all blocked.
    ("simple GET", "everything allowed", EVERYTHING, ALLOWED),
    ("PUT Content-Type: application/json", "everything allowed", EVERYTHING, ALLOWED),
    ("PUT x-amz-meta-author", "everything allowed", EVERYTHING, ALLOWED),
    ("DELETE", "everything allowed", EVERYTHING, ALLOWED),
    ("credentialed GET", "everything allowed", EVERYTHING, ALLOWED),
    ("read ETag and x-amz-request-id", "everything allowed", EVERYTHING, {"ETag": True, "x-amz-request-id": True}),
    ("simple GET", "after DeleteBucketCors", DELETED, NO_ACAO),
    ("PUT Content-Type: application/json", "after DeleteBucketCors", DELETED, PREFLIGHT_REFUSED),
    ("PUT x-amz-meta-author", "after DeleteBucketCors", DELETED, PREFLIGHT_REFUSED),
    ("DELETE", "after DeleteBucketCors", DELETED, PREFLIGHT_REFUSED),
    ("credentialed GET", "after DeleteBucketCors", DELETED, NO_ACAO),
    ("read ETag and x-amz-request-id", "after DeleteBucketCors", DELETED, NO_ACAO),
    ("GET of a missing key (404)", "after DeleteBucketCors", DELETED, NO_ACAO),
]


class CheckFailed(Exception):
    pass


class Observed:
    """What Chromium's network log shows for one call."""

    def __init__(self):
        self.cors_errors = []  # Chromium's names of the CORS failures
        self.preflights = []  # the statuses of the preflights it sent
        self.request_headers = None  # the headers it sent with the call (None: never sent)
        self.ids = set()  # Chromium's ids of the call's requests


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


class S3:
    """The example server, driven directly (no Origin): set-up and after-the-fact checks."""

    def __init__(self, base):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port

    def request(self, method, path, body=b"", headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def expect(self, status, method, path, body=b"", headers=None):
        got, response_headers, response_body = self.request(method, path, body, headers)
        check(got == status, f"{method} {path}: expected {status}, got {got}: {response_body[:300]!r}")
        return response_headers, response_body

    def put_cors(self, rules, values, response_vary=None):
        document = cors_xml(rules, values, response_vary).encode()
        md5 = base64.b64encode(hashlib.md5(document).digest()).decode()
        self.expect(200, "PUT", f"/{BUCKET}?cors", document, {"Content-MD5": md5, "Content-Type": "application/xml"})

    def delete_cors(self):
        self.expect(204, "DELETE", f"/{BUCKET}?cors")
        status, _, body = self.request("GET", f"/{BUCKET}?cors")
        check(status == 404 and b"NoSuchCORSConfiguration" in body, f"GetBucketCors after delete: {status} {body[:200]!r}")


def cors_xml(rules, values, response_vary=None):
    """S3's document; with response_vary, Alibaba OSS's (which the server stores as such)."""
    parts = ["<CORSConfiguration>"]
    for r in rules:
        parts.append("<CORSRule>")
        parts += [f"<AllowedOrigin>{escape(o.format(**values))}</AllowedOrigin>" for o in r["origins"]]
        parts += [f"<AllowedMethod>{m}</AllowedMethod>" for m in r["methods"]]
        parts += [f"<AllowedHeader>{escape(h)}</AllowedHeader>" for h in r["headers"]]
        parts += [f"<ExposeHeader>{escape(h)}</ExposeHeader>" for h in r["expose"]]
        if r["max_age"] is not None:
            parts.append(f"<MaxAgeSeconds>{r['max_age']}</MaxAgeSeconds>")
        parts.append("</CORSRule>")
    if response_vary is not None:
        parts.append(f"<ResponseVary>{'true' if response_vary else 'false'}</ResponseVary>")
    parts.append("</CORSConfiguration>")
    return "".join(parts)


CALL_SCRIPT = """
const done = arguments[arguments.length - 1];
window.corsCall(arguments[0]).then(done, (error) => done({ allowed: false, error: 'page error: ' + error }));
"""


class Suite:
    def __init__(self, browser, s3, page_origin, s3_base):
        self.browser = browser
        self.s3 = s3
        self.page_origin = page_origin
        self.s3_base = s3_base.rstrip("/")
        self.values = {
            "page": page_origin,
            "page_port": urllib.parse.urlsplit(page_origin).port,
            "s3_port": urllib.parse.urlsplit(s3_base).port,
        }
        self.counter = 0
        self.sandboxed = None  # which page is open: None before the first
        self.vary_always = None  # (S3, base URL) of the server started with --vary always
        self.passed = 0
        self.failed = 0
        self.skipped = 0
        self.server_kind = "s3_server"
        self.report = []
        self.events_log = os.environ.get("BROWSER_EVENTS_LOG")  # every call's Network events, for diagnosis

    @staticmethod
    def settled(events, url):
        started = {
            e["params"]["requestId"]
            for e in events
            if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"] == url
        }
        ended = {
            e["params"]["requestId"]
            for e in events
            if e["method"] in ("Network.loadingFinished", "Network.loadingFailed")
        }
        return bool(started) and started <= ended

    def browser_call(self, spec):
        """Runs one call in the page. Returns the page's result and what Chromium recorded
        for the call's URL: the CORS errors it reported, the statuses of the preflights it
        sent, and the request headers it sent with the call (none when it answered the call
        without sending it, from a cache or after a refused preflight)."""
        self.browser.network_events()  # drop what came before this call
        result = self.browser.execute_async(CALL_SCRIPT, spec)
        events = self.browser.network_events()
        # Events may trail the page's result: wait (briefly) until every request of the call
        # has finished or failed in Chromium's log.
        deadline = time.monotonic() + 2.0
        while not self.settled(events, spec["url"]) and time.monotonic() < deadline:
            time.sleep(0.05)
            events += self.browser.network_events()
        if self.events_log:
            with open(self.events_log, "a") as f:
                f.write(json.dumps({"spec": spec, "result": result, "events": events}) + "\n")
        ids, preflight_ids = set(), set()
        for e in events:
            if e["method"] == "Network.requestWillBeSent" and e["params"]["request"]["url"] == spec["url"]:
                if e["params"].get("initiator", {}).get("type") == "preflight":
                    preflight_ids.add(e["params"]["requestId"])
                else:
                    ids.add(e["params"]["requestId"])
        seen = Observed()
        seen.ids = ids
        for e in events:
            params, method = e["params"], e["method"]
            request_id = params.get("requestId")
            if method == "Network.loadingFailed" and request_id in ids | preflight_ids and "corsErrorStatus" in params:
                seen.cors_errors.append(params["corsErrorStatus"]["corsError"])
            elif method == "Network.responseReceived" and request_id in preflight_ids:
                seen.preflights.append(params["response"]["status"])
            elif method == "Network.requestWillBeSentExtraInfo" and request_id in ids:
                seen.request_headers = {k.lower(): v for k, v in params["headers"].items()}
        check(isinstance(result, dict), f"the page returned {result!r}")
        check(not result.get("timedOut"), f"no answer within {CALL_TIMEOUT_MS} ms: {result.get('error')}")
        check(ids, "Chromium's network log has no request for the call's URL")
        return result, seen

    def run_case(self, call_name, config_name, rules, expect, api):
        self.counter += 1
        call = CALLS[call_name]
        key = f"case-{self.counter:03d}-{api}"
        url = f"{self.s3_base}/{BUCKET}/{key}"
        stored = f"object {key}\n".encode()
        if rules == DELETED:
            self.s3.put_cors(EVERYTHING, self.values)
            self.s3.delete_cors()
        else:
            self.s3.put_cors(rules, self.values)
        if call.get("object"):
            self.s3.expect(200, "PUT", f"/{BUCKET}/{key}", stored)
        spec = {
            "api": api,
            "method": call["method"],
            "url": url,
            "headers": call.get("headers", {}),
            "body": call.get("body"),
            "credentials": call.get("credentials", False),
            "read": call.get("read", []),
            "timeoutMs": CALL_TIMEOUT_MS,
        }
        self.open_page(sandboxed=call.get("sandboxed", False))
        result, seen = self.browser_call(spec)
        origin = "null" if call.get("sandboxed") else self.page_origin
        check(result.get("origin") == origin, f"the call ran in origin {result.get('origin')!r}, not {origin!r}")
        if seen.request_headers is not None:
            sent_origin = seen.request_headers.get("origin")
            check(sent_origin == origin, f"Chromium sent Origin {sent_origin!r}, not {origin!r}")
            if not call.get("sandboxed"):
                # page.html sets a cookie for 127.0.0.1; only credentialed calls carry it.
                sent_cookie = "cookie" in seen.request_headers
                check(sent_cookie == spec["credentials"], f"cookie sent: {sent_cookie}, credentials: {spec['credentials']}")
        cors_errors, preflights = seen.cors_errors, seen.preflights
        preflighted = call["method"] != "GET"
        check(
            len(preflights) == (1 if preflighted else 0),
            f"{len(preflights)} preflight(s) seen, expected {1 if preflighted else 0}",
        )
        if expect == ALLOWED or isinstance(expect, dict):
            check(result["allowed"], f"blocked ({result.get('error')}; Chromium: {cors_errors or 'no CORS error'})")
            check(not cors_errors, f"allowed but Chromium recorded {cors_errors}")
            status = call.get("status", 200)
            check(result["status"] == status, f"status {result['status']}, expected {status}")
            if call["method"] == "GET" and call.get("object"):
                check(result["body"] == stored.decode(), f"body {result['body'][:80]!r}")
            if status == 404:
                check("<Code>NoSuchKey</Code>" in result["body"], f"404 body {result['body'][:200]!r}")
            if isinstance(expect, dict):
                direct, _ = self.s3.expect(200, "HEAD", f"/{BUCKET}/{key}")
                for name, readable in expect.items():
                    value = result["headers"].get(name)
                    if readable:
                        check(value, f"{name} not readable (visible: {result.get('visible')})")
                        if name == "ETag":
                            check(value == direct.get("etag"), f"ETag {value!r} != {direct.get('etag')!r}")
                    else:
                        check(value is None, f"{name} readable as {value!r} without being exposed")
            if preflighted:
                check(preflights == [200], f"preflight statuses {preflights}")
            outcome = f"allowed ({result['status']})"
        else:
            check(not result["allowed"], f"allowed ({result.get('status')}), expected blocked by {expect}")
            check(cors_errors, f"blocked without a CORS error in Chromium's log: {result.get('error')}")
            check(expect in cors_errors, f"Chromium reported {cors_errors}, expected {expect}")
            if expect.startswith("Preflight"):
                check(preflights == [403] if expect == PREFLIGHT_REFUSED else preflights == [200], f"preflight statuses {preflights}")
            outcome = f"blocked ({expect})"
        sent = None
        if call.get("writes") == "put":
            status, _, body = self.s3.request("GET", f"/{BUCKET}/{key}")
            sent = status == 200
            if sent:
                check(body.decode() == call["body"], f"stored body {body[:80]!r}")
                head, _ = self.s3.expect(200, "HEAD", f"/{BUCKET}/{key}")
                for name, value in call.get("headers", {}).items():
                    if name.startswith("x-amz-meta-"):
                        check(head.get(name) == value, f"stored {name}: {head.get(name)!r}")
        elif call.get("writes") == "delete":
            status, _, _ = self.s3.request("HEAD", f"/{BUCKET}/{key}")
            sent = status == 404
        if sent is not None:
            # Every write here is preflighted: blocked means the browser never sent it.
            check(sent == (outcome.startswith("allowed")), f"{'sent' if sent else 'not sent'} but {outcome}")
            outcome += ", request sent" if sent else ", request never sent"
        if preflights:
            outcome += f"; preflight {preflights[0]}"
        return outcome

    def record(self, api, call_name, config_name, expect, action):
        label = f"{api:5} {call_name} / {config_name}"
        try:
            outcome = action()
        except (CheckFailed, WebDriverError, OSError, KeyError, TypeError) as error:
            self.failed += 1
            print(f"FAIL {label}: {error!r}" if not isinstance(error, CheckFailed) else f"FAIL {label}: {error}", flush=True)
            self.report.append({"api": api, "call": call_name, "config": config_name, "expected": expect, "ok": False, "detail": str(error)})
            return
        self.passed += 1
        print(f"ok   {label}: {outcome}", flush=True)
        self.report.append({"api": api, "call": call_name, "config": config_name, "expected": expect, "ok": True, "detail": outcome})

    def preflight_cache_outlives_delete(self, api):
        """A preflight answered with MaxAgeSeconds is cached by the browser: after
        DeleteBucketCors the next PUT goes out without a preflight and the server performs
        it, though the page is refused the answer. A fetch() with cache "no-store" skips
        Chromium's preflight cache, so it is preflighted again, refused, and never sent."""
        self.counter += 1
        key = f"case-{self.counter:03d}-{api}"
        path = f"/{BUCKET}/{key}"
        self.open_page(sandboxed=False)
        self.s3.put_cors([rule("{page}", "PUT", ["content-type"], max_age=600)], self.values)
        spec = {
            "api": api,
            "method": "PUT",
            "url": self.s3_base + path,
            "headers": {"Content-Type": "application/json"},
            "body": '{"version":1}',
            "credentials": False,
            "read": [],
            "timeoutMs": CALL_TIMEOUT_MS,
            "cache": "default",
        }
        first, seen = self.browser_call(spec)
        check(first["allowed"] and first["status"] == 200, f"first PUT: {first} {seen.cors_errors}")
        check(seen.preflights == [200], f"first PUT: preflights {seen.preflights}")
        self.s3.delete_cors()
        spec["body"] = '{"version":2}'
        second, seen = self.browser_call(spec)
        check(not second["allowed"], f"second PUT allowed: {second}")
        check(seen.preflights == [], f"second PUT was preflighted again ({seen.preflights}): the preflight was not cached")
        check(seen.cors_errors == [NO_ACAO], f"second PUT: Chromium reported {seen.cors_errors}, expected [{NO_ACAO}]")
        _, body = self.s3.expect(200, "GET", path)
        check(body == b'{"version":2}', f"after the second PUT the server holds {body!r}")
        outcome = f"blocked ({NO_ACAO}) without a preflight, yet the server stored version 2"
        if api == "fetch":
            spec["body"] = '{"version":3}'
            spec["cache"] = "no-store"
            third, seen = self.browser_call(spec)
            check(not third["allowed"], f"third PUT allowed: {third}")
            check(
                seen.preflights == [403] and seen.cors_errors == [PREFLIGHT_REFUSED],
                f"third PUT: preflights {seen.preflights}, errors {seen.cors_errors}",
            )
            _, body = self.s3.expect(200, "GET", path)
            check(body == b'{"version":2}', f"after the third PUT the server holds {body!r}")
            outcome += f"; with cache 'no-store' preflighted again (403), blocked ({PREFLIGHT_REFUSED}), never sent"
        return outcome

    def cached_without_vary(self, api, response_vary=None, vary_always=False):
        """S3 sends `Vary: Origin` only on answers that carry CORS headers. An answer to a
        request without Origin (a no-cors fetch, a plain <img>) is cached without it and
        later handed to a CORS request for the same URL: blocked, though the configuration
        allows the page. A fetch() that skips the cache is allowed. With an OSS document
        whose ResponseVary is true, or on a server compiled with VaryPolicy::Always, every
        answer carries `Vary: Origin`, so the browser asks the server again and the call is
        allowed."""
        self.counter += 1
        key = f"case-{self.counter:03d}-{api}"
        path = f"/{BUCKET}/{key}"
        stored = f"object {key}\n".encode()
        s3, base = self.vary_always if vary_always else (self.s3, self.s3_base)
        self.open_page(sandboxed=False)
        s3.put_cors([rule("{page}", "GET")], self.values, response_vary)
        s3.expect(200, "PUT", path, stored, {"Cache-Control": "max-age=600"})
        spec = {
            "api": "fetch",
            "method": "GET",
            "url": base + path,
            "headers": {},
            "body": None,
            "credentials": False,
            "read": [],
            "timeoutMs": CALL_TIMEOUT_MS,
            "mode": "no-cors",
            "cache": "default",
        }
        first, seen = self.browser_call(spec)
        check(first["allowed"] and first["status"] == 0, f"no-cors GET: {first}")
        check(seen.request_headers is not None and "origin" not in seen.request_headers, f"no-cors GET sent {seen.request_headers}")
        spec.update(api=api, mode="cors")
        second, seen = self.browser_call(spec)
        time.sleep(0.3)  # let any late event of the call arrive
        late = [e for e in self.browser.network_events() if e["params"].get("requestId") in seen.ids]
        sent = seen.request_headers is not None or any(e["method"] == "Network.requestWillBeSentExtraInfo" for e in late)
        if response_vary or vary_always:
            check(sent, "the CORS GET was answered from the cache despite Vary: Origin")
            check(second["allowed"] and second["body"] == stored.decode(), f"CORS GET: {second} {seen.cors_errors}")
            return "allowed (200): Vary: Origin made the browser ask the server again"
        check(not second["allowed"], f"CORS GET after the no-cors GET allowed: {second}")
        check(not sent, "the CORS GET went to the server: it was not answered from Chromium's cache")
        check(seen.cors_errors == [NO_ACAO], f"CORS GET: Chromium reported {seen.cors_errors}, expected [{NO_ACAO}]")
        outcome = f"blocked ({NO_ACAO}), answered from the browser's cache"
        if api == "fetch":
            spec.update(cache="no-store")
            third, seen = self.browser_call(spec)
            check(third["allowed"] and third["body"] == stored.decode(), f"CORS GET with cache 'no-store': {third}")
            check(seen.request_headers is not None, "the no-store GET did not go to the server")
            outcome += "; with cache 'no-store' allowed (200)"
        return outcome

    def open_page(self, sandboxed):
        """Loads the page (or its sandboxed twin, whose origin is opaque) unless it is open."""
        if self.sandboxed == sandboxed:
            return
        self.sandboxed = None
        self.browser.navigate(self.page_origin + ("/sandboxed.html" if sandboxed else "/page.html"))
        origin = self.browser.execute("return self.origin;")
        expected = "null" if sandboxed else self.page_origin
        check(origin == expected, f"page origin {origin!r}, expected {expected!r}")
        check(self.browser.execute("return typeof window.corsCall;") == "function", "page.js did not load")
        self.sandboxed = sandboxed

    def run(self):
        self.s3.expect(200, "PUT", f"/{BUCKET}")
        self.vary_always[0].expect(200, "PUT", f"/{BUCKET}")
        self.open_page(sandboxed=False)
        for call_name, config_name, rules, expect in CASES:
            for api in APIS:
                self.record(api, call_name, config_name, expect, lambda: self.run_case(call_name, config_name, rules, expect, api))
        for api in APIS:
            self.record(
                api,
                "PUT application/json twice",
                "MaxAgeSeconds 600, then DeleteBucketCors",
                "blocked but sent",
                lambda: self.preflight_cache_outlives_delete(api),
            )
        for api in APIS:
            self.record(
                api,
                "GET after a no-cors GET of the same URL",
                "exact page origin; object stored with Cache-Control: max-age=600",
                "blocked from the cache",
                lambda: self.cached_without_vary(api),
            )
        for api in APIS:
            if self.server_kind == "s3s_server":
                # s3s parses S3's document only: an OSS document's ResponseVary cannot be
                # stored through it.
                self.skipped += 1
                print(
                    f"SKIP {api}: GET after a no-cors GET of the same URL | the same as an OSS "
                    "document with ResponseVary true: examples/s3s_server speaks S3's dialect "
                    "only (s3s has no Alibaba OSS dialect)",
                    flush=True,
                )
                continue
            self.record(
                api,
                "GET after a no-cors GET of the same URL",
                "the same as an OSS document with ResponseVary true",
                ALLOWED,
                lambda: self.cached_without_vary(api, response_vary=True),
            )
        for api in APIS:
            self.record(
                api,
                "GET after a no-cors GET of the same URL",
                "the same on a server with VaryPolicy::Always (--vary always)",
                ALLOWED,
                lambda: self.cached_without_vary(api, vary_always=True),
            )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page-origin", required=True)
    parser.add_argument("--s3", required=True)
    parser.add_argument("--s3-vary-always", required=True, help="the example server started with --vary always")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--chromedriver", default=shutil.which("chromedriver") or "/usr/bin/chromedriver")
    parser.add_argument("--report", help="write every call's outcome to this JSON file")
    parser.add_argument(
        "--server-kind", choices=("s3_server", "s3s_server"), default="s3_server",
        help="the example server behind --s3 (s3s_server: the OSS rows are skipped)",
    )
    args = parser.parse_args()

    for name, path in (("chromium", args.chromium), ("chromedriver", args.chromedriver)):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            print(f"error: {name} not found at {path}; install Debian's chromium and chromium-driver", file=sys.stderr)
            return 2

    # SIGTERM (from `timeout` or the calling script) unwinds like Ctrl-C, so the browser is closed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    try:
        browser = Browser(args.chromium, args.chromedriver)
    except (WebDriverError, OSError) as error:
        print(f"error: the browser did not start: {error}", file=sys.stderr)
        return 2
    try:
        print(f"Chromium {browser.version()}; page {args.page_origin}; S3 {args.s3}", flush=True)
        suite = Suite(browser, S3(args.s3), args.page_origin, args.s3)
        suite.vary_always = (S3(args.s3_vary_always), args.s3_vary_always.rstrip("/"))
        suite.server_kind = args.server_kind
        try:
            suite.run()
        except (CheckFailed, WebDriverError, OSError) as error:
            suite.failed += 1
            print(f"FAIL set-up: {error!r}", flush=True)
            traceback.print_exc()
        if suite.failed:
            print("chromedriver's log ends with:", file=sys.stderr)
            print(browser.log_tail(20), file=sys.stderr)
    finally:
        browser.close()
    if args.report:
        with open(args.report, "w") as f:
            json.dump(suite.report, f, indent=1)
    print(f"browser suite: {time.monotonic() - started:.1f} s", flush=True)
    skipped = f", {suite.skipped} skipped" if suite.skipped else ""
    print(f"{suite.passed} passed, {suite.failed} failed{skipped}", flush=True)
    return 1 if suite.failed or not suite.passed else 0


if __name__ == "__main__":
    sys.exit(main())
