"""boto3 against the example S3 server: bucket CORS round trips, the errors boto3 surfaces,
and the CORS headers on ordinary operations."""

import json
import urllib.request

import pytest

from harness import (
    S3S,
    SAMPLES,
    assert_given_back,
    content_md5,
    error_of,
    record_events,
    require_tool,
    rules_to_xml,
    xml_to_rules,
)

try:
    import boto3
    import botocore.config
except ImportError:  # reported, as a failure, by the fixture
    boto3 = None


@pytest.fixture(scope="module")
def s3(endpoint):
    require_tool("boto3", boto3 is not None)
    return boto3.client(
        "s3",
        endpoint_url=endpoint.url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=botocore.config.Config(
            s3={"addressing_style": "path"}, retries={"max_attempts": 1}
        ),
    )


@pytest.fixture
def bucket(s3, endpoint):
    name = endpoint.bucket("boto")
    return name


def capture_bodies(s3, operation):
    """Records the body of every request boto3 sends for an operation."""
    return record_events(s3, f"before-send.s3.{operation}", lambda kw: kw["request"].body)


def with_header(s3, operation, name, value):
    def add(request, **_):
        request.headers[name] = value

    s3.meta.events.register(f"before-sign.s3.{operation}", add)
    return add


def without_header(s3, operation, add):
    s3.meta.events.unregister(f"before-sign.s3.{operation}", add)


ODD_ORDER = {
    "CORSRules": [
        {
            "MaxAgeSeconds": 600,
            "ExposeHeaders": ["ETag", "X-Amz-Request-Id"],
            "AllowedHeaders": ["x-AMZ-server-SIDE-encryption", "Content-Type"],
            "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedOrigins": ["https://App.Example.com", "http://test.com:80"],
            "ID": "Mixed-Case-Rule",
        },
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
    ]
}


def test_put_get_delete_round_trip_keeps_order_and_case(s3, endpoint, bucket):
    sent = capture_bodies(s3, "PutBucketCors")
    put = s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=ODD_ORDER)
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 200

    got = s3.get_bucket_cors(Bucket=bucket)
    assert got["CORSRules"] == ODD_ORDER["CORSRules"]

    # The document comes back as boto3 wrote it (byte for byte where the server can).
    raw = endpoint.request("GET", f"/{bucket}?cors")
    assert raw.status == 200, raw
    assert_given_back(raw.body, sent[-1])

    deleted = s3.delete_bucket_cors(Bucket=bucket)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    error = error_of(lambda: s3.get_bucket_cors(Bucket=bucket))
    assert error["Error"]["Code"] == "NoSuchCORSConfiguration"
    assert error["Error"]["Message"] == "The CORS configuration does not exist"
    # s3s writes an error body with Code, Message and RequestId only: no BucketName.
    if not S3S:
        assert error["Error"]["BucketName"] == bucket
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    # Deleting again is still 204.
    again = s3.delete_bucket_cors(Bucket=bucket)
    assert again["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_boto3_sends_a_checksum_and_no_content_md5(s3, bucket):
    seen = []

    def record(request, **_):
        seen.append(dict(request.headers))

    s3.meta.events.register("before-send.s3.PutBucketCors", record)
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]},
    )
    names = {k.lower() for k in seen[-1]}
    assert any(n.startswith("x-amz-checksum-") for n in names) or "content-md5" in names


def test_raw_xml_in_odd_element_order_reads_back_through_boto3(s3, endpoint, bucket):
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<CORSConfiguration>\n"
        "  <CORSRule>\n"
        "    <MaxAgeSeconds>3000</MaxAgeSeconds>\n"
        "    <ExposeHeader>x-amz-meta-Custom</ExposeHeader>\n"
        "    <AllowedHeader>X-Amz-Date</AllowedHeader>\n"
        "    <AllowedMethod>POST</AllowedMethod>\n"
        "    <AllowedOrigin>https://b.example</AllowedOrigin>\n"
        "    <AllowedMethod>DELETE</AllowedMethod>\n"
        "    <AllowedOrigin>https://a.example</AllowedOrigin>\n"
        "    <ID>odd</ID>\n"
        "  </CORSRule>\n"
        "</CORSConfiguration>\n"
    )
    put = endpoint.put_cors(bucket, document)
    assert (put.status, put.body) == (200, b""), put
    got = s3.get_bucket_cors(Bucket=bucket)
    assert got["CORSRules"] == [
        {
            "ID": "odd",
            "AllowedHeaders": ["X-Amz-Date"],
            "AllowedMethods": ["POST", "DELETE"],
            "AllowedOrigins": ["https://b.example", "https://a.example"],
            "ExposeHeaders": ["x-amz-meta-Custom"],
            "MaxAgeSeconds": 3000,
        }
    ]
    raw = endpoint.request("GET", f"/{bucket}?cors")
    assert_given_back(raw.body, document.encode())


