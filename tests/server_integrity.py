"""PutBucketCors's integrity rule on the example server, beyond what the S3 vectors record:
any checksum header stands in for Content-MD5, and wrong values are refused.

The S3 vectors themselves run against the example server from tests/server.rs (part of
`cargo test --all-features`), which reads them into the same typed structs as every other
suite. Run by scripts/clients (or `pytest tests/server_integrity.py`, which starts the server
itself).
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "clients"))

from harness import (  # noqa: E402
    content_md5,
    endpoint,  # noqa: F401  (a pytest fixture)
    rules_to_xml,
)


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
