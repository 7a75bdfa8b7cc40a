"""Shared helpers for the suites that drive the example S3 server (examples/s3_server).

The server is the one named by the environment variable S3_ENDPOINT (for example
http://127.0.0.1:9000), which scripts/clients sets along with S3_SERVER_BIN, the executable.
Without them, the suites build and start the example themselves on a free loopback port, and
stop it at the end.

S3_SERVER_KIND names the example the suites face: `s3_server` (examples/s3_server, the
default) or `s3s_server` (examples/s3s_server, the same operations on s3s). Tests look at it
(`SERVER_KIND`, `S3S`) only where the two legitimately differ, each place saying why.
"""

import base64
import hashlib
import http.client
import itertools
import json
import os
import re
import subprocess
import time
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "data" / "samples"
VECTORS = ROOT / "tests" / "data" / "s3-vectors.json"

CORS_HEADERS = [
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
]

_counter = itertools.count()

SERVER_KINDS = ("s3_server", "s3s_server")
SERVER_KIND = os.environ.get("S3_SERVER_KIND", "s3_server")
if SERVER_KIND not in SERVER_KINDS:
    raise RuntimeError(f"S3_SERVER_KIND={SERVER_KIND!r}: expected one of {SERVER_KINDS}")
# The s3s server answers through s3s, whose error body carries only Code, Message and
# RequestId (no BucketName and the like), and whose GetBucketCors writes the stored
# configuration anew from s3s's types rather than giving back the document as it was sent.
S3S = SERVER_KIND == "s3s_server"

# An Authorization header: the example accepts it without checking the signature, and treats
# the request as the owner's rather than an anonymous one.
OWNER_AUTH = "AWS test:signature"


def require_tool(name, found):
    """Fails the test, loudly, when a client it needs is missing (never skips)."""
    if not found:
        pytest.fail(f"{name} is not installed; scripts/clients installs it")


class Response:
    """A raw HTTP answer: status, headers (case-insensitive lookup, every line kept), body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.header_lines = headers
        self.body = body

    def header(self, name):
        """The value of the header's first line, or None."""
        for key, value in self.header_lines:
            if key.lower() == name.lower():
                return value
        return None

    def header_all(self, name):
        return [v for k, v in self.header_lines if k.lower() == name.lower()]

    def error(self):
        """The fields of an S3 XML error body, as a dict (empty when there is none)."""
        if not self.body.lstrip().startswith(b"<"):
            return {}
        root = ET.fromstring(self.body)
        if root.tag != "Error":
            return {}
        return {child.tag: child.text or "" for child in root}

    def __repr__(self):
        return f"<{self.status} {self.header_lines} {self.body[:300]!r}>"


