"""The operations that unmodified S3 test suites' fixtures call around the CORS tests:
ListObjectVersions of an unversioned bucket, DeleteObjects (Quiet included), ListBuckets
with a prefix and pages, GetObjectLockConfiguration's error, and objects read and written
through presigned URLs signed with SigV4 and SigV2.

Every expectation is S3's: the same file runs against any server that claims to speak S3.
Requests are sent by boto3, or, for presigned URLs, exactly as the URL says with http.client
(which adds only Host, Accept-Encoding and Content-Length, so a server that checks
signatures still accepts them)."""

import urllib.parse
import xml.etree.ElementTree as ET

import pytest

from harness import error_of, record_events, require_tool

try:
    import boto3
    import botocore.config
except ImportError:  # reported, as a failure, by the fixture
    boto3 = None

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
ORIGIN = "https://app.example"


def client(url, signature_version="s3v4"):
    require_tool("boto3", boto3 is not None)
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=botocore.config.Config(
            signature_version=signature_version,
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
        ),
    )


@pytest.fixture(scope="module")
def s3(endpoint):
    return client(endpoint.url)


@pytest.fixture
def bucket(s3, endpoint):
    name = endpoint.fresh_name("fix")
    s3.create_bucket(Bucket=name)
    return name


def raw_bodies(s3, operation):
    """Records the raw body of every answer to an operation (before boto3 parses it)."""
    return record_events(
        s3, f"after-call.s3.{operation}", lambda kw: kw["http_response"].content
    )


def put(s3, bucket, keys):
    """Puts each key with its own name as the body; returns {key: ETag}."""
    return {
        key: s3.put_object(Bucket=bucket, Key=key, Body=key.encode())["ETag"] for key in keys
    }


def keys_of(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


# ListObjectVersions


VERSIONED_KEYS = ["a.txt", "dir/b c.txt", "dir/d&e.txt", "z.txt"]


def test_list_object_versions_shows_each_object_as_its_null_version(s3, bucket):
    etags = put(s3, bucket, VERSIONED_KEYS)
    raw = raw_bodies(s3, "ListObjectVersions")
    listed = s3.list_object_versions(Bucket=bucket)
    assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert listed["Name"] == bucket
    assert listed["IsTruncated"] is False
    assert "DeleteMarkers" not in listed
    versions = listed["Versions"]
    assert [v["Key"] for v in versions] == VERSIONED_KEYS
    for version in versions:
        assert version["VersionId"] == "null"
        assert version["IsLatest"] is True
        assert version["ETag"] == etags[version["Key"]]
        assert version["Size"] == len(version["Key"].encode())
        assert version["StorageClass"] == "STANDARD"
        assert version["Owner"]["ID"]
        assert version["LastModified"].tzinfo is not None

    # The document itself: S3's namespace and the markers, empty when none was given.
    root = ET.fromstring(raw[-1])
    assert root.tag == f"{NS}ListVersionsResult"
    children = [child.tag[len(NS):] for child in root]
    for name in ["Name", "Prefix", "KeyMarker", "VersionIdMarker", "MaxKeys", "IsTruncated"]:
        assert name in children, (name, children)
    assert root.find(f"{NS}MaxKeys").text == "1000"
    assert not root.find(f"{NS}KeyMarker").text
    assert children.count("Version") == len(VERSIONED_KEYS)
    first = root.find(f"{NS}Version")
    assert [c.tag[len(NS):] for c in first][:3] == ["Key", "VersionId", "IsLatest"]


def test_list_object_versions_pages_with_max_keys_and_key_marker(s3, bucket):
    put(s3, bucket, VERSIONED_KEYS)
    first = s3.list_object_versions(Bucket=bucket, MaxKeys=2)
    assert first["IsTruncated"] is True
    assert first["MaxKeys"] == 2
    assert [v["Key"] for v in first["Versions"]] == VERSIONED_KEYS[:2]
    assert first["NextKeyMarker"] == VERSIONED_KEYS[1]
    assert first["NextVersionIdMarker"] == "null"

    rest = s3.list_object_versions(
        Bucket=bucket,
        KeyMarker=first["NextKeyMarker"],
        VersionIdMarker=first["NextVersionIdMarker"],
    )
    assert rest["IsTruncated"] is False
    assert rest["KeyMarker"] == VERSIONED_KEYS[1]
    assert [v["Key"] for v in rest["Versions"]] == VERSIONED_KEYS[2:]
    assert "NextKeyMarker" not in rest

    # A key marker alone resumes after that key too.
    after = s3.list_object_versions(Bucket=bucket, KeyMarker="dir/")
    assert [v["Key"] for v in after["Versions"]] == VERSIONED_KEYS[1:]

    # Paging through with boto3's paginator sees every version once.
    pages = s3.get_paginator("list_object_versions").paginate(
        Bucket=bucket, PaginationConfig={"PageSize": 1}
    )
    assert [v["Key"] for page in pages for v in page.get("Versions", [])] == VERSIONED_KEYS


def test_list_object_versions_honours_prefix_and_delimiter(s3, bucket):
    put(s3, bucket, VERSIONED_KEYS)
    prefixed = s3.list_object_versions(Bucket=bucket, Prefix="dir/")
    assert prefixed["Prefix"] == "dir/"
    assert [v["Key"] for v in prefixed["Versions"]] == ["dir/b c.txt", "dir/d&e.txt"]

    nothing = s3.list_object_versions(Bucket=bucket, Prefix="nope/")
    assert nothing["IsTruncated"] is False
    assert "Versions" not in nothing

    rolled = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [v["Key"] for v in rolled["Versions"]] == ["a.txt", "z.txt"]
    assert rolled["CommonPrefixes"] == [{"Prefix": "dir/"}]


def test_list_object_versions_of_a_missing_bucket(s3, endpoint):
    error = error_of(lambda: s3.list_object_versions(Bucket=endpoint.fresh_name("gone")))
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "NoSuchBucket"


# DeleteObjects


def test_delete_objects_deletes_and_reports_every_key(s3, bucket):
    keys = ["one.txt", "two & <three>.txt", "dir/four.txt"]
    put(s3, bucket, keys + ["kept.txt"])
    deleted = s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": k} for k in keys] + [{"Key": "never-there.txt"}]},
    )
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 200
    # S3 reports a key that did not exist as deleted too.
    assert sorted(d["Key"] for d in deleted["Deleted"]) == sorted(keys + ["never-there.txt"])
    assert "Errors" not in deleted
    assert keys_of(s3, bucket) == ["kept.txt"]


