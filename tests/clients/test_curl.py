"""curl against the example S3 server: the preflight the storage providers' guides tell
people to run, `curl -i -X OPTIONS -H "Origin: ..." -H "Access-Control-Request-Method: GET"
URL`, and a plain GET with an Origin."""

import shutil
import subprocess

import pytest

from harness import SAMPLES, require_tool

VARY_CORS = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@pytest.fixture(scope="module")
def curl():
    require_tool("curl", shutil.which("curl") is not None)

    def run(*args):
        done = subprocess.run(
            ["curl", "-s", "-i", *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        head, _, body = done.stdout.replace("\r\n", "\n").partition("\n\n")
        lines = head.split("\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), value.strip())
        return status, headers, body

    return run


@pytest.fixture(scope="module")
def site(endpoint):
    """A bucket with the AWS guide's www.example.com rule and one object."""
    bucket = endpoint.bucket("curl")
    put = endpoint.put_cors(bucket, (SAMPLES / "www-example-com.xml").read_bytes())
    assert put.status == 200, put
    assert endpoint.request("PUT", f"/{bucket}/index.html", {}, b"<p>hi</p>").status == 200
    return f"{endpoint.url}/{bucket}"


def preflight(curl, url, origin, method="GET", *extra):
    return curl(
        "-X", "OPTIONS", "-H", f"Origin: {origin}",
        "-H", f"Access-Control-Request-Method: {method}", *extra, url,
    )


def test_the_guides_preflight_is_allowed(curl, site):
    status, headers, body = preflight(curl, f"{site}/index.html", "http://www.example.com")
    assert status == 200
    assert body == ""
    assert headers["access-control-allow-origin"] == "http://www.example.com"
    assert headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-allow-methods"] == "GET"
    assert headers["vary"] == VARY_CORS
    assert "access-control-allow-headers" not in headers
    assert "content-type" not in headers


def test_requested_headers_are_echoed_lower_case(curl, site):
    status, headers, _ = preflight(
        curl, f"{site}/index.html", "http://www.example.com", "GET",
        "-H", "Access-Control-Request-Headers: X-Requested-With,Content-Type",
    )
    assert status == 200
    assert headers["access-control-allow-headers"] == "x-requested-with, content-type"


def test_an_origin_or_method_outside_the_rule_is_refused(curl, site):
    for origin, method in (("https://www.example.com", "GET"), ("http://www.example.com", "PUT")):
        status, headers, body = preflight(curl, f"{site}/index.html", origin, method)
        assert status == 403
        assert "<Code>AccessForbidden</Code>" in body
        assert "evalution of Origin" in body
        assert f"<Method>{method}</Method>" in body
        assert "<ResourceType>OBJECT</ResourceType>" in body
        assert "access-control-allow-origin" not in headers and "vary" not in headers


def test_a_preflight_without_origin_is_a_bad_request(curl, site):
    status, _, body = curl("-X", "OPTIONS", f"{site}/index.html")
    assert status == 400
    assert "Insufficient information. Origin request header needed." in body


def test_a_missing_bucket_and_a_bucket_without_cors(curl, endpoint):
    status, _, body = preflight(curl, f"{endpoint.url}/no-such-bucket-here/x", "https://a.example")
    assert status == 403
    assert "CORSResponse: Bucket not found" in body
    bare = endpoint.bucket("curl-bare")
    status, _, body = preflight(curl, f"{endpoint.url}/{bare}/x", "https://a.example")
    assert status == 403
    assert "CORSResponse: CORS is not enabled for this bucket." in body
    assert "<ResourceType>BUCKET</ResourceType>" in body


def test_a_get_with_origin_carries_the_headers(curl, site):
    status, headers, body = curl("-H", "Origin: http://www.example.com", f"{site}/index.html")
    assert status == 200 and body == "<p>hi</p>"
    assert headers["access-control-allow-origin"] == "http://www.example.com"
    assert headers["vary"] == VARY_CORS
    status, headers, _ = curl("-H", "Origin: http://www.example.com", f"{site}/missing")
    assert status == 404
    assert headers["access-control-allow-origin"] == "http://www.example.com"
    status, headers, _ = curl(f"{site}/index.html")
    assert status == 200
    assert "access-control-allow-origin" not in headers and "vary" not in headers
