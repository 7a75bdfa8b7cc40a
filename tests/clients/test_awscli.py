"""The AWS CLI against the example S3 server: `aws s3api put-bucket-cors
--cors-configuration file://...` with the JSON samples, and what get-bucket-cors gives back."""

import json
import os
import shutil

import pytest

from harness import SAMPLES, command_runner, require_tool

# The JSON samples in the AWS CLI's shape (a `CORSRules` member); the other clouds' shapes
# (B2, GCS, R2) are the library's to convert, not something the AWS CLI sends.
JSON_SAMPLES = sorted(
    p.name for p in SAMPLES.glob("*.json") if '"CORSRules"' in p.read_text()
)


@pytest.fixture(scope="module")
def aws(endpoint, tmp_path_factory):
    require_tool("the AWS CLI (aws)", shutil.which("aws") is not None)
    home = tmp_path_factory.mktemp("aws")
    config = home / "config"
    config.write_text("[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n")
    env = dict(os.environ)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
            "AWS_PAGER": "",
            "AWS_MAX_ATTEMPTS": "1",
        }
    )

    return command_runner(["aws", "--endpoint-url", endpoint.url, "--output", "json"], env)


def without_empty_lists(config):
    """What the CLI sends for a configuration: empty lists are not written at all."""
    return {
        "CORSRules": [
            {k: v for k, v in rule.items() if v != []} for rule in config["CORSRules"]
        ]
    }


@pytest.mark.parametrize("sample", JSON_SAMPLES)
def test_put_bucket_cors_with_the_json_samples(aws, endpoint, sample):
    bucket = endpoint.bucket("cli")
    path = SAMPLES / sample
    aws("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", f"file://{path}")
    got = json.loads(aws("s3api", "get-bucket-cors", "--bucket", bucket).stdout)
    got.pop("ResponseMetadata", None)
    assert got == without_empty_lists(json.loads(path.read_text()))


def test_delete_then_get_reports_no_such_cors_configuration(aws, endpoint):
    bucket = endpoint.bucket("cli")
    path = SAMPLES / "www-example-com.json"
    aws("s3api", "put-bucket-cors", "--bucket", bucket, "--cors-configuration", f"file://{path}")
    aws("s3api", "delete-bucket-cors", "--bucket", bucket)
    missing = aws("s3api", "get-bucket-cors", "--bucket", bucket, check=False)
    assert missing.returncode != 0
    assert "(NoSuchCORSConfiguration)" in missing.stderr
    assert "The CORS configuration does not exist" in missing.stderr


def test_an_invalid_document_fails_with_s3s_message(aws, endpoint, tmp_path):
    bucket = endpoint.bucket("cli")
    document = tmp_path / "bad.json"
    document.write_text(
        json.dumps(
            {"CORSRules": [{"AllowedOrigins": ["*"], "AllowedMethods": ["GET"],
                            "ExposeHeaders": ["*"]}]}
        )
    )
    failed = aws(
        "s3api", "put-bucket-cors", "--bucket", bucket,
        "--cors-configuration", f"file://{document}", check=False,
    )
    assert failed.returncode != 0
    assert "(InvalidRequest)" in failed.stderr
    assert (
        'ExposeHeader "*" contains wildcard. We currently do not support wildcard for ExposeHeader.'
        in failed.stderr
    )


def test_high_level_copy_and_list(aws, endpoint, tmp_path):
    bucket = endpoint.bucket("cli")
    local = tmp_path / "hello.txt"
    local.write_text("hello from the cli\n")
    aws("s3", "cp", str(local), f"s3://{bucket}/docs/hello.txt")
    listed = aws("s3", "ls", f"s3://{bucket}/docs/").stdout
    assert "hello.txt" in listed
    fetched = endpoint.request("GET", f"/{bucket}/docs/hello.txt")
    assert fetched.status == 200 and fetched.body == b"hello from the cli\n"