class Endpoint:
    """The running server: its base URL and a raw HTTP client that sends exactly what it is
    given (http.client adds only Host, Accept-Encoding: identity and Content-Length)."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.url)
        self.host = parsed.hostname
        self.port = parsed.port
        self.netloc = parsed.netloc

    def request(self, method, path, headers=None, body=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            answer = conn.getresponse()
            data = answer.read()
            return Response(answer.status, answer.getheaders(), data)
        finally:
            conn.close()

    @staticmethod
    def fresh_name(prefix="t"):
        """A bucket name no other test uses."""
        name = f"{prefix}-{os.getpid()}-{next(_counter)}-{int(time.time() * 1000) % 100000}"
        return re.sub(r"[^a-z0-9-]", "-", name.lower())[:63].strip("-")

    def bucket(self, prefix="t", acl=None):
        """Creates a bucket with a fresh name and returns the name."""
        name = self.fresh_name(prefix)
        headers = {"x-amz-acl": acl} if acl else {}
        answer = self.request("PUT", f"/{name}", headers)
        assert answer.status == 200, answer
        return name

    def put_cors(self, bucket, document, headers=None, with_md5=True):
        """PutBucketCors as the bucket's owner would send it (the server accepts any
        signature without checking it)."""
        body = document.encode() if isinstance(document, str) else document
        all_headers = {"Content-Type": "application/xml", "Authorization": OWNER_AUTH}
        if with_md5:
            all_headers["Content-MD5"] = content_md5(body)
        all_headers.update(headers or {})
        return self.request("PUT", f"/{bucket}?cors", all_headers, body)


def command_runner(prefix, env=None):
    """A function that runs a command-line client with these leading arguments, asserting
    (unless told not to) that it succeeded."""

    def run(*args, check=True):
        done = subprocess.run(
            [*prefix, *args], env=env, capture_output=True, text=True, timeout=120
        )
        if check:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    return run


def content_md5(body):
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def rules_to_xml(rules, namespace=True):
    """An S3 CORSConfiguration document for rules in the boto3/CLI JSON shape, members in the
    order the dicts give them."""
    singular = {
        "AllowedOrigins": "AllowedOrigin",
        "AllowedMethods": "AllowedMethod",
        "AllowedHeaders": "AllowedHeader",
        "ExposeHeaders": "ExposeHeader",
    }
    xmlns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' if namespace else ""
    out = [f"<CORSConfiguration{xmlns}>"]
    for rule in rules:
        out.append("<CORSRule>")
        for key, value in rule.items():
            if key in singular:
                for item in value:
                    out.append(f"<{singular[key]}>{escape(item)}</{singular[key]}>")
            else:
                out.append(f"<{key}>{escape(str(value))}</{key}>")
        out.append("</CORSRule>")
    out.append("</CORSConfiguration>")
    return "".join(out)


def xml_to_rules(document):
    """The boto3 shape of a CORSConfiguration document (namespace or not)."""
    root = ET.fromstring(document)
    plural = {
        "AllowedOrigin": "AllowedOrigins",
        "AllowedMethod": "AllowedMethods",
        "AllowedHeader": "AllowedHeaders",
        "ExposeHeader": "ExposeHeaders",
    }
    rules = []
    for rule_node in root:
        if local(rule_node.tag) != "CORSRule":
            continue
        rule = {}
        for child in rule_node:
            tag = local(child.tag)
            text = child.text or ""
            if tag in plural:
                rule.setdefault(plural[tag], []).append(text)
            elif tag == "MaxAgeSeconds":
                rule[tag] = int(text)
            else:
                rule[tag] = text
        rules.append(rule)
    return {"CORSRules": rules}


def assert_given_back(got, sent):
    """GetBucketCors's body against the PutBucketCors body it answers for.

    examples/s3_server gives the document back byte for byte. examples/s3s_server cannot:
    s3s hands the operation the parsed CORSConfiguration, and GetBucketCors's body is what
    s3s writes from the stored configuration (its own element order, no indentation). There
    the same rules, in the same order with the same values, must come back.
    """
    if S3S:
        assert local(ET.fromstring(got).tag) == "CORSConfiguration", got
        assert xml_to_rules(got) == xml_to_rules(sent), (got, sent)
    else:
        assert got == sent, (got, sent)


def local(tag):
    return tag.split("}", 1)[-1]


def escape(text):
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def server_binary():
    """The example server's executable: S3_SERVER_BIN when scripts/clients set it, otherwise
    the S3_SERVER_KIND example, built here with cargo."""
    binary = os.environ.get("S3_SERVER_BIN")
    if binary:
        return binary
    built = subprocess.run(
        ["cargo", "build", "--quiet", "--all-features", "--example", SERVER_KIND,
         "--message-format=json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, f"cargo build --example {SERVER_KIND} failed:\n{built.stderr}"
    for line in built.stdout.splitlines():
        message = json.loads(line)
        if (
            message.get("reason") == "compiler-artifact"
            and message["target"]["name"] == SERVER_KIND
            and message.get("executable")
        ):
            return message["executable"]
    raise RuntimeError(f"cargo did not report the {SERVER_KIND} executable")


def start_server(*args):
    """Starts the example on a free loopback port; returns (process, url)."""
    process = subprocess.Popen(
        [server_binary(), "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline()
    match = re.search(r"listening on (http://\S+)", line)
    if not match:
        process.kill()
        raise RuntimeError(f"the example server did not start: {line!r}")
    return process, match.group(1)


def stop_server(process):
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def endpoint():
    url = os.environ.get("S3_ENDPOINT")
    if url:
        yield Endpoint(url)
        return
    process, url = start_server()
    try:
        yield Endpoint(url)
    finally:
        stop_server(process)


def error_of(call):
    """The error response of a boto3 call that must fail with a ClientError."""
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response


def record_events(s3, event, pick):
    """Records pick(keyword arguments) of every boto3 event named `event` on this client."""
    seen = []

    def record(**kwargs):
        seen.append(pick(kwargs))

    s3.meta.events.register(event, record)
    return seen