def test_delete_objects_with_the_null_version_id(s3, bucket):
    put(s3, bucket, ["v.txt"])
    deleted = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": "v.txt", "VersionId": "null"}]}
    )
    assert [(d["Key"], d.get("VersionId")) for d in deleted["Deleted"]] == [("v.txt", "null")]
    assert keys_of(s3, bucket) == []


def test_quiet_delete_objects_lists_nothing_but_deletes(s3, bucket):
    keys = ["q1.txt", "q2.txt"]
    put(s3, bucket, keys)
    raw = raw_bodies(s3, "DeleteObjects")
    deleted = s3.delete_objects(
        Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True}
    )
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert not deleted.get("Deleted") and not deleted.get("Errors")
    root = ET.fromstring(raw[-1])
    assert root.tag == f"{NS}DeleteResult"
    assert list(root) == []
    assert keys_of(s3, bucket) == []


def test_delete_objects_needs_content_md5_or_a_checksum(s3, bucket):
    put(s3, bucket, ["guarded.txt"])
    quiet = client_without_integrity_headers(s3.meta.endpoint_url)
    error = error_of(
        lambda: quiet.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "guarded.txt"}]})
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] in ("InvalidRequest", "MissingContentMD5"), error
    assert keys_of(s3, bucket) == ["guarded.txt"]


def client_without_integrity_headers(url):
    """A boto3 client that strips Content-MD5 and every checksum header from DeleteObjects
    before signing, so the request is signed as sent."""

    stripped = client(url)

    def strip(request, **_):
        for name in list(request.headers.keys()):
            lower = name.lower()
            if lower == "content-md5" or lower.startswith("x-amz-checksum-") or (
                lower == "x-amz-sdk-checksum-algorithm"
            ):
                del request.headers[name]

    stripped.meta.events.register("before-sign.s3.DeleteObjects", strip)
    return stripped


def test_delete_objects_refuses_more_than_1000_keys(s3, bucket):
    put(s3, bucket, ["stays.txt"])
    objects = [{"Key": f"k{i}"} for i in range(1001)] + [{"Key": "stays.txt"}]
    error = error_of(lambda: s3.delete_objects(Bucket=bucket, Delete={"Objects": objects}))
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "MalformedXML"
    assert keys_of(s3, bucket) == ["stays.txt"]


