"""The example server's command line: the Vary policy option and the loopback guard."""

import subprocess

import pytest

from harness import Endpoint, server_binary, start_server, stop_server

VARY_CORS = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@pytest.fixture(scope="module")
def always():
    process, url = start_server("--vary", "always")
    try:
        yield Endpoint(url)
    finally:
        stop_server(process)


def test_vary_always_adds_vary_origin_to_every_other_response(always):
    bucket = always.bucket("vary")
    assert always.put_cors(
        bucket, "<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    ).status == 200
    assert always.request("PUT", f"/{bucket}/k", {}, b"v").status == 200
    matched = always.request("GET", f"/{bucket}/k", {"Origin": "https://a.example"})
    assert matched.header_all("Vary") == [VARY_CORS]
    other = always.request("GET", f"/{bucket}/k", {"Origin": "https://b.example"})
    assert other.header("Access-Control-Allow-Origin") is None
    assert other.header_all("Vary") == ["Origin"]
    plain = always.request("GET", f"/{bucket}/k")
    assert plain.header_all("Vary") == ["Origin"]
    # A bucket without a configuration still sends none.
    bare = always.bucket("vary-bare")
    assert always.request("GET", f"/{bare}", {"Origin": "https://a.example"}).header("Vary") is None


def test_the_default_policy_sends_no_vary_without_a_match(endpoint):
    bucket = endpoint.bucket("vary-s3")
    endpoint.put_cors(
        bucket, "<CORSConfiguration><CORSRule><AllowedOrigin>https://a.example</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    )
    assert endpoint.request("GET", f"/{bucket}", {"Origin": "https://b.example"}).header("Vary") is None


@pytest.mark.parametrize("address", ["0.0.0.0:0", "192.0.2.1:9000"])
def test_a_non_loopback_address_is_refused_without_the_flag(address):
    done = subprocess.run(
        [server_binary(), "--listen", address], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "not a loopback address" in done.stderr
    assert "--allow-non-loopback" in done.stderr


def test_bad_requests_get_clear_answers(endpoint):
    bucket = endpoint.bucket("odd")
    assert endpoint.put_cors(
        bucket, "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    ).status == 200
    # An Origin that is not UTF-8 matches no rule, even `*`, and is never echoed.
    odd_origin = {"Origin": b"https://\xff.example", "Access-Control-Request-Method": "GET"}
    refused = endpoint.request("OPTIONS", f"/{bucket}/k", odd_origin)
    assert refused.status == 403 and refused.error()["Code"] == "AccessForbidden", refused
    served = endpoint.request("GET", f"/{bucket}", {"Origin": b"https://\xff.example"})
    assert served.status == 200 and served.header("Access-Control-Allow-Origin") is None
    # UTF-8 beyond ASCII is an ordinary origin.
    unicode = endpoint.request("GET", f"/{bucket}", {"Origin": "https://bücher.example".encode()})
    assert unicode.header("Access-Control-Allow-Origin") == "*"

    assert endpoint.request("GET", f"/{bucket}/%zz").error()["Code"] == "InvalidURI"
    assert endpoint.request("GET", f"/{bucket}?prefix=%zz").error()["Code"] == "InvalidArgument"
    assert endpoint.request("OPTIONS", "*", {"Origin": "https://a.example"}).status == 400
    patch = endpoint.request("PATCH", f"/{bucket}/k", {"Origin": "https://a.example"})
    assert patch.status == 405 and patch.error()["Code"] == "MethodNotAllowed"
    assert endpoint.request("GET", f"/{bucket}?max-keys=many").error()["Code"] == "InvalidArgument"
    assert endpoint.request("PUT", "/UPPER-case").error()["Code"] == "InvalidBucketName"
    assert endpoint.request("PUT", f"/{bucket}").error()["Code"] == "BucketAlreadyOwnedByYou"
    chunked = endpoint.request(
        "PUT", f"/{bucket}/c", {"Content-Encoding": "aws-chunked"}, b"5\r\nabc"
    )
    assert chunked.status == 400 and chunked.error()["Code"] == "IncompleteBody"
    # The server is still answering.
    assert endpoint.request("GET", "/").status == 200


def test_aws_chunked_uploads_are_decoded(endpoint):
    import base64
    import zlib

    bucket = endpoint.bucket("chunk")
    payload = b"hello aws-chunked world"
    crc = base64.b64encode(zlib.crc32(payload).to_bytes(4, "big")).decode()
    body = (
        b"a;chunk-signature=0\r\n" + payload[:10] + b"\r\n"
        + f"{len(payload) - 10:x};chunk-signature=1\r\n".encode() + payload[10:] + b"\r\n"
        + b"0;chunk-signature=2\r\n"
        + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    )
    put = endpoint.request(
        "PUT", f"/{bucket}/obj",
        {
            "Content-Encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(len(payload)),
            "x-amz-trailer": "x-amz-checksum-crc32",
            "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        },
        body,
    )
    assert put.status == 200, put
    got = endpoint.request("GET", f"/{bucket}/obj")
    assert got.body == payload
    assert got.header("Content-Encoding") is None
    wrong = body.replace(crc.encode(), b"AAAAAA==")
    refused = endpoint.request(
        "PUT", f"/{bucket}/obj2", {"Content-Encoding": "aws-chunked"}, wrong
    )
    assert refused.status == 400 and refused.error()["Code"] == "BadDigest", refused
