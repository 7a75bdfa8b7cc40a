"""oss2 (Alibaba Cloud OSS's Python SDK) against the example S3 server, in the OSS dialect.

oss2 talks path-style to an IP endpoint and signs with its own scheme (`Authorization: OSS
...`), which the server accepts without checking and uses to tell the dialect apart. A
document stored through OSS is given back in OSS's form, `ResponseVary` included, and its
`ResponseVary` decides the `Vary` header.
"""

import pytest

from harness import OWNER_AUTH, S3S, SAMPLES, content_md5, require_tool, rules_to_xml

# The OSS dialect is examples/s3_server's alone: s3s speaks S3's only. It neither parses
# OSS's CORS document (ResponseVary) nor answers OSS's requests as OSS does (oss2 sends no
# Content-MD5 on PutBucketCors, which S3 requires, and reads `x-oss-` headers), so against
# examples/s3s_server the suite is skipped, with this reason printed by pytest (-rs).
if S3S:
    pytest.skip(
        "examples/s3s_server speaks S3's dialect only (s3s has no Alibaba OSS dialect); "
        "the oss2 suite runs against examples/s3_server",
        allow_module_level=True,
    )

try:
    import oss2
    from oss2.models import BucketCors, CorsRule
except ImportError:  # reported, as a failure, by the fixture
    oss2 = None

VARY_CORS = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


@pytest.fixture(scope="module")
def auth():
    require_tool("oss2", oss2 is not None)
    return oss2.Auth("test-access-key", "test-secret")


@pytest.fixture
def bucket(auth, endpoint):
    handle = oss2.Bucket(auth, endpoint.url, endpoint.fresh_name("oss"), connect_timeout=30)
    handle.create_bucket()
    return handle


def test_put_get_delete_in_the_oss_dialect(bucket, endpoint):
    cors = BucketCors(
        [
            CorsRule(
                allowed_origins=["https://shop.example"],
                allowed_methods=["GET", "PUT"],
                allowed_headers=["x-oss-meta-*", "Content-Type"],
                expose_headers=["ETag", "x-oss-request-id"],
                max_age_seconds=120,
            )
        ],
        response_vary=True,
    )
    bucket.put_bucket_cors(cors)
    got = bucket.get_bucket_cors()
    assert got.response_vary is True
    assert len(got.rules) == 1
    rule = got.rules[0]
    assert rule.allowed_origins == ["https://shop.example"]
    assert rule.allowed_methods == ["GET", "PUT"]
    assert rule.allowed_headers == ["x-oss-meta-*", "Content-Type"]
    assert rule.expose_headers == ["ETag", "x-oss-request-id"]
    assert rule.max_age_seconds == 120

    # Read through the S3 API too: the same OSS document, byte for byte.
    raw = endpoint.request("GET", f"/{bucket.bucket_name}?cors")
    assert raw.body == oss2.xml_utils.to_put_bucket_cors(cors)
    assert b"<ResponseVary>true</ResponseVary>" in raw.body
    assert raw.header("x-example-cors-dialect") == "oss"

    bucket.delete_bucket_cors()
    with pytest.raises(oss2.exceptions.NoSuchCors) as caught:
        bucket.get_bucket_cors()
    assert caught.value.status == 404
    assert caught.value.message == "The CORS configuration does not exist"


def test_response_vary_true_sends_vary_origin_on_every_response(bucket, endpoint):
    bucket.put_bucket_cors(
        BucketCors(
            [CorsRule(allowed_origins=["https://shop.example"], allowed_methods=["GET"])],
            response_vary=True,
        )
    )
    bucket.put_object("item.txt", b"item")
    path = f"/{bucket.bucket_name}/item.txt"
    matched = endpoint.request("GET", path, {"Origin": "https://shop.example"})
    assert matched.header("Access-Control-Allow-Origin") == "https://shop.example"
    assert matched.header("Vary") == VARY_CORS
    other = endpoint.request("GET", path, {"Origin": "https://elsewhere.example"})
    assert other.header("Access-Control-Allow-Origin") is None
    assert other.header("Vary") == "Origin"
    no_origin = endpoint.request("GET", path)
    assert no_origin.header("Vary") == "Origin"
    preflight = endpoint.request(
        "OPTIONS", path,
        {"Origin": "https://shop.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status == 200
    assert preflight.header("Access-Control-Allow-Methods") == "GET"


def test_the_oss_sample_with_response_vary_false(bucket, endpoint):
    sample = (SAMPLES / "oss-public-read.xml").read_bytes()
    bucket.put_bucket_cors(sample)
    got = bucket.get_bucket_cors()
    assert got.response_vary is False
    assert got.rules[0].allowed_methods == ["GET", "HEAD"]
    assert got.rules[0].max_age_seconds == 1000
    assert endpoint.request("GET", f"/{bucket.bucket_name}?cors").body == sample
    bucket.put_object("a.txt", b"a")
    answer = endpoint.request(
        "GET", f"/{bucket.bucket_name}/a.txt", {"Origin": "https://any.example"}
    )
    assert answer.header("Access-Control-Allow-Origin") == "*"
    assert answer.header("Vary") is None


def test_oss_allows_ten_rules_not_eleven(bucket):
    rule = CorsRule(allowed_origins=["*"], allowed_methods=["GET"])
    bucket.put_bucket_cors(BucketCors([rule] * 10))
    with pytest.raises(oss2.exceptions.OssError) as caught:
        bucket.put_bucket_cors(BucketCors([rule] * 11))
    assert caught.value.status == 400
    assert caught.value.code == "InvalidRequest"
    assert caught.value.message == (
        "The number of CORS rules should not exceed allowed limit of 10 rules."
    )
    assert len(bucket.get_bucket_cors().rules) == 10


def test_oss_documents_have_no_id(bucket):
    document = (
        "<CORSConfiguration><CORSRule><ID>x</ID><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"
    )
    with pytest.raises(oss2.exceptions.OssError) as caught:
        bucket.put_bucket_cors(document)
    assert (caught.value.status, caught.value.code) == (400, "MalformedXML")


def test_an_s3_document_reads_back_through_oss2(auth, endpoint):
    name = endpoint.bucket("oss-s3")
    document = rules_to_xml(
        [{"AllowedOrigins": ["https://a.example"], "AllowedMethods": ["PUT"],
          "AllowedHeaders": ["*"], "MaxAgeSeconds": 5}],
        namespace=False,
    )
    put = endpoint.request(
        "PUT", f"/{name}?cors",
        {"Authorization": OWNER_AUTH, "Content-MD5": content_md5(document.encode())},
        document.encode(),
    )
    assert put.status == 200, put
    got = oss2.Bucket(auth, endpoint.url, name).get_bucket_cors()
    assert got.response_vary is None
    assert got.rules[0].allowed_origins == ["https://a.example"]
    assert got.rules[0].max_age_seconds == 5
    raw = endpoint.request("GET", f"/{name}?cors")
    assert raw.body == document.encode()
    assert raw.header("x-example-cors-dialect") == "s3"
    # Stored through S3: S3's Vary behaviour (none without a match).
    answer = endpoint.request("GET", f"/{name}", {"Origin": "https://b.example"})
    assert answer.header("Vary") is None