def test_raw_put_without_an_integrity_header_gets_s3s_answer(endpoint, bucket):
    answer = endpoint.put_cors(
        bucket, rules_to_xml([{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]), with_md5=False
    )
    assert answer.status == 400
    assert answer.error()["Code"] == "InvalidRequest"
    assert answer.error()["Message"] == "Missing required header for this request: Content-MD5"


INVALID = [
    ("no-rules", {"CORSRules": []}, "MalformedXML",
     "The XML you provided was not well-formed or did not validate against our published schema"),
    ("unsupported-method",
     {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET", "PATCH"]}]},
     "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"),
    ("lower-case-method",
     {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["get"]}]},
     "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"),
    ("two-wildcards",
     {"CORSRules": [{"AllowedOrigins": ["*example*.com"], "AllowedMethods": ["GET"]}]},
     "InvalidRequest", 'AllowedOrigin "*example*.com" can not have more than one wildcard.'),
    ("header-two-wildcards",
     {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"],
                     "AllowedHeaders": ["*-amz-*"]}]},
     "InvalidRequest", 'AllowedHeader "*-amz-*" can not have more than one wildcard.'),
    ("expose-wildcard",
     {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"],
                     "ExposeHeaders": ["x-amz-meta-*"]}]},
     "InvalidRequest",
     'ExposeHeader "x-amz-meta-*" contains wildcard. We currently do not support wildcard for ExposeHeader.'),
    ("101-rules",
     {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}] * 101},
     "InvalidRequest", "The number of CORS rules should not exceed allowed limit of 100 rules."),
]


@pytest.mark.parametrize("config,code,message", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_documents_surface_s3s_error_codes(s3, bucket, config, code, message):
    error = error_of(lambda: s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=config))
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == code
    assert error["Error"]["Message"] == message
    # Nothing was stored.
    assert error_of(lambda: s3.get_bucket_cors(Bucket=bucket))["Error"]["Code"] == (
        "NoSuchCORSConfiguration"
    )


def test_a_second_put_replaces_the_configuration(s3, bucket):
    first = {"CORSRules": [{"AllowedOrigins": ["https://one.example"], "AllowedMethods": ["GET"]}]}
    second = {"CORSRules": [{"AllowedOrigins": ["https://two.example"], "AllowedMethods": ["PUT"]}]}
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=first)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=second)
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == second["CORSRules"]


def test_cors_calls_on_a_missing_bucket(s3):
    for call in (s3.get_bucket_cors, s3.delete_bucket_cors):
        error = error_of(lambda: call(Bucket="no-such-bucket-for-cors"))
        assert error["Error"]["Code"] == "NoSuchBucket"


def test_the_boto3_sample_round_trips(s3, bucket):
    sample = json.loads((SAMPLES / "boto3-full-rule.json").read_text())
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration=sample)
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"] == sample["CORSRules"]