def test_delete_objects_on_a_missing_bucket(s3, endpoint):
    error = error_of(
        lambda: s3.delete_objects(
            Bucket=endpoint.fresh_name("gone"), Delete={"Objects": [{"Key": "k"}]}
        )
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "NoSuchBucket"


# ListBuckets


def test_list_buckets_with_a_prefix_and_pages(s3, endpoint):
    stem = endpoint.fresh_name("lbp")
    names = [f"{stem}-a", f"{stem}-b", f"{stem}-c"]
    other = endpoint.fresh_name("lbq")
    for name in names + [other]:
        s3.create_bucket(Bucket=name)

    everything = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert set(names + [other]) <= set(everything)

    prefixed = s3.list_buckets(Prefix=stem)
    assert [b["Name"] for b in prefixed["Buckets"]] == names
    assert prefixed["Prefix"] == stem
    assert "ContinuationToken" not in prefixed
    assert all(b["CreationDate"].tzinfo is not None for b in prefixed["Buckets"])

    assert s3.list_buckets(Prefix=f"{stem}-z").get("Buckets", []) == []

    first = s3.list_buckets(Prefix=stem, MaxBuckets=2)
    assert [b["Name"] for b in first["Buckets"]] == names[:2]
    token = first["ContinuationToken"]
    assert token
    rest = s3.list_buckets(Prefix=stem, MaxBuckets=2, ContinuationToken=token)
    assert [b["Name"] for b in rest["Buckets"]] == names[2:]
    assert "ContinuationToken" not in rest


# GetObjectLockConfiguration


def test_object_lock_configuration_of_a_bucket_without_one(s3, bucket):
    error = error_of(lambda: s3.get_object_lock_configuration(Bucket=bucket))
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "ObjectLockConfigurationNotFoundError"
    assert error["Error"]["Message"] == "Object Lock configuration does not exist for this bucket"


def test_object_lock_configuration_of_a_missing_bucket(s3, endpoint):
    error = error_of(
        lambda: s3.get_object_lock_configuration(Bucket=endpoint.fresh_name("gone"))
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "NoSuchBucket"


# Presigned URLs


SIGNATURES = {
    # boto3's name: the query parameters that sign the URL.
    "s3v4": {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
             "X-Amz-SignedHeaders", "X-Amz-Signature"},
    "s3": {"AWSAccessKeyId", "Expires", "Signature"},
}


def presign(signer, method, bucket, key):
    return signer.generate_presigned_url(
        method, Params={"Bucket": bucket, "Key": key}, ExpiresIn=300
    )


def fetch(endpoint, url, method, headers=None, body=None):
    """Sends exactly what the presigned URL names."""
    assert url.startswith(endpoint.url), url
    return endpoint.request(method, url[len(endpoint.url):], headers or {}, body)


@pytest.mark.parametrize("signature", sorted(SIGNATURES))
def test_presigned_put_get_and_head(s3, endpoint, bucket, signature):
    signer = client(endpoint.url, signature)
    body = f"presigned with {signature}".encode()
    put_url = presign(signer, "put_object", bucket, "pre/signed.txt")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(put_url).query))
    assert SIGNATURES[signature] <= set(query), put_url

    uploaded = fetch(endpoint, put_url, "PUT", body=body)
    assert uploaded.status == 200, uploaded
    assert uploaded.header("ETag") == s3.head_object(Bucket=bucket, Key="pre/signed.txt")["ETag"]

    got = fetch(endpoint, presign(signer, "get_object", bucket, "pre/signed.txt"), "GET")
    assert got.status == 200, got
    assert got.body == body

    head = fetch(endpoint, presign(signer, "head_object", bucket, "pre/signed.txt"), "HEAD")
    assert head.status == 200, head
    assert head.body == b""
    assert head.header("Content-Length") == str(len(body))
    assert head.header("ETag") == uploaded.header("ETag")

    missing = fetch(endpoint, presign(signer, "get_object", bucket, "pre/missing.txt"), "GET")
    assert missing.status == 404
    assert missing.error()["Code"] == "NoSuchKey"


@pytest.mark.parametrize("signature", sorted(SIGNATURES))
def test_presigned_get_carries_the_bucket_cors(s3, endpoint, bucket, signature):
    s3.put_bucket_cors(
        Bucket=bucket,
        CORSConfiguration={
            "CORSRules": [
                {"AllowedOrigins": [ORIGIN], "AllowedMethods": ["GET", "HEAD", "PUT"],
                 "ExposeHeaders": ["ETag"]}
            ]
        },
    )
    s3.put_object(Bucket=bucket, Key="page.html", Body=b"<p>hi</p>")
    signer = client(endpoint.url, signature)
    url = presign(signer, "get_object", bucket, "page.html")

    allowed = fetch(endpoint, url, "GET", {"Origin": ORIGIN})
    assert allowed.status == 200 and allowed.body == b"<p>hi</p>", allowed
    assert allowed.header("Access-Control-Allow-Origin") == ORIGIN
    assert allowed.header("Access-Control-Expose-Headers") == "ETag"

    other = fetch(endpoint, url, "GET", {"Origin": "https://elsewhere.example"})
    assert other.status == 200 and other.body == b"<p>hi</p>", other
    assert other.header("Access-Control-Allow-Origin") is None

    head = fetch(endpoint, presign(signer, "head_object", bucket, "page.html"), "HEAD",
                 {"Origin": ORIGIN})
    assert head.status == 200, head
    assert head.header("Access-Control-Allow-Origin") == ORIGIN
