"""The deployment template, config.json and the IAM policies agree with the PynamoDB models.

Drift between a model and its table (a renamed key, a new index, a missing TTL) only shows up in
production; these checks make it a failing unit test instead. No AWS and no network.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.core.dynamo import all_models
from chalicelib.core.settings import env_names
from local.resources import Resolver, load_template

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "infra" / "resources.json")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
TABLES = {n: r for n, r in RESOURCES.items() if r.get("Type") == "AWS::DynamoDB::Table"}
FUNCTIONS = ("APIHandler", "OnUploadEvent", "TransferReminders", "JwtAuth", "AdmissionsTick",
             "OnAllocationRequest", "AdmissionReminders", "AdmissionRelease")  # fmt: skip
SCHEDULED = ("TransferReminders", "AdmissionsTick", "AdmissionReminders", "AdmissionRelease")
CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
STAGES = ("dev", "prod")
SECRETS = ("SIGNING_SECRET", "NIK_HMAC_KEY", "PII_KEY")
IDEMPOTENCY = "IdempotencyTable"
# Settings fields whose value is the name of a deployed resource.
RESOURCE_FIELDS = (
    "transfers_table", "schools_table", "documents_table", "notifications_table", "audit_table",
    "locks_table", "letters_table", "idempotency_table", "admissions_table",
    "privacy_requests_table", "documents_bucket",
    "snapshots_bucket", "uploads_queue_name", "allocations_queue_name", "notifications_topic_arn",
)  # fmt: skip
# Settings fields whose value comes from the template but is no resource name.
TEMPLATE_FIELDS = ("snapshots_public_url",)


def env_of(function: str) -> dict[str, Any]:
    return dict(RESOURCES[function]["Properties"]["Environment"]["Variables"])


def table_env_var(model: type[Model]) -> str:
    descriptor = inspect.getattr_static(model.Meta, "table_name")
    return env_names()[descriptor.field]


def table_for(model: type[Model]) -> str:
    expr = env_of("APIHandler")[table_env_var(model)]
    assert set(expr) == {"Ref"}, f"{model.__name__}: table env var must be a Ref, got {expr}"
    assert expr["Ref"] in TABLES, f"{model.__name__}: {expr['Ref']} is not a table"
    return str(expr["Ref"])


def key_schema(items: list[dict[str, str]]) -> dict[str, str]:
    return {k["KeyType"]: k["AttributeName"] for k in items}


def model_indexes(model: type[Model], kind: type) -> dict[str, dict[str, Any]]:
    found = {}
    for index in model._indexes.values():
        if isinstance(index, kind):
            meta = index.Meta
            keys = {
                "HASH" if a.is_hash_key else "RANGE": n
                for n, a in meta.attributes.items()
                if a.is_hash_key or a.is_range_key
            }
            found[meta.index_name] = {
                "keys": keys,
                "projection": meta.projection.projection_type,
                "non_key": sorted(getattr(meta.projection, "non_key_attributes", None) or []),
            }
    return found


def template_indexes(props: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {
        i["IndexName"]: {"keys": key_schema(i["KeySchema"]),
                         "projection": i["Projection"]["ProjectionType"],
                         "non_key": sorted(i["Projection"].get("NonKeyAttributes", []))}
        for i in props.get(key, [])
    }  # fmt: skip


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.__name__)
def test_table_matches_model(model: type[Model]) -> None:
    props = TABLES[table_for(model)]["Properties"]
    expected_keys = {"HASH": model._hash_keyname}
    if model._range_keyname:
        expected_keys["RANGE"] = model._range_keyname
    assert key_schema(props["KeySchema"]) == expected_keys
    assert props["KeySchema"][0]["KeyType"] == "HASH"

    schema = model._get_schema()
    model_types = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    template_types = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    assert template_types == model_types, "AttributeDefinitions differ (keys and index keys only)"

    assert template_indexes(props, "GlobalSecondaryIndexes") == model_indexes(
        model, GlobalSecondaryIndex
    )
    assert template_indexes(props, "LocalSecondaryIndexes") == model_indexes(
        model, LocalSecondaryIndex
    )
    ttl = [n for n, a in model.get_attributes().items() if isinstance(a, TTLAttribute)]
    spec = props.get("TimeToLiveSpecification")
    if ttl:
        assert spec == {"AttributeName": ttl[0], "Enabled": True}
    else:
        assert spec is None, "TTL in the template but not in the model"


def test_idempotency_table() -> None:
    props = TABLES[IDEMPOTENCY]["Properties"]
    assert env_of("APIHandler")["IDEMPOTENCY_TABLE"] == {"Ref": IDEMPOTENCY}
    assert props["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert props["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}


def test_every_template_table_has_a_model() -> None:
    modelled = {table_for(m) for m in all_models()}
    assert set(TABLES) - modelled == {IDEMPOTENCY}


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_safety_settings(name: str) -> None:
    table = TABLES[name]
    props = table["Properties"]
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_every_chalice_function_is_configured_by_the_template() -> None:
    """A new @schedule/@on_sqs_message function must get its name, env and log group here."""
    from chalice.utils import to_cfn_resource_name

    from app import app

    generated = {"APIHandler", "JwtAuth"} | {
        to_cfn_resource_name(e.name) for e in app.event_sources
    }
    assert set(FUNCTIONS) == generated
    for function in FUNCTIONS:
        props = RESOURCES[function]["Properties"]
        stem = props["FunctionName"]["Fn::Sub"]
        assert stem.startswith("tl-edu-${Stage}-"), function
        group = "ApiHandler" if function == "APIHandler" else function
        log_name = RESOURCES[f"{group}LogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"]
        assert log_name == f"/aws/lambda/{stem}", function


def test_every_function_gets_the_same_resource_environment() -> None:
    reference = env_of("APIHandler")
    for function in FUNCTIONS:
        assert env_of(function) == reference, function
    for field in RESOURCE_FIELDS + TEMPLATE_FIELDS:
        expr = reference[env_names()[field]]
        assert "Ref" in expr or "Fn::GetAtt" in expr or "Fn::Sub" in expr, (
            f"{field} must come from the template"
        )
        assert field in TEMPLATE_FIELDS or set(expr) <= {"Ref", "Fn::GetAtt"}, field
    assert reference["SNAPSHOTS_PUBLIC_URL"] == {
        "Fn::Sub": "https://${SnapshotsDistribution.DomainName}"
    }
    for name in SECRETS:
        text = reference[name]["Fn::Sub"]
        assert text.startswith("{{resolve:secretsmanager:tl-edu/${Stage}/app:SecretString:")


@pytest.mark.parametrize("stage", STAGES)
def test_config_declares_resource_names_matching_the_template(stage: str) -> None:
    cfg = CONFIG["stages"][stage]
    env = cfg["environment_variables"]
    for name in SECRETS:
        assert name not in env, f"{name} must come from Secrets Manager, not config.json"
    assert env["STAGE"] == stage
    # The dev literals equal what the template creates on moto (account 123456789012); the prod
    # literals are placeholders for the account id, replaced by Ref/GetAtt in the package.
    account = "123456789012" if stage == "dev" else "ACCOUNT_ID"
    resolve = Resolver({"Stage": stage, "AWS::AccountId": account, "AWS::Region": "ap-southeast-3",
                        "AWS::Partition": "aws"})  # fmt: skip
    for name, res in RESOURCES.items():
        props = res.get("Properties", {})
        for key in ("TableName", "BucketName", "QueueName", "TopicName"):
            if key in props:
                resolve.values[name] = resolve(props[key])
    for name in ("UploadsQueue", "AllocationsQueue"):
        resolve.attrs[name] = {"QueueName": resolve.values[name]}
    resolve.values["NotificationsTopic"] = (
        f"arn:aws:sns:ap-southeast-3:{account}:{resolve.values['NotificationsTopic']}"
    )
    template_env = env_of("APIHandler")
    for field in RESOURCE_FIELDS:
        var = env_names()[field]
        assert env[var] == resolve(template_env[var]), var
    assert env["JWT_ISSUER"].startswith("https://cognito-idp.ap-southeast-3.amazonaws.com/")
    assert env["POWERTOOLS_SERVICE_NAME"] == "tangerang-live-edu"
    assert env["POWERTOOLS_METRICS_NAMESPACE"] == "TangerangLiveEdu"
    assert cfg["iam_policy_file"] == f"policy-{stage}.json"
    assert CONFIG["autogen_policy"] is False


@pytest.mark.parametrize("stage", STAGES)
def test_policy_is_least_privilege_and_names_the_stage_resources(stage: str) -> None:
    policy = json.loads((ROOT / ".chalice" / f"policy-{stage}.json").read_text())
    text = json.dumps(policy)
    assert "dynamodb:Scan" not in text and '"dynamodb:*"' not in text and '"s3:*"' not in text
    allowed: dict[str, set[str]] = {}
    for st in policy["Statement"]:
        assert st["Effect"] == "Allow"
        for action in st["Action"]:
            resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
            allowed.setdefault(action, set()).update(resources)
    env = CONFIG["stages"][stage]["environment_variables"]
    for field in RESOURCE_FIELDS:
        if field.endswith("_table"):
            arn = f"arn:aws:dynamodb:*:*:table/{env[env_names()[field]]}"
            assert arn in allowed["dynamodb:PutItem"] and arn in allowed["dynamodb:Query"]
            assert f"{arn}/index/*" in allowed["dynamodb:Query"]
    admissions = f"arn:aws:dynamodb:*:*:table/{env['ADMISSIONS_TABLE']}"
    for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "BatchWriteItem",
                   "ConditionCheckItem"):  # fmt: skip
        assert admissions in allowed[f"dynamodb:{action}"], action
    assert allowed["dynamodb:BatchWriteItem"] == {admissions}
    assert f"{admissions}/index/*" in allowed["dynamodb:Query"]
    bucket = env["DOCUMENTS_BUCKET"]
    objects = allowed["s3:GetObject"]
    for prefix in ("quarantine", "clean", "letters", "allocations", "exports"):
        assert any(re.fullmatch(_glob(r), f"arn:aws:s3:::{bucket}/{prefix}/x") for r in objects)
    assert any(
        re.fullmatch(_glob(r), f"arn:aws:s3:::{bucket}/clean/ppdbimport/p/d") for r in objects
    )
    assert not any(re.fullmatch(_glob(r), f"arn:aws:s3:::{bucket}/other/x") for r in objects)
    snapshots = env["SNAPSHOTS_BUCKET"]
    for action in ("s3:GetObject", "s3:PutObject"):
        granted = allowed[action]
        assert any(re.fullmatch(_glob(r), f"arn:aws:s3:::{snapshots}/ppdb/x.json") for r in granted)
        assert not any(re.fullmatch(_glob(r), f"arn:aws:s3:::{snapshots}/x.json") for r in granted)
    assert not any(re.fullmatch(_glob(r), f"arn:aws:s3:::{snapshots}/ppdb/x")
                   for r in allowed["s3:DeleteObject"])  # fmt: skip
    assert f"arn:aws:sqs:*:*:{env['UPLOADS_QUEUE_NAME']}" in allowed["sqs:ReceiveMessage"]
    allocations = f"arn:aws:sqs:*:*:{env['ALLOCATIONS_QUEUE_NAME']}"
    for action in ("SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueAttributes",
                   "ChangeMessageVisibility"):  # fmt: skip
        assert allocations in allowed[f"sqs:{action}"], action
    topic = env["NOTIFICATIONS_TOPIC_ARN"].rsplit(":", 1)[1]
    assert allowed["sns:Publish"] == {f"arn:aws:sns:*:*:{topic}"}
    assert "*" not in allowed["sqs:SendMessage"] | allowed["s3:PutObject"]


def _glob(pattern: str) -> str:
    return ".*".join(re.escape(part) for part in pattern.split("*"))


def test_uploads_pipeline_wiring() -> None:
    queue = RESOURCES["UploadsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * CONFIG["stages"]["prod"]["lambda_functions"][
        "on_upload_event"]["lambda_timeout"]  # fmt: skip
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    bucket = RESOURCES["DocumentsBucket"]
    assert "UploadsQueuePolicy" in bucket["DependsOn"]
    (notification,) = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "quarantine/"}]
    event = RESOURCES["OnUploadEvent"]["Properties"]["Events"]["OnUploadEventSqsEventSource"]
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_allocations_pipeline_wiring() -> None:
    functions = CONFIG["stages"]["prod"]["lambda_functions"]
    worker = functions["on_allocation_request"]
    assert (worker["lambda_timeout"], worker["lambda_memory_size"]) == (300, 2048)
    queue = RESOURCES["AllocationsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["lambda_timeout"]
    dlq_arn = queue["RedrivePolicy"]["deadLetterTargetArn"]
    assert dlq_arn == {"Fn::GetAtt": ["AllocationsDLQ", "Arn"]}
    (source,) = RESOURCES["AllocationsDLQ"]["Properties"]["RedriveAllowPolicy"]["sourceQueueArns"]
    assert source["Fn::Sub"].endswith(":tl-edu-${Stage}-allocations")
    event = RESOURCES["OnAllocationRequest"]["Properties"]["Events"][
        "OnAllocationRequestSqsEventSource"]["Properties"]  # fmt: skip
    assert event["Queue"] == {"Fn::Sub": "${AllocationsQueue.Arn}"}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # Lambda's minimum; the same parameter sets the worker's reserved concurrency
    assert event["ScalingConfig"] == {
        "MaximumConcurrency": {"Ref": "AllocationsReservedConcurrency"}
    }
    assert TEMPLATE["Parameters"]["AllocationsReservedConcurrency"]["Default"] == 2
    alarmed = {
        r["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for r in RESOURCES.values()
        if r.get("Type") == "AWS::CloudWatch::Alarm"
    }
    assert {"UploadsDLQ", "JobsDLQ", "AllocationsDLQ"} <= alarmed
    for stage in STAGES:
        assert CONFIG["stages"][stage]["lambda_functions"] == functions


@pytest.mark.parametrize("function", SCHEDULED)
def test_scheduled_functions_fail_into_the_jobs_dlq(function: str) -> None:
    props = RESOURCES[function]["Properties"]
    invoke = props["EventInvokeConfig"]
    assert invoke["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["JobsDLQ", "Arn"]
    }
    assert 0 <= invoke["MaximumRetryAttempts"] <= 2
    (event,) = props["Events"].values()
    retry = event["Properties"]["RetryPolicy"]
    assert 60 <= retry["MaximumEventAgeInSeconds"] <= invoke["MaximumEventAgeInSeconds"]
    name = {"TransferReminders": "transfer_reminders", "AdmissionsTick": "admissions_tick",
            "AdmissionReminders": "admission_reminders",
            "AdmissionRelease": "admission_release"}[function]  # fmt: skip
    assert CONFIG["stages"]["prod"]["lambda_functions"][name]["reserved_concurrency"] == 1


def test_snapshot_bucket_is_private_and_readable_only_by_its_distribution() -> None:
    bucket = RESOURCES["SnapshotsBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }  # fmt: skip
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = RESOURCES["SnapshotsBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "SnapshotsBucket"}
    statements = policy["PolicyDocument"]["Statement"]
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denies)
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == {"Fn::Sub": "${SnapshotsBucket.Arn}/ppdb/*"}
    assert allow["Condition"] == {"StringEquals": {"AWS:SourceArn": {"Fn::Sub": (
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${SnapshotsDistribution}"
    )}}}  # fmt: skip

    oac = RESOURCES["SnapshotsOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"],
            oac["SigningProtocol"]) == ("s3", "always", "sigv4")  # fmt: skip
    config = RESOURCES["SnapshotsDistribution"]["Properties"]["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["SnapshotsBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["SnapshotsOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["TargetOriginId"] == origin["Id"]
    assert behaviour["AllowedMethods"] == behaviour["CachedMethods"] == ["GET", "HEAD"]
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    cache = RESOURCES[behaviour["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 60, 300)
    keyed = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert keyed["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    headers = RESOURCES[behaviour["ResponseHeadersPolicyId"]["Ref"]]["Properties"]
    cors = headers["ResponseHeadersPolicyConfig"]["CorsConfig"]
    assert cors["AccessControlAllowOrigins"] == {"Items": {"Ref": "AppOrigins"}}
    assert cors["AccessControlAllowMethods"] == {"Items": ["GET", "HEAD"]}
    assert TEMPLATE["Outputs"]["SnapshotsPublicUrl"]["Value"] == {
        "Fn::Sub": "https://${SnapshotsDistribution.DomainName}"
    }
    # nothing else may read the bucket: no other policy names it
    for name, res in RESOURCES.items():
        if res.get("Type") == "AWS::S3::BucketPolicy" and name != "SnapshotsBucketPolicy":
            assert res["Properties"]["Bucket"] != {"Ref": "SnapshotsBucket"}, name


def test_the_live_ranking_interval_is_a_stage_parameter() -> None:
    """Issue 3: the live snapshot every 5 minutes, configurable."""
    param = TEMPLATE["Parameters"]["LiveRankingSchedule"]
    assert param["Default"] == "rate(5 minutes)"
    events = RESOURCES["AdmissionsTick"]["Properties"]["Events"]
    assert events["AdmissionsTickEvent"]["Properties"]["Schedule"] == {"Ref": "LiveRankingSchedule"}
