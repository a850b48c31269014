"""The merge template's hardening, checked on infra/resources.json itself (fast, no packaging):
API access logs that never hold a path id, a query string or a token; the optional WAF that
exists only under its condition and is off by default; the stage throttle and the concurrency
limits as described parameters; every checkov skip with a reason."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from local.resources import load_template, referenced_resources

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "infra" / "resources.json")
PARAMETERS: dict[str, Any] = TEMPLATE["Parameters"]
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
# What an API access log line may hold: ids, timings, the route TEMPLATE (resourcePath, e.g.
# /v1/transfers/{transfer_id}), the caller's pseudonymous subject and source IP. Not the
# concrete path ($context.path holds ids), no query string, no header (Authorization), no body.
ALLOWED_ACCESS_LOG_VARIABLES = {
    "$context.requestId", "$context.extendedRequestId", "$context.requestTimeEpoch",
    "$context.requestTime", "$context.identity.sourceIp", "$context.authorizer.principalId",
    "$context.httpMethod", "$context.resourcePath", "$context.status", "$context.protocol",
    "$context.responseLength", "$context.responseLatency", "$context.integrationLatency",
    "$context.integrationStatus", "$context.error.responseType", "$context.error.message",
    "$context.wafResponseCode", "$context.stage",
}  # fmt: skip


def access_log() -> tuple[dict[str, Any], dict[str, str]]:
    setting = RESOURCES["RestAPI"]["Properties"]["AccessLogSetting"]
    return setting, json.loads(setting["Format"])


def test_api_access_logs_are_json_to_a_log_group_with_retention() -> None:
    setting, fields = access_log()
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    group = RESOURCES["ApiAccessLogGroup"]
    assert group["Type"] == "AWS::Logs::LogGroup"
    assert group["Properties"]["RetentionInDays"] == 90
    for needed in ("$context.requestId", "$context.httpMethod", "$context.resourcePath",
                   "$context.status", "$context.responseLatency", "$context.integrationLatency",
                   "$context.error.message"):  # fmt: skip
        assert needed in fields.values(), needed
    # API Gateway needs the account-level CloudWatch role before a stage may log
    account = RESOURCES["ApiGatewayAccount"]
    assert account["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]
    }
    assert "ApiGatewayAccount" in RESOURCES["RestAPI"]["DependsOn"]
    assert RESOURCES["RestAPI"]["Properties"]["TracingEnabled"] is True


def test_api_access_log_holds_no_path_id_query_string_or_token() -> None:
    setting, fields = access_log()
    text = setting["Format"].lower()
    assert "$context.path" not in text  # the concrete path: /v1/transfers/<id>
    assert "query" not in text and "$input" not in text and "$method" not in text
    assert "authorization" not in text and "token" not in text and "useragent" not in text
    for name, value in fields.items():
        assert re.fullmatch(r"\$context\.[A-Za-z.]+", value), f"{name}: one variable per field"
        assert value in ALLOWED_ACCESS_LOG_VARIABLES, f"{name}: {value} is not allowed"


def is_waf(resource: dict[str, Any]) -> bool:
    return str(resource.get("Type", "")).startswith("AWS::WAFv2::")


def test_waf_is_optional_off_by_default_with_its_cost_written() -> None:
    enable = PARAMETERS["EnableWaf"]
    assert enable["Default"] == "false"
    assert set(enable["AllowedValues"]) == {"true", "false"}
    for cost in ("USD 5 per web ACL per month", "USD 1 per rule per month",
                 "USD 0.60 per million requests"):  # fmt: skip
        assert cost in enable["Description"]
    assert TEMPLATE["Conditions"]["WafEnabled"] == {"Fn::Equals": [{"Ref": "EnableWaf"}, "true"]}
    waf = {n: r for n, r in RESOURCES.items() if is_waf(r)}
    assert {r["Type"] for r in waf.values()} == {
        "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"
    }  # fmt: skip
    assert all(r.get("Condition") == "WafEnabled" for r in waf.values())
    # nothing created without the condition may reference a WAF resource (the stack would fail
    # to deploy with EnableWaf=false)
    for name, resource in RESOURCES.items():
        if resource.get("Condition") != "WafEnabled":
            assert not referenced_resources(resource, RESOURCES) & set(waf), name
    assert not referenced_resources(TEMPLATE.get("Outputs", {}), RESOURCES) & set(waf)


def test_waf_limits_requests_per_ip_on_the_api_stage() -> None:
    acl = RESOURCES["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    (rate,) = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "WafRateLimitPerIp"}
    assert PARAMETERS["WafRateLimitPerIp"]["Description"]
    block = rate["Action"]["Block"]["CustomResponse"]
    assert block["ResponseCode"] == 429
    body = json.loads(acl["CustomResponseBodies"][block["CustomResponseBodyKey"]]["Content"])
    assert body["code"] == "too_many_requests" and body["status"] == 429
    association = RESOURCES["ApiWebAclAssociation"]["Properties"]
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    arn = association["ResourceArn"]["Fn::Sub"]
    assert arn.endswith("/restapis/${RestAPI}/stages/${RestAPI.Stage}")


def test_stage_throttle_and_concurrency_limits_are_described_parameters() -> None:
    (settings,) = RESOURCES["RestAPI"]["Properties"]["MethodSettings"]
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRateLimit"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurstLimit"}
    for name in ("ApiThrottleRateLimit", "ApiThrottleBurstLimit", "ApiReservedConcurrency",
                 "AuthorizerReservedConcurrency", "UploadsReservedConcurrency",
                 "AllocationsReservedConcurrency"):  # fmt: skip
        parameter = PARAMETERS[name]
        assert parameter["Type"] == "Number" and parameter["MinValue"] >= 1, name
        assert str(parameter["Default"]) in parameter["Description"], name  # says its number
    functions = {"APIHandler": "ApiReservedConcurrency", "JwtAuth": "AuthorizerReservedConcurrency",
                 "OnUploadEvent": "UploadsReservedConcurrency",
                 "OnAllocationRequest": "AllocationsReservedConcurrency"}  # fmt: skip
    for function, parameter in functions.items():
        props = RESOURCES[function]["Properties"]
        assert props["ReservedConcurrentExecutions"] == {"Ref": parameter}, function


def test_buckets_log_access_to_the_logs_bucket() -> None:
    logs = RESOURCES["LogsBucket"]["Properties"]
    assert set(logs["PublicAccessBlockConfiguration"].values()) == {True}
    # S3 server access logs can only be delivered to an SSE-S3 bucket
    (sse,) = logs["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    for name in ("DocumentsBucket", "SnapshotsBucket"):
        bucket = RESOURCES[name]
        logging = bucket["Properties"]["LoggingConfiguration"]
        assert logging["DestinationBucketName"] == logs["BucketName"], name
        assert "LogsBucketPolicy" in bucket["DependsOn"], name
    (allow,) = [s for s in RESOURCES["LogsBucketPolicy"]["Properties"]["PolicyDocument"][
        "Statement"] if s["Effect"] == "Allow"]  # fmt: skip
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_every_checkov_skip_in_the_template_has_a_reason() -> None:
    skips = [(name, s) for name, r in RESOURCES.items()
             for s in r.get("Metadata", {}).get("checkov", {}).get("skip", [])]  # fmt: skip
    assert skips
    for name, item in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", item["id"]), name
        assert len(item["comment"].split()) >= 12, f"{name} {item['id']}: say why"
    # the encryption findings are on resources that ARE encrypted, or cannot use the AWS key
    queues = [n for n, r in RESOURCES.items() if r.get("Type") == "AWS::SQS::Queue"]
    assert all(RESOURCES[q]["Properties"]["SqsManagedSseEnabled"] is True for q in queues)
    assert RESOURCES["NotificationsTopic"]["Properties"]["KmsMasterKeyId"] == "alias/aws/sns"
