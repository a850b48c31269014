"""The embedded S3's presigned checks (local/s3_guard.py) on forms and URLs signed by botocore,
judged without a server: condition kinds, field coverage, S3's form rules and its answers."""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from local import s3_guard
from local.s3_guard import Refusal, check_post, check_query_auth, parse_form

BUCKET = "tl-edu-documents-unit"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return boto3.client(
        "s3",
        region_name="ap-southeast-3",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def signed(s3: Any, conditions: list[Any], fields: dict[str, str] | None = None,
           key: str = "quarantine/transfer/a/b", expires: int = 600) -> dict[str, str]:  # fmt: skip
    post = s3.generate_presigned_post(
        BUCKET, key, Fields=fields or {}, Conditions=conditions, ExpiresIn=expires
    )
    return dict(post["fields"])


def form(fields: dict[str, str], content: bytes = b"%PDF-", after: dict[str, str] | None = None,
         filename: str = "scan.pdf") -> s3_guard.Form:  # fmt: skip
    """The multipart body requests would send, parsed as the guard parses it; ``after`` are
    fields placed after the file."""
    prepared = requests.Request(
        "POST", "http://s3.local/" + BUCKET, data=fields,
        files={"file": (filename, content, "application/pdf")},
    ).prepare()  # fmt: skip
    body, content_type = bytes(prepared.body), prepared.headers["Content-Type"]  # type: ignore[arg-type]
    if after:
        boundary = content_type.split("boundary=")[1].encode()
        extra = b"".join(
            b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (boundary, k.encode(), v.encode())
            for k, v in after.items()
        )
        body = body.replace(b"--%s--" % boundary, extra + b"--%s--" % boundary)
    return parse_form(body, content_type)


def refusal(call: Any) -> tuple[int, str, str]:
    with pytest.raises(Refusal) as caught:
        call()
    return caught.value.status, caught.value.code, caught.value.message


def test_starts_with_and_comma_separated_content_types(s3: Any) -> None:
    conditions = [
        ["starts-with", "$Content-Type", "image/"],
        ["starts-with", "$key", "quarantine/"],
    ]
    fields = signed(s3, conditions, {"Content-Type": "image/png"})
    now = time.time()
    assert check_post(BUCKET, form(fields), now) == "quarantine/transfer/a/b"
    mixed = {**fields, "Content-Type": "image/png, text/html"}
    assert refusal(lambda: check_post(BUCKET, form(mixed), now))[:2] == (403, "AccessDenied")


def test_filename_is_expanded_in_the_key_before_the_conditions(s3: Any) -> None:
    fields = signed(s3, [["starts-with", "$key", "up/"]], key="up/${filename}")
    assert check_post(BUCKET, form(fields, filename="kk.pdf"), time.time()) == "up/kk.pdf"


def test_fields_after_the_file_are_ignored_as_s3_ignores_them(s3: Any) -> None:
    fields = signed(s3, [{"Content-Type": "application/pdf"}], {"Content-Type": "application/pdf"})
    parsed = form(fields, after={"Content-Type": "text/html", "x-amz-meta-a": "1"})
    assert parsed.values("content-type") == ["application/pdf"]
    assert check_post(BUCKET, parsed, time.time()) == "quarantine/transfer/a/b"
    body, _ = parsed.encode("quarantine/transfer/a/b")
    assert b"text/html" not in body and b"x-amz-meta-a" not in body


def test_another_bucket_fails_the_bucket_condition(s3: Any) -> None:
    fields = signed(s3, [])
    assert refusal(lambda: check_post("other-bucket", form(fields), time.time())) == (
        403, "AccessDenied",
        f'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "{BUCKET}"]',
    )  # fmt: skip


def test_a_repeated_field_must_satisfy_its_condition_every_time(s3: Any) -> None:
    fields = signed(s3, [{"Content-Type": "application/pdf"}], {"Content-Type": "application/pdf"})
    prepared = requests.Request(
        "POST", "http://s3.local/b",
        data=[*fields.items(), ("Content-Type", "text/html")],
        files={"file": ("a.pdf", b"%PDF-", "application/pdf")},
    ).prepare()  # fmt: skip
    parsed = parse_form(bytes(prepared.body), prepared.headers["Content-Type"])  # type: ignore[arg-type]
    assert refusal(lambda: check_post(BUCKET, parsed, time.time()))[:2] == (403, "AccessDenied")


@pytest.mark.parametrize(
    ("change", "answer"),
    [
        ({"key": None}, (400, "InvalidArgument")),
        ({"policy": "bm90IGpzb24="}, (403, "SignatureDoesNotMatch")),
        ({"x-amz-credential": "someone/20260101/ap-southeast-3/s3/aws4_request"},
         (403, "InvalidAccessKeyId")),
        ({"x-amz-credential": "local/20260101/ap-southeast-3/sqs/aws4_request"},
         (400, "AuthorizationQueryParametersError")),
        ({"x-amz-algorithm": "AWS4-HMAC-SHA1"}, (400, "InvalidArgument")),
        ({"AWSAccessKeyId": "local", "signature": "x"}, (400, "InvalidRequest")),
    ],
    ids=["no-key", "policy-not-signed", "unknown-access-key", "other-service", "algorithm",
         "sigv2"],
)  # fmt: skip
def test_malformed_forms_get_s3s_answers(
    s3: Any, change: dict[str, str | None], answer: tuple[int, str]
) -> None:
    fields = {**signed(s3, []), **change}
    fields = {k: v for k, v in fields.items() if v is not None}
    assert refusal(lambda: check_post(BUCKET, form(fields), time.time()))[:2] == answer


def test_a_form_without_exactly_one_file_or_a_boundary_is_malformed() -> None:
    only_fields = requests.Request("POST", "http://s3.local/b", data={"key": "k"},
                                   files={"other": ("a", b"x")}).prepare()  # fmt: skip
    body, content_type = bytes(only_fields.body), only_fields.headers["Content-Type"]  # type: ignore[arg-type]
    assert refusal(lambda: parse_form(body, content_type))[:2] == (
        400, "IncorrectNumberOfFilesInPostRequest",
    )  # fmt: skip
    assert refusal(lambda: parse_form(body, "multipart/form-data"))[:2] == (
        400, "MalformedPOSTRequest",
    )  # fmt: skip


def url_environ(url: str, method: str = "GET") -> dict[str, Any]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return {"REQUEST_METHOD": method, "QUERY_STRING": parts.query, "PATH_INFO": parts.path,
            "RAW_URI": f"{parts.path}?{parts.query}", "HTTP_HOST": parts.netloc}  # fmt: skip


def test_a_presigned_url_is_checked_for_signature_and_expiry(s3: Any) -> None:
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "clean/a/b",
                              "ResponseContentType": "application/pdf"}, ExpiresIn=60,
    )  # fmt: skip
    now = time.time()
    check_query_auth(url_environ(url), now)  # as signed: accepted
    assert refusal(lambda: check_query_auth(url_environ(url, "DELETE"), now))[1] == (
        "SignatureDoesNotMatch"
    )
    assert refusal(lambda: check_query_auth(url_environ(url), now + 61)) == (
        403, "AccessDenied", "Request has expired",
    )  # fmt: skip
    week = url.replace("X-Amz-Expires=60", "X-Amz-Expires=604801")
    assert refusal(lambda: check_query_auth(url_environ(week), now))[:2] == (
        400, "AuthorizationQueryParametersError",
    )  # fmt: skip
    unsigned = url.split("&X-Amz-Signature=")[0]
    assert refusal(lambda: check_query_auth(url_environ(unsigned), now))[:2] == (
        400, "AuthorizationQueryParametersError",
    )  # fmt: skip
