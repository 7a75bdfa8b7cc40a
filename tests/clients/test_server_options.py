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
