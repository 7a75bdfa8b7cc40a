"""s3cmd against the example S3 server: `setcors` and `info` with the XML samples."""

import shutil

import pytest

from harness import S3S, SAMPLES, assert_given_back, command_runner, require_tool

# What S3 answers for each published XML sample: None when it is accepted, otherwise the
# error code and message s3cmd reports.
XML_SAMPLES = {
    "linode-example-com.xml": None,
    "linode-open.xml": (
        "InvalidRequest",
        'ExposeHeader "*" contains wildcard. We currently do not support wildcard for '
        "ExposeHeader.",
    ),
    "linode-public-read.xml": None,
    "linode-stored-with-namespace.xml": None,
    "oss-public-read.xml": None,
    "www-example-com.xml": None,
}


def test_every_xml_sample_is_covered():
    # Every S3 or OSS document (a CORSConfiguration root); Azure's documents are the
    # library's to convert, not something s3cmd sends.
    s3_shaped = [p.name for p in SAMPLES.glob("*.xml") if "<CORSConfiguration" in p.read_text()]
    assert sorted(s3_shaped) == sorted(XML_SAMPLES)


@pytest.fixture(scope="module")
def s3cmd(endpoint, tmp_path_factory):
    require_tool("s3cmd", shutil.which("s3cmd") is not None)
    config = tmp_path_factory.mktemp("s3cmd") / "s3cfg"
    config.write_text(
        "[default]\n"
        "access_key = test\n"
        "secret_key = test\n"
        f"host_base = {endpoint.netloc}\n"
        f"host_bucket = {endpoint.netloc}\n"
        "bucket_location = us-east-1\n"
        "use_https = False\n"
        "signature_v2 = False\n"
        "check_ssl_certificate = False\n"
        "progress_meter = False\n"
    )

    return command_runner(["s3cmd", "-c", str(config)])


@pytest.mark.parametrize("sample", sorted(XML_SAMPLES))
def test_setcors_and_info_with_the_xml_samples(s3cmd, endpoint, sample):
    bucket = endpoint.bucket("s3cmd")
    path = SAMPLES / sample
    expected_error = XML_SAMPLES[sample]
    done = s3cmd("setcors", str(path), f"s3://{bucket}", check=expected_error is None)
    if expected_error is not None:
        code, message = expected_error
        assert done.returncode != 0
        assert code in done.stderr and message in done.stderr, done.stderr
        info = s3cmd("info", f"s3://{bucket}").stdout
        assert "CORS:      none" in info, info
        return
    # The stored document is given back (byte for byte where the server can).
    raw = endpoint.request("GET", f"/{bucket}?cors")
    assert raw.status == 200, raw
    assert_given_back(raw.body, path.read_bytes())
    info = s3cmd("info", f"s3://{bucket}").stdout
    assert f"s3://{bucket}/ (bucket):" in info, info
    cors_line = next(line for line in info.splitlines() if line.strip().startswith("CORS:"))
    shown = cors_line.split("CORS:", 1)[1].strip()
    # s3cmd prints the document GetBucketCors gave, on one line starting with its first
    # line: the sample itself, or s3s's rewriting of it (one line).
    given = raw.body.decode() if S3S else path.read_text()
    assert shown == given.splitlines()[0].strip(), info
    assert given.strip() in info, info


def test_delcors_then_info_shows_none(s3cmd, endpoint):
    bucket = endpoint.bucket("s3cmd")
    s3cmd("setcors", str(SAMPLES / "www-example-com.xml"), f"s3://{bucket}")
    s3cmd("delcors", f"s3://{bucket}")
    info = s3cmd("info", f"s3://{bucket}").stdout
    assert "CORS:      none" in info, info


def test_put_ls_get_with_cors_headers(s3cmd, endpoint, tmp_path):
    bucket = endpoint.bucket("s3cmd")
    s3cmd("setcors", str(SAMPLES / "www-example-com.xml"), f"s3://{bucket}")
    local = tmp_path / "note.txt"
    local.write_text("from s3cmd\n")
    s3cmd("put", str(local), f"s3://{bucket}/note.txt")
    assert f"s3://{bucket}/note.txt" in s3cmd("ls", f"s3://{bucket}").stdout
    back = tmp_path / "back.txt"
    s3cmd("get", f"s3://{bucket}/note.txt", str(back))
    assert back.read_text() == "from s3cmd\n"
    browser = endpoint.request("GET", f"/{bucket}/note.txt", {"Origin": "http://www.example.com"})
    assert browser.header("Access-Control-Allow-Origin") == "http://www.example.com"
    assert browser.header("Access-Control-Allow-Methods") == "GET"