def test_object_operations_carry_cors_headers(s3, endpoint, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": ["https://app.example"],
                    "AllowedMethods": ["GET", "PUT", "HEAD", "DELETE"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 60,
                }
            ]
        },
    )
    operations = ["PutObject", "GetObject", "HeadObject", "ListObjectsV2", "ListObjects",
                  "DeleteObject"]
    hooks = {op: with_header(s3, op, "Origin", "https://app.example") for op in operations}
    try:
        put = s3.put_object(Bucket=bucket, Key="dir/a.txt", Body=b"hello", ContentType="text/plain")
        get = s3.get_object(Bucket=bucket, Key="dir/a.txt")
        assert get["Body"].read() == b"hello"
        assert get["ContentType"] == "text/plain"
        assert get["ETag"] == put["ETag"] == '"5d41402abc4b2a76b9719d911017c592"'
        head = s3.head_object(Bucket=bucket, Key="dir/a.txt")
        assert head["ContentLength"] == 5
        v2 = s3.list_objects_v2(Bucket=bucket, Prefix="dir/")
        assert [o["Key"] for o in v2["Contents"]] == ["dir/a.txt"]
        v1 = s3.list_objects(Bucket=bucket, Delimiter="/")
        assert [p["Prefix"] for p in v1["CommonPrefixes"]] == ["dir/"]
        missing = error_of(lambda: s3.get_object(Bucket=bucket, Key="missing"))
        assert missing["Error"]["Code"] == "NoSuchKey"
        for answer in (put, get, head, v2, v1, missing):
            headers = answer["ResponseMetadata"]["HTTPHeaders"]
            assert headers["access-control-allow-origin"] == "https://app.example"
            assert headers["access-control-allow-methods"] == "GET, PUT, HEAD, DELETE"
            assert headers["access-control-expose-headers"] == "ETag"
            assert headers["access-control-max-age"] == "60"
            assert headers["vary"] == (
                "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
            )
        deleted = s3.delete_object(Bucket=bucket, Key="dir/a.txt")
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert "access-control-allow-origin" in deleted["ResponseMetadata"]["HTTPHeaders"]
    finally:
        for op, hook in hooks.items():
            without_header(s3, op, hook)
    # Without Origin: no CORS headers and no Vary.
    plain = s3.list_objects_v2(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"]
    assert "access-control-allow-origin" not in plain and "vary" not in plain


def test_list_buckets_never_carries_cors_headers(s3, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]},
    )
    hook = with_header(s3, "ListBuckets", "Origin", "https://app.example")
    try:
        listed = s3.list_buckets()
    finally:
        without_header(s3, "ListBuckets", hook)
    assert bucket in [b["Name"] for b in listed["Buckets"]]
    headers = listed["ResponseMetadata"]["HTTPHeaders"]
    assert not any(h.startswith("access-control-") for h in headers)


def test_presigned_urls_preflight_and_carry_cors(s3, endpoint, bucket):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [{"AllowedOrigins": ["https://app.example"],
                           "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"]}]
        },
    )
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": "upload.bin"}, ExpiresIn=300
    )
    path = put_url[len(endpoint.url):]
    preflight = endpoint.request(
        "OPTIONS",
        path,
        {
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert preflight.status == 200, preflight
    assert preflight.header("Access-Control-Allow-Origin") == "https://app.example"
    assert preflight.header("Access-Control-Allow-Headers") == "content-type"

    upload = urllib.request.Request(
        put_url, data=b"browser upload", method="PUT",
        headers={"Origin": "https://app.example", "Content-Type": "application/octet-stream"},
    )
    with urllib.request.urlopen(upload) as answer:
        assert answer.status == 200
        assert answer.headers["Access-Control-Allow-Origin"] == "https://app.example"
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": "upload.bin"}, ExpiresIn=300
    )
    got = endpoint.request("GET", get_url[len(endpoint.url):], {"Origin": "https://app.example"})
    assert got.status == 200 and got.body == b"browser upload"
    assert got.header("Access-Control-Allow-Credentials") == "true"


def test_content_md5_is_checked_on_objects(endpoint, bucket):
    body = b"payload"
    good = endpoint.request("PUT", f"/{bucket}/k", {"Content-MD5": content_md5(body)}, body)
    assert good.status == 200
    bad = endpoint.request("PUT", f"/{bucket}/k", {"Content-MD5": content_md5(b"x")}, body)
    assert bad.status == 400 and bad.error()["Code"] == "BadDigest"


def test_xml_helpers_agree():
    rules = ODD_ORDER["CORSRules"]
    assert xml_to_rules(rules_to_xml(rules))["CORSRules"] == rules
