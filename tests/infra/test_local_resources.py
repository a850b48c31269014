"""local.resources builds the deployment's data resources on moto from infra/resources.json, and
the S3 -> SQS upload notification really delivers events for the quarantine prefix only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from moto.server import ThreadedMotoServer

from chalicelib.core.settings import env_names
from local.resources import create_resources, load_template

REGION = "ap-southeast-3"
pytestmark = pytest.mark.xdist_group("local_resources")  # one moto server for the module


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def env(endpoint: str) -> dict[str, str]:
    return create_resources(endpoint_url=endpoint, stage="dev", region=REGION)


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")  # fmt: skip


def test_returns_every_resource_name_the_settings_need(env: dict[str, str]) -> None:
    names = env_names()
    for field in ("transfers_table", "schools_table", "documents_table", "notifications_table",
                  "audit_table", "locks_table", "letters_table", "idempotency_table",
                  "admissions_table", "documents_bucket", "snapshots_bucket",
                  "uploads_queue_name", "allocations_queue_name",
                  "notifications_topic_arn"):  # fmt: skip
        assert env[names[field]], field
    assert env["TRANSFERS_TABLE"] == "tl-edu-dev-transfers"
    assert env["ADMISSIONS_TABLE"] == "tl-edu-dev-admissions"
    assert env["PRIVACY_REQUESTS_TABLE"] == "tl-edu-dev-privacy-requests"
    assert env["UPLOADS_QUEUE_NAME"] == "tl-edu-dev-uploads"
    assert env["ALLOCATIONS_QUEUE_NAME"] == "tl-edu-dev-allocations"
    assert env["SNAPSHOTS_BUCKET"] == "tl-edu-dev-ppdb-live-123456789012"
    assert env["STAGE"] == "dev"
    assert not {"SIGNING_SECRET", "NIK_HMAC_KEY", "PII_KEY", "JWT_ISSUER"} & set(env)
    # a CloudFront domain in the deployment; the local stack serves the snapshots itself
    assert "SNAPSHOTS_PUBLIC_URL" not in env


def test_tables_and_indexes_exist(env: dict[str, str], endpoint: str) -> None:
    ddb = client("dynamodb", endpoint)
    template = load_template()
    for res in template["Resources"].values():
        if res.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = res["Properties"]
        name = props["TableName"]["Fn::Sub"].replace("${Stage}", "dev")
        table = ddb.describe_table(TableName=name)["Table"]
        assert table["KeySchema"] == props["KeySchema"]
        gsis = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
        lsis = {i["IndexName"] for i in table.get("LocalSecondaryIndexes", [])}
        assert gsis == {i["IndexName"] for i in props.get("GlobalSecondaryIndexes", [])}
        assert lsis == {i["IndexName"] for i in props.get("LocalSecondaryIndexes", [])}
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if "TimeToLiveSpecification" in props:
            assert ttl["AttributeName"] == props["TimeToLiveSpecification"]["AttributeName"]
    by_unread = ddb.describe_table(TableName=env["NOTIFICATIONS_TABLE"])["Table"]
    projections = {
        i["IndexName"]: i["Projection"]["ProjectionType"]
        for i in by_unread["LocalSecondaryIndexes"]
    }
    assert projections == {"by_time": "ALL", "by_unread": "INCLUDE"}


def test_bucket_and_queues_are_configured(env: dict[str, str], endpoint: str) -> None:
    s3 = client("s3", endpoint)
    bucket = env["DOCUMENTS_BUCKET"]
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == ["POST", "GET"]
    sqs = client("sqs", endpoint)
    url = sqs.get_queue_url(QueueName=env["UPLOADS_QUEUE_NAME"])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert int(attrs["VisibilityTimeout"]) >= 360
    assert json.loads(attrs["RedrivePolicy"])["maxReceiveCount"] == 5
    url = sqs.get_queue_url(QueueName=env["ALLOCATIONS_QUEUE_NAME"])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert int(attrs["VisibilityTimeout"]) == 1800
    redrive = json.loads(attrs["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 3
    assert redrive["deadLetterTargetArn"].endswith(":tl-edu-dev-allocations-dlq")
    sns = client("sns", endpoint)
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    assert env["NOTIFICATIONS_TOPIC_ARN"] in topics


def test_snapshots_bucket_is_private(env: dict[str, str], endpoint: str) -> None:
    s3 = client("s3", endpoint)
    bucket = env["SNAPSHOTS_BUCKET"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                     "RestrictPublicBuckets": True}  # fmt: skip
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]


def test_quarantine_upload_produces_an_s3_event_on_the_uploads_queue(
    env: dict[str, str], endpoint: str
) -> None:
    s3, sqs = client("s3", endpoint), client("sqs", endpoint)
    url = sqs.get_queue_url(QueueName=env["UPLOADS_QUEUE_NAME"])["QueueUrl"]
    s3.put_object(Bucket=env["DOCUMENTS_BUCKET"], Key="clean/x/y/z", Body=b"%PDF-1.7")
    s3.put_object(Bucket=env["DOCUMENTS_BUCKET"], Key="quarantine/x/y/z", Body=b"%PDF-1.7")
    records = []
    for _ in range(3):
        response = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in response.get("Messages", []):
            # s3:TestEvent messages (sent when the notification is set, as S3 does) have no Records
            records.extend(json.loads(message["Body"]).get("Records", []))
        if records:
            break
    assert len(records) == 1, records
    (record,) = records
    assert record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == env["DOCUMENTS_BUCKET"]
    assert unquote_plus(record["s3"]["object"]["key"]) == "quarantine/x/y/z"


def test_is_repeatable(env: dict[str, str], endpoint: str) -> None:
    assert create_resources(endpoint_url=endpoint, stage="dev", region=REGION) == env


def test_refuses_to_run_without_a_local_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(ValueError, match="local endpoint_url"):
        create_resources(endpoint_url=None)
