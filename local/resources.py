"""Create the deployment's data resources on a local AWS stand-in (moto server) from the SAME
CloudFormation merge template that is deployed (infra/resources.json).

Only what the app talks to is created: DynamoDB tables, the buckets (the documents bucket with its
S3 -> SQS notification, so upload events really flow locally), the SQS queues and the SNS topics.
Policies, alarms and the CloudFront distribution of the public snapshots are not: the local stack
serves the snapshots from the bucket itself (local.run). Intrinsics
(Ref, Fn::GetAtt, Fn::Sub) are resolved just enough for those resources.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import boto3

ROOT = Path(__file__).resolve().parent.parent
_SUB = re.compile(r"\$\{([^}]+)\}")
_CREATE_ORDER = ("AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::DynamoDB::Table", "AWS::S3::Bucket")
_FUNCTION = "APIHandler"
_CORS_KEYS = ("AllowedMethods", "AllowedOrigins", "AllowedHeaders")


def load_template(template_path: str | Path = "infra/resources.json") -> dict[str, Any]:
    path = Path(template_path)
    if not path.is_absolute() and not path.exists():
        path = ROOT / path
    return dict(json.loads(path.read_text(encoding="utf-8")))


class Resolver:
    """Resolves intrinsic functions against parameters and the physical values of resources."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.values: dict[str, Any] = dict(params)  # Ref values: parameters and resources
        self.attrs: dict[str, dict[str, str]] = {}  # Fn::GetAtt values of created resources

    def ref(self, name: str) -> Any:
        if name not in self.values:
            raise KeyError(f"Ref to {name} is not resolvable (not created yet?)")
        return self.values[name]

    def getatt(self, name: str, attr: str) -> str:
        return self.attrs[name][attr]

    def sub_var(self, var: str, local: dict[str, Any]) -> Any:
        if var in local:
            return local[var]
        if "." in var and not var.startswith("AWS::"):
            name, attr = var.split(".", 1)
            return self.getatt(name, attr)
        return self.ref(var)

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::GetAtt":
                name, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(name, attr)
            if key == "Fn::Sub":
                text, local = (arg, {}) if isinstance(arg, str) else (arg[0], self(arg[1]))
                return _SUB.sub(lambda m: str(self.sub_var(m.group(1), local)), text)
        return {k: self(v) for k, v in value.items()}


def referenced_resources(value: Any, resources: dict[str, Any]) -> set[str]:
    """The resources of the template an expression depends on (parameters are not resources)."""
    if isinstance(value, list):
        return set().union(*(referenced_resources(v, resources) for v in value))
    if not isinstance(value, dict):
        return set()
    if "Ref" in value:
        return {value["Ref"]} & set(resources)
    if "Fn::GetAtt" in value:
        arg = value["Fn::GetAtt"]
        return {arg[0] if isinstance(arg, list) else arg.split(".", 1)[0]}
    if "Fn::Sub" in value:
        arg = value["Fn::Sub"]
        text = arg if isinstance(arg, str) else arg[0]
        names = {v.split(".", 1)[0] for v in _SUB.findall(text)} & set(resources)
        return names | (set() if isinstance(arg, str) else referenced_resources(arg[1], resources))
    return set().union(*(referenced_resources(v, resources) for v in value.values()))


def _default(spec: dict[str, Any]) -> Any:
    value = str(spec.get("Default", ""))
    return value.split(",") if spec.get("Type") == "CommaDelimitedList" else value


def _pick(d: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: d[k] for k in keys if k in d}


def _table(client: Any, props: dict[str, Any]) -> None:
    args = _pick(props, ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode"))
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            args[key] = [_pick(i, ("IndexName", "KeySchema", "Projection")) for i in props[key]]
    try:
        client.create_table(**args)
    except client.exceptions.ResourceInUseException:
        return
    name = props["TableName"]
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2})
    if props.get("TimeToLiveSpecification"):
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "AttributeName": props["TimeToLiveSpecification"]["AttributeName"],
                "Enabled": True,
            },
        )
    if props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"):
        client.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )


