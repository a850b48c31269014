"""One typed settings object, read from the environment (set per stage in .chalice/config.json)."""

from __future__ import annotations

import os
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Every name and tunable the code needs. No literal table or bucket names anywhere else."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    stage: str = "dev"
    region: str = "ap-southeast-3"
    transfers_table: str
    schools_table: str
    documents_table: str
    notifications_table: str
    audit_table: str
    locks_table: str
    letters_table: str
    idempotency_table: str
    admissions_table: str
    privacy_requests_table: str
    documents_bucket: str
    snapshots_bucket: str
    uploads_queue_name: str
    allocations_queue_name: str
    notifications_topic_arn: str = ""
    jwt_issuer: str
    jwt_client_id: str
    jwks_json: str = ""
    signing_secret: str = Field(min_length=32)
    nik_hmac_key: str = Field(min_length=32)
    pii_key: str = Field(min_length=32)
    public_base_url: str = "https://api.tangerangkota.go.id/edu"
    home_kabkota_code: str = "3671"
    sla_working_days: int = Field(default=3, ge=1, le=30)
    upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    upload_url_ttl_seconds: int = Field(default=600, ge=60, le=600)
    download_url_ttl_seconds: int = Field(default=300, ge=30, le=300)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, ge=3600)
    notification_ttl_days: int = Field(default=180, ge=1)
    snapshots_public_url: str = "https://ppdb-live.tangerangkota.go.id"
    # Per-caller write limit (chalicelib.core.ratelimit): a parent's whole PPDB form with every
    # upload and re-upload is about 25 writes spread over many minutes; 60 a minute is twice
    # the fastest burst a person produces (marking a full inbox read one by one) and stops a
    # script at one write a second. Staff work queues at a desk, some with scripts: 600.
    rate_limit_window_seconds: int = Field(default=60, ge=1, le=3600)
    rate_limit_parent_writes: int = Field(default=60, ge=1)
    rate_limit_staff_writes: int = Field(default=600, ge=1)

    @property
    def jwks_url(self) -> str:
        return self.jwt_issuer.rstrip("/") + "/.well-known/jwks.json"


_ENV = {
    "stage": "STAGE",
    "region": "AWS_REGION",
    "transfers_table": "TRANSFERS_TABLE",
    "schools_table": "SCHOOLS_TABLE",
    "documents_table": "DOCUMENTS_TABLE",
    "notifications_table": "NOTIFICATIONS_TABLE",
    "audit_table": "AUDIT_TABLE",
    "locks_table": "LOCKS_TABLE",
    "letters_table": "LETTERS_TABLE",
    "idempotency_table": "IDEMPOTENCY_TABLE",
    "admissions_table": "ADMISSIONS_TABLE",
    "privacy_requests_table": "PRIVACY_REQUESTS_TABLE",
    "documents_bucket": "DOCUMENTS_BUCKET",
    "snapshots_bucket": "SNAPSHOTS_BUCKET",
    "uploads_queue_name": "UPLOADS_QUEUE_NAME",
    "allocations_queue_name": "ALLOCATIONS_QUEUE_NAME",
    "notifications_topic_arn": "NOTIFICATIONS_TOPIC_ARN",
    "jwt_issuer": "JWT_ISSUER",
    "jwt_client_id": "JWT_CLIENT_ID",
    "jwks_json": "JWKS_JSON",
    "signing_secret": "SIGNING_SECRET",
    "nik_hmac_key": "NIK_HMAC_KEY",
    "pii_key": "PII_KEY",
    "public_base_url": "PUBLIC_BASE_URL",
    "home_kabkota_code": "HOME_KABKOTA_CODE",
    "sla_working_days": "SLA_WORKING_DAYS",
    "upload_max_bytes": "UPLOAD_MAX_BYTES",
    "upload_url_ttl_seconds": "UPLOAD_URL_TTL_SECONDS",
    "download_url_ttl_seconds": "DOWNLOAD_URL_TTL_SECONDS",
    "idempotency_ttl_seconds": "IDEMPOTENCY_TTL_SECONDS",
    "notification_ttl_days": "NOTIFICATION_TTL_DAYS",
    "snapshots_public_url": "SNAPSHOTS_PUBLIC_URL",
    "rate_limit_window_seconds": "RATE_LIMIT_WINDOW_SECONDS",
    "rate_limit_parent_writes": "RATE_LIMIT_PARENT_WRITES",
    "rate_limit_staff_writes": "RATE_LIMIT_STAFF_WRITES",
}


def env_names() -> dict[str, str]:
    """Field name -> environment variable, for config and infra checks."""
    return dict(_ENV)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    values = {field: env[var] for field, var in _ENV.items() if env.get(var, "") != ""}
    if "region" not in values and env.get("AWS_DEFAULT_REGION"):
        values["region"] = env["AWS_DEFAULT_REGION"]
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings of this process, read once on first use (never at import time)."""
    return load_settings()
