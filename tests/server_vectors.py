"""The host-level S3 vectors of tests/data/s3-vectors.json, run against the example server.

Every `api`, `preflight` and `actual` vector is sent over HTTP to examples/s3_server, path-style
(a vector's path is relative to a virtual-hosted bucket, so `/key` becomes `/bucket/key`), and
every `validate` vector is sent as a PutBucketCors body. Set-up follows the vectors' file:
each vector gets a fresh bucket with its `config`; objects named by LocalStack-derived vectors
exist; s3-tests-derived vectors run on a public-read bucket whose `/bar` does not exist.

Run by scripts/clients (or `pytest tests/server_vectors.py`, which starts the server itself).
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))

from harness import (  # noqa: E402
    OWNER_AUTH,
    VECTORS,
    content_md5,
    endpoint,  # noqa: F401  (a pytest fixture)
    rules_to_xml,
    xml_to_rules,
)

ALL = json.loads(VECTORS.read_text())
HOST_LEVEL = [v for v in ALL if v["kind"] in ("api", "preflight", "actual")]
VALIDATE = [v for v in ALL if v["kind"] == "validate"]
SERVICE_ROOT = "<service root, no bucket>"


def test_the_vector_file_has_what_this_suite_runs():
    kinds = {}
    for vector in ALL:
        kinds[vector["kind"]] = kinds.get(vector["kind"], 0) + 1
    assert kinds == {"preflight": 29, "actual": 15, "api": 7, "validate": 14}
    names = {v["name"] for v in HOST_LEVEL}
    for needed in (
        "preflight-nonexistent-bucket-origin",
        "preflight-on-presigned-url",
        "actual-list-objects-matching",
        "actual-list-buckets-never-cors",
        "api-delete-then-get",
    ):
        assert needed in names


def bucket_acl(vector):
    note = vector.get("note", "")
    if "public-read-write" in note:
        return "public-read-write"
    if "s3-tests" in vector["source"]:
        return "public-read"
    return None


def object_key(path):
    key = path.split("?", 1)[0].lstrip("/")
    return key or None


def set_up(endpoint, vector):
    """Creates the vector's bucket, configuration and objects; returns the bucket (or None)."""
    if not vector.get("bucket_exists", True):
        return f"missing-{vector['name']}"[:63]
    bucket = endpoint.bucket("v", acl=bucket_acl(vector))
    if vector["config"] is not None:
        put = endpoint.put_cors(bucket, rules_to_xml(vector["config"]["CORSRules"]))
        assert (put.status, put.body) == (200, b""), put
    path = vector["request"]["path"]
    key = None if path == SERVICE_ROOT else object_key(path)
    if key and "s3-tests" not in vector["source"]:
        # A signed write (the Authorization header is accepted and not checked).
        put = endpoint.request(
            "PUT",
            f"/{bucket}/{key}",
            {"Authorization": OWNER_AUTH},
            b"vector object",
        )
        assert put.status == 200, put
    return bucket


def full_path(bucket, path):
    if path == SERVICE_ROOT:
        return "/"
    return f"/{bucket}{path}"


def check(answer, expect, bucket):
    assert answer.status == expect["status"], answer
    code = expect.get("error_code")
    error = answer.error()
    if code is None:
        assert "Code" not in error, answer
    else:
        assert error.get("Code") == code, answer
    for name, value in expect.get("headers", {}).items():
        assert answer.header(name) == value, (name, answer)
    for name in expect.get("absent", []):
        assert answer.header(name) is None, (name, answer)
    for name, value in expect.get("error", {}).items():
        value = bucket if value == "<bucket>" else value
        assert error.get(name) == value, (name, answer)
    if "message" in expect:
        assert error.get("Message") == expect["message"], answer
    if "body_json" in expect:
        assert xml_to_rules(answer.body) == expect["body_json"], answer


@pytest.mark.parametrize("vector", HOST_LEVEL, ids=[v["name"] for v in HOST_LEVEL])
def test_host_level_vector(endpoint, vector):
    bucket = set_up(endpoint, vector)
    request = vector["request"]
    answer = endpoint.request(
        request["method"], full_path(bucket, request["path"]), dict(request["headers"])
    )
    check(answer, vector["expect"], bucket)
    if vector["kind"] == "preflight" and answer.status == 200:
        # S3's successful preflight: an empty body and no Content-Type.
        assert answer.body == b"" and answer.header("Content-Type") is None, answer
    if "then" in request:
        then = request["then"]
        answer = endpoint.request(then["method"], full_path(bucket, then["path"]))
        check(answer, vector["expect"]["then"], bucket)


@pytest.mark.parametrize("vector", VALIDATE, ids=[v["name"] for v in VALIDATE])
def test_validate_vector_through_put_bucket_cors(endpoint, vector):
    bucket = endpoint.bucket("val")
    body = vector["xml"].encode()
    absent = {h.lower() for h in vector.get("request_headers_absent", [])}
    with_md5 = "content-md5" not in absent
    answer = endpoint.put_cors(bucket, body, with_md5=with_md5)
    expect = vector["expect"]
    if expect["error_code"] is None:
        assert (answer.status, answer.body) == (200, b""), answer
        got = endpoint.request("GET", f"/{bucket}?cors")
        assert got.status == 200 and got.body == body, got
    else:
        assert answer.status == expect["status"], answer
        error = answer.error()
        assert error["Code"] == expect["error_code"], answer
        assert error["Message"] == expect["message"], answer
        got = endpoint.request("GET", f"/{bucket}?cors")
        assert got.error()["Code"] == "NoSuchCORSConfiguration", got


@pytest.mark.parametrize(
    "header",
    [
        "x-amz-checksum-crc32",
        "x-amz-checksum-crc32c",
        "x-amz-checksum-crc64nvme",
        "x-amz-checksum-sha1",
        "x-amz-checksum-sha256",
    ],
)
def test_any_checksum_header_satisfies_the_integrity_rule(endpoint, header):
    import base64
    import zlib

    bucket = endpoint.bucket("sum")
    body = rules_to_xml([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]).encode()
    if header == "x-amz-checksum-crc32":
        value = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    else:
        value = "not-checked-by-the-example"
    answer = endpoint.put_cors(bucket, body, {header: value}, with_md5=False)
    assert (answer.status, answer.body) == (200, b""), answer


def test_wrong_integrity_values_are_refused(endpoint):
    bucket = endpoint.bucket("bad")
    body = rules_to_xml([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]).encode()
    wrong_md5 = endpoint.put_cors(
        bucket, body, {"Content-MD5": content_md5(b"something else")}, with_md5=False
    )
    assert wrong_md5.status == 400 and wrong_md5.error()["Code"] == "BadDigest", wrong_md5
    not_md5 = endpoint.put_cors(bucket, body, {"Content-MD5": "abc"}, with_md5=False)
    assert not_md5.status == 400 and not_md5.error()["Code"] == "InvalidDigest", not_md5
    wrong_crc = endpoint.put_cors(
        bucket, body, {"x-amz-checksum-crc32": "AAAAAA=="}, with_md5=False
    )
    assert wrong_crc.status == 400 and wrong_crc.error()["Code"] == "BadDigest", wrong_crc
    got = endpoint.request("GET", f"/{bucket}?cors")
    assert got.status == 404, got