def _queue(client: Any, props: dict[str, Any]) -> tuple[str, str, str]:
    keys = ("VisibilityTimeout", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds")
    attributes = {k: str(v) for k, v in _pick(props, keys).items()}
    if "RedrivePolicy" in props:
        attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
    url = client.create_queue(QueueName=props["QueueName"], Attributes=attributes)["QueueUrl"]
    arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"], props["QueueName"]


def _bucket(client: Any, props: dict[str, Any], region: str) -> None:
    name = props["BucketName"]
    args: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
        client.create_bucket(**args)
    if "PublicAccessBlockConfiguration" in props:
        client.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
    if "VersioningConfiguration" in props:
        client.put_bucket_versioning(
            Bucket=name,
            VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
        )
    if "BucketEncryption" in props:
        rules = [
            {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
            for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        ]
        client.put_bucket_encryption(
            Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules}
        )
    if "CorsConfiguration" in props:
        cors = [
            _pick(r, _CORS_KEYS)
            | {"ExposeHeaders": r.get("ExposedHeaders", []), "MaxAgeSeconds": r.get("MaxAge", 0)}
            for r in props["CorsConfiguration"]["CorsRules"]
        ]
        client.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors})
    queues = [
        {"QueueArn": q["Queue"], "Events": [q["Event"]],
         "Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}}}
        for q in props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
    ]  # fmt: skip
    if queues:
        client.put_bucket_notification_configuration(
            Bucket=name, NotificationConfiguration={"QueueConfigurations": queues}
        )


def create_resources(
    template_path: str | Path = "infra/resources.json",
    stage: str = "dev",
    endpoint_url: str | None = None,
    region: str = "ap-southeast-3",
) -> dict[str, str]:
    """Create the template's data resources on a local endpoint; return the app's env values.

    The returned dict holds every function environment variable of the template that depends on a
    resource created here (TRANSFERS_TABLE, DOCUMENTS_BUCKET, UPLOADS_QUEUE_NAME, SNAPSHOTS_BUCKET,
    NOTIFICATIONS_TOPIC_ARN, ...) plus STAGE, with the names the deployment would use. Secrets,
    Cognito settings and SNAPSHOTS_PUBLIC_URL (a CloudFront domain) are not returned: the local
    stack brings its own.
    """
    endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        raise ValueError("create_resources needs a local endpoint_url; it never touches real AWS")
    session = boto3.session.Session(
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        region_name=region,
    )

    def client(service: str) -> Any:
        return session.client(service, endpoint_url=endpoint)

    template = load_template(template_path)
    resources: dict[str, Any] = template["Resources"]
    account = client("sts").get_caller_identity()["Account"]
    params = {n: _default(spec) for n, spec in template.get("Parameters", {}).items()}
    params |= {
        "Stage": stage,
        "AWS::AccountId": account,
        "AWS::Region": region,
        "AWS::Partition": "aws",
        "AWS::URLSuffix": "amazonaws.com",
    }
    resolve = Resolver(params)

    typed = [(n, r) for n, r in resources.items() if r.get("Type") in _CREATE_ORDER]
    # Dead-letter queues first (no RedrivePolicy), then the rest, by type.
    typed.sort(
        key=lambda nr: (
            _CREATE_ORDER.index(nr[1]["Type"]),
            "RedrivePolicy" in nr[1].get("Properties", {}),
        )
    )
    for name, res in typed:
        kind = res["Type"]
        props = resolve(res.get("Properties", {}))
        if kind == "AWS::SQS::Queue":
            url, arn, queue_name = _queue(client("sqs"), props)
            resolve.values[name] = url
            resolve.attrs[name] = {"Arn": arn, "QueueName": queue_name, "QueueUrl": url}
        elif kind == "AWS::SNS::Topic":
            arn = client("sns").create_topic(Name=props["TopicName"])["TopicArn"]
            resolve.values[name] = arn
            resolve.attrs[name] = {"TopicArn": arn, "TopicName": props["TopicName"]}
        elif kind == "AWS::DynamoDB::Table":
            _table(client("dynamodb"), props)
            resolve.values[name] = props["TableName"]
            resolve.attrs[name] = {
                "Arn": f"arn:aws:dynamodb:{region}:{account}:table/{props['TableName']}"
            }
        else:
            _bucket(client("s3"), props, region)
            resolve.values[name] = props["BucketName"]
            resolve.attrs[name] = {"Arn": f"arn:aws:s3:::{props['BucketName']}"}

    variables = resources[_FUNCTION]["Properties"]["Environment"]["Variables"]
    created = {name for name, _ in typed}
    env = {}
    for key, expr in variables.items():
        needs = referenced_resources(expr, resources)
        # Values of resources that are not created locally (the CloudFront distribution in
        # SNAPSHOTS_PUBLIC_URL) are left to the caller: the local stack serves snapshots itself.
        if (key == "STAGE" or needs) and needs <= created:
            env[key] = str(resolve(expr))
    env["AWS_DEFAULT_REGION"] = region
    return env
