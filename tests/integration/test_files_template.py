"""template.yaml's file bucket: private, encrypted, TLS only, expiring, prefix-limited access."""

from __future__ import annotations

from typing import Any

from tests.integration.test_template import RESOURCES, TEMPLATE, functions, statements


def test_the_bucket_is_private_encrypted_and_expires_with_retention():
    bucket = RESOURCES["FilesBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    rules = {r["Id"]: r for r in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["SubmittedFiles"]["Prefix"] == "submissions/"
    assert rules["SubmittedFiles"]["ExpirationInDays"] == {"Ref": "RetentionDays"}
    assert rules["UnsubmittedUploads"]["Prefix"] == "uploads/"
    assert rules["UnsubmittedUploads"]["ExpirationInDays"] == {"Ref": "UnsubmittedUploadDays"}
    assert "*" not in str(bucket["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"])


def test_the_bucket_refuses_anything_but_tls():
    policy = RESOURCES["FilesBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    deny = next(s for s in policy if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Action"] == "s3:*"


def test_functions_reach_only_their_prefixes_and_never_list():
    s3 = [s for s in statements() if any(str(a).startswith("s3:") for a in _actions(s))]
    assert s3, "the functions need the bucket"
    for statement in s3:
        assert "s3:ListBucket" not in _actions(statement)
        assert not any(str(a) in ("s3:*", "*") for a in _actions(statement))
        for resource in (
            statement["Resource"]
            if isinstance(statement["Resource"], list)
            else [statement["Resource"]]
        ):
            text = str(resource)
            assert "/uploads/*" in text or "/submissions/*" in text, text


def test_the_upload_route_and_settings_reach_the_function():
    events = functions()["SubmitFunction"]["Properties"]["Events"]
    assert events["Uploads"]["Properties"] == {
        "ApiId": {"Ref": "HttpApi"},
        "Method": "POST",
        "Path": "/f/{form}/uploads",
    }
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["FILES_BUCKET"] == {"Ref": "FilesBucket"}
    assert env["ATTACH_LIMIT_BYTES"] == {"Ref": "AttachLimitBytes"}
    assert env["FILE_LINK_DAYS"] == {"Ref": "FileLinkDays"}


def _actions(statement: dict[str, Any]) -> list[Any]:
    actions = statement["Action"]
    return actions if isinstance(actions, list) else [actions]
