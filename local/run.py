"""The embedded local stack (``make run`` / ``python -m local.run``).

One process, all on 127.0.0.1:
* moto's ThreadedMotoServer, with the tables, bucket (S3 -> SQS notification), queues and topics
  of infra/resources.json (local.resources);
* the Chalice app behind chalice's LocalDevServer with the API front of local.gateway: API
  Gateway's own errors (missing token, authorizer deny, unknown route, over-long URL) answered
  as problem+json, ``GET /snapshots/<key>`` standing in for the CloudFront distribution of the
  public PPDB snapshots (SNAPSHOTS_PUBLIC_URL points there), ``GET /.well-known/jwks.json`` for
  the issuer's keys (the dev issuer of a run is its API URL), an access log without query
  strings or path ids, and a backlog for 100 clients connecting at once;
* the event side Chalice local lacks: SQS pollers feeding the uploads queue and the allocations
  queue to their handlers (partial-batch semantics) and a scheduler firing every ``@schedule``
  function (daily crons and rates such as ``rate(5 minutes)``).

``start_stack`` is shared by ``main`` and tests/e2e. Dev tokens, keys and secrets are per run.
"""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import logging
import os
import re
import secrets
import shlex
import signal
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from chalice.local import LambdaContext, LocalDevServer

from local.gateway import (  # noqa: F401 - re-exported: tests and tools import them from here
    JWKS_PATH,
    SNAPSHOTS_PATH,
    TEMPLATE,
    BucketSnapshots,
    GatewayProblemHandler,
    GatewayResponse,
    LocalApiServer,
    gateway_error_type,
    load_gateway_responses,
    snapshot_key,
    snapshot_response,
)
from local.summary import describe

ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"
STATE_DIR = ROOT / ".local"
HOST = "127.0.0.1"
REGION = "ap-southeast-3"
STAGE = "local"
ACCOUNT = "123456789012"
POLL_WAIT_SECONDS = 2
PASSTHROUGH_ENV = ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_METRICS_DISABLED", "POWERTOOLS_DEV")
# Variables that would send boto3 elsewhere than the local moto server.
SHADOWING_ENV = (
    "AWS_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SNS",
    "AWS_ENDPOINT_URL_STS",
)


def log(message: str) -> None:
    print(f"[local] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Environment, caches, tokens
# --------------------------------------------------------------------------------------------


def settings_env(moto_url: str, api_url: str, keys: Any) -> dict[str, str]:
    """Everything the settings need that local.resources does not provide (random per run)."""
    env = {
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "STAGE": STAGE,
        "JWT_ISSUER": keys.issuer,
        "JWT_CLIENT_ID": keys.client_id,
        "JWKS_JSON": keys.jwks_json,
        "SIGNING_SECRET": secrets.token_hex(32),
        "NIK_HMAC_KEY": secrets.token_hex(32),
        "PII_KEY": secrets.token_hex(32),
        "PUBLIC_BASE_URL": api_url,
        "SNAPSHOTS_PUBLIC_URL": api_url + SNAPSHOTS_PATH.rstrip("/"),
        "POWERTOOLS_SERVICE_NAME": "tangerang-live-edu",
        "POWERTOOLS_METRICS_NAMESPACE": "TangerangLiveEdu",
        "POWERTOOLS_LOG_LEVEL": "INFO",
        "POWERTOOLS_METRICS_DISABLED": "true",  # EMF blobs per request drown the console
    }
    env |= {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
    return env


def apply_env(env: dict[str, str]) -> Callable[[], None]:
    """Set ``env`` (and drop variables that would point boto3 elsewhere); returns an undo."""
    keys = set(env) | set(SHADOWING_ENV)
    saved = {k: os.environ.get(k) for k in keys}
    for key in SHADOWING_ENV:
        os.environ.pop(key, None)
    os.environ.update(env)

    def restore() -> None:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    return restore


def _models(roots: list[Any]) -> list[Any]:
    """The models and every subclass of PynamoDB's Model (e.g. a second view of one table)."""
    from pynamodb.models import Model

    found, todo = list(roots), list(Model.__subclasses__())
    while todo:
        cls = todo.pop()
        todo += cls.__subclasses__()
        if cls not in found and "Meta" in vars(cls):
            found.append(cls)
    return found


def reset_caches() -> None:
    """Forget settings, clients and connections built from a previous environment."""
    from chalicelib import wiring
    from chalicelib.core import auth, aws, idempotency, settings
    from chalicelib.core.dynamo import all_models, reset_connections

    settings.get_settings.cache_clear()
    aws.reset_clients()
    wiring.reset()
    auth.verifier.cache_clear()
    idempotency._runner.cache_clear()
    reset_connections()
    for model in _models(all_models()):
        model._connection = None


def mint_tokens(keys: Any) -> dict[str, str]:
    from local.seed import USERS

    return {u.key: keys.token(u.sub, u.role, npsn=u.npsn, name=u.name) for u in USERS}


# --------------------------------------------------------------------------------------------
# Event side: SQS poller and scheduler
# --------------------------------------------------------------------------------------------


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping would deliver for ``messages``."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": m.get("MessageAttributes", {}),
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
            for m in messages
        ]
    }


@cache
def function_limits(name: str) -> tuple[int, int]:
    """(memory MB, timeout s) of a function as .chalice/config.json deploys it (stage prod)."""
    stage = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"]["prod"]
    own = stage.get("lambda_functions", {}).get(name, {})
    memory = own.get("lambda_memory_size", stage.get("lambda_memory_size", 128))
    timeout = own.get("lambda_timeout", stage.get("lambda_timeout", 60))
    return int(memory), int(timeout)


@dataclass(frozen=True)
class AppFunction:
    """One function of the app invoked the way Lambda does: its registered handler (with the
    app's middleware) and a context with its configured memory and timeout."""

    name: str

    def __call__(self, event: dict[str, Any]) -> Any:
        from app import app

        memory, timeout = function_limits(self.name)
        context = LambdaContext(self.name, memory, timeout * 1000)
        return app.handler_map[self.name](event, context)


def sqs_functions() -> dict[str, int]:
    """Name -> batch size of every @on_sqs_message function of the app."""
    from chalice.app import SQSEventConfig

    from app import app

    return {e.name: e.batch_size for e in app.event_sources if isinstance(e, SQSEventConfig)}


UPLOAD_POLLERS = 2


class QueuePoller(threading.Thread):
    """Long-polls one queue and runs a handler on each batch, as Lambda's SQS event source
    mapping would: only messages not reported in batchItemFailures are deleted; if the handler
    raises, the whole batch stays and comes back after the visibility timeout."""

    def __init__(
        self,
        sqs: Any,
        queue_name: str,
        handler: Callable[[dict[str, Any]], Any],
        stop: threading.Event,
        *,
        function: str,
        batch_size: int = 10,
        quiet: bool = False,
    ) -> None:
        super().__init__(name=f"{function}-poller", daemon=True)
        self.sqs, self.handler, self.stop, self.quiet = sqs, handler, stop, quiet
        self.function, self.queue_name, self.batch_size = function, queue_name, batch_size
        self.url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        self.arn = attrs["Attributes"]["QueueArn"]

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except Exception:  # noqa: BLE001 - keep polling; Lambda would retry too
                if not self.stop.is_set():
                    traceback.print_exc()
                    self.stop.wait(1)

    def poll_once(self, wait_seconds: int = POLL_WAIT_SECONDS) -> int:
        got = self.sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"], MessageAttributeNames=["All"],
        )  # fmt: skip
        messages = got.get("Messages", [])
        if not messages:
            return 0
        result = self.handler(sqs_event(messages, self.arn)) or {}
        failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        if not self.quiet:
            log(
                f"{self.function}: {len(messages) - len(failed)} handled, "
                f"{len(failed)} left for retry"
            )
        return len(messages)


def _upload_handler(event: dict[str, Any]) -> Any:
    from chalicelib.documents.handlers import process

    return process(event, None)


class UploadPoller(QueuePoller):
    """The uploads queue -> the upload handler's batch processing (also drains uploads in tests)."""

    def __init__(
        self, sqs: Any, queue_name: str, stop: threading.Event, *, quiet: bool = False
    ) -> None:
        super().__init__(
            sqs, queue_name, _upload_handler, stop, function="on_upload_event", quiet=quiet
        )


def event_pollers(sqs: Any, env: dict[str, str], stop: threading.Event) -> list[QueuePoller]:
    """Pollers of every SQS-triggered function, on the queue its event source names in
    infra/resources.json (UploadsQueue, AllocationsQueue), with the decorator's batch size.
    Uploads get UPLOAD_POLLERS concurrent pollers, as Lambda runs several instances of the
    upload handler at once (the template allows 5)."""
    batch = sqs_functions()
    return [
        *(UploadPoller(sqs, env["UPLOADS_QUEUE_NAME"], stop) for _ in range(UPLOAD_POLLERS)),
        QueuePoller(
            sqs,
            env["ALLOCATIONS_QUEUE_NAME"],
            AppFunction("on_allocation_request"),
            stop,
            function="on_allocation_request",
            batch_size=batch["on_allocation_request"],
        ),
    ]


def scheduled_jobs() -> dict[str, Any]:
    """Name -> schedule expression of every @schedule function of the app."""
    from chalice.app import ScheduledEventConfig

    from app import app

    return {
        e.name: e.schedule_expression
        for e in app.event_sources
        if isinstance(e, ScheduledEventConfig)
    }


def scheduled_event(name: str, now: datetime) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/tl-edu-{STAGE}-{name}"],
        "detail": {},
    }


def invoke_scheduled(name: str, now: datetime | None = None) -> Any:
    """Run one scheduled function now, through the app's registered handler (with middleware)."""
    if name not in scheduled_jobs():
        raise KeyError(name)
    return AppFunction(name)(scheduled_event(name, now or datetime.now(UTC)))


_RATE = re.compile(r"rate\((\d+) (minute|hour|day)s?\)")
_DAILY_CRON = re.compile(r"cron\((\d{1,2}) (\d{1,2}) \* \* \? \*\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def next_fire(expression: Any, now: datetime) -> datetime:
    """Next run strictly after ``now`` of ``rate(N minutes|hours|days)`` (on the multiples of
    its interval since the epoch, UTC) or of a daily ``cron(m h * * ? *)``. Chalice's Rate and
    Cron objects or their strings. Anything else raises ValueError: not run locally."""
    text = expression if isinstance(expression, str) else expression.to_string()
    if rate := _RATE.fullmatch(text):
        step = int(rate.group(1)) * _UNIT_SECONDS[rate.group(2)]
        if step <= 0:
            raise ValueError(text)
        slot = int(now.timestamp()) // step + 1
        return datetime.fromtimestamp(slot * step, UTC)
    if cron := _DAILY_CRON.fullmatch(text):
        minute, hour = int(cron.group(1)), int(cron.group(2))
        due = now.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
        return due if due > now else due + timedelta(days=1)
    raise ValueError(f"not a rate or daily cron expression: {text}")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Scheduler(threading.Thread):
    """Fires each job at its own next time; jobs due together (07:00 WIB) all run, in turn."""

    def __init__(
        self,
        jobs: dict[str, Any],
        stop: threading.Event,
        invoke: Callable[[str, datetime], Any] = invoke_scheduled,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.jobs, self.stop, self.invoke, self.clock = jobs, stop, invoke, clock
        start = clock()
        self.due = {name: next_fire(e, start) for name, e in jobs.items()}

    def run(self) -> None:
        while self.jobs and not self.stop.is_set():
            if self.stop.wait(max(0.0, self.run_due())):
                return

    def run_due(self) -> float:
        """Run every job that is due (earliest first); seconds until the next one is due."""
        for name in sorted(self.due, key=lambda n: (self.due[n], n)):
            fired = self.due[name]
            if fired > self.clock():
                break
            try:
                log(f"scheduled {describe(name, self.invoke(name, fired))}")
            except Exception:  # noqa: BLE001 - a failed run must not stop the scheduler
                traceback.print_exc()
            # the slot after this one, or after now if the run outlasted its interval
            self.due[name] = next_fire(self.jobs[name], max(fired, self.clock()))
        if not self.due:
            return 0.0
        return (min(self.due.values()) - self.clock()).total_seconds()


def runnable_jobs() -> dict[str, Any]:
    jobs = {}
    for name, expression in scheduled_jobs().items():
        try:
            next_fire(expression, datetime.now(UTC))
            jobs[name] = expression
        except (AttributeError, ValueError):
            log(f"schedule of {name} is not a rate or daily cron; run it: make job NAME={name}")
    return jobs


# --------------------------------------------------------------------------------------------
# The stack
# --------------------------------------------------------------------------------------------


@dataclass
class Stack:
    api_url: str = ""
    moto_url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    seeded: dict[str, Any] = field(default_factory=dict)
    keys: Any = None
    state_dir: Path | None = None
    _moto: Any = None
    _api: LocalDevServer | None = None
    _api_thread: threading.Thread | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _restore_env: Callable[[], None] | None = None

    def stop(self) -> None:
        """Stop workers, the API and moto; restore the environment. Safe to call twice."""
        self._stopping.set()
        if self._api is not None:
            if self._api_thread is not None:  # shutdown() waits for serve_forever to return
                self._api.shutdown()
                self._api_thread.join()
            self._api.server.server_close()
            self._api, self._api_thread = None, None
        for thread in self._threads:
            thread.join(timeout=POLL_WAIT_SECONDS + 3)
        self._threads = []
        if self._restore_env is not None:
            self._restore_env()
            self._restore_env = None
            reset_caches()
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        if self.state_dir is not None:
            (self.state_dir / "stack.env").unlink(missing_ok=True)
            (self.state_dir / "dev-signing-key.pem").unlink(missing_ok=True)


def start_moto(port: int = 0) -> tuple[Any, str]:
    """moto in server mode on 127.0.0.1 (the local stack, the tests and the benchmarks)."""
    from moto.server import ThreadedMotoServer

    from local import s3_guard
    from local.emulator import make_dynamodb_serialisable

    make_dynamodb_serialisable()  # atomic, serialisable transactions like DynamoDB's
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per AWS call otherwise
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    s3_guard.protect(server)  # presigned POST policies, signatures and expiry, as S3 enforces
    host, bound = server.get_host_and_port()
    return server, f"http://{host}:{bound}"


def thread_local_requests(app: Any) -> None:
    """What chalice.local.create_local_server does: current_request per thread (threaded server)."""
    from chalice.local import CustomLocalChalice, LocalChalice

    if not isinstance(app, LocalChalice):
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice


def _bind_api(port: int, jwks: Callable[[], str | None]) -> LocalDevServer:
    from functools import partial

    from chalice.config import Config

    from app import app

    thread_local_requests(app)
    config = Config.create(
        chalice_stage=STAGE, app_name=app.app_name, lambda_timeout=60, lambda_memory_size=512
    )
    handler = partial(
        GatewayProblemHandler,
        responses=load_gateway_responses(),
        snapshots=BucketSnapshots(),
        jwks=jwks,
    )
    return LocalDevServer(app, config, HOST, port, handler_cls=handler, server_cls=LocalApiServer)


class PoolFullFilter(logging.Filter):
    """urllib3 says "Connection pool is full, discarding connection" whenever more threads than
    a boto3 client's pool (10) call moto at once, e.g. 100 concurrent requests: harmless (the
    connection is closed instead of kept) and alarming on the console. Its other warnings stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Connection pool is full")


def quiet_pool_warnings() -> None:
    pool_logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, PoolFullFilter) for f in pool_logger.filters):
        pool_logger.addFilter(PoolFullFilter())


def _provision(stack: Stack, keys: Any, seed: bool) -> None:
    from chalicelib.core.settings import load_settings
    from chalicelib.wiring import deps
    from local import seed as demo
    from local.resources import create_resources

    stack.keys = keys
    stack.env = settings_env(stack.moto_url, stack.api_url, keys)
    stack._restore_env = apply_env(stack.env)
    created = create_resources(endpoint_url=stack.moto_url, stage=STAGE, region=REGION)
    stack.env |= created
    os.environ.update(created)
    load_settings()  # fail here, clearly, if a variable is missing
    reset_caches()
    stack.seeded = demo.seed(deps()) if seed else {}
    stack.tokens = mint_tokens(keys)


def _start_workers(stack: Stack, scheduler: bool) -> None:
    import boto3

    assert stack._api is not None
    sqs = boto3.session.Session().client("sqs", endpoint_url=stack.moto_url, region_name=REGION)
    workers: list[threading.Thread] = list(event_pollers(sqs, stack.env, stack._stopping))
    if scheduler:
        workers.append(Scheduler(runnable_jobs(), stack._stopping))
    stack._threads = workers
    for thread in workers:
        thread.start()
    serve = threading.Thread(target=stack._api.server.serve_forever, name="api", daemon=True)
    serve.start()
    stack._api_thread = serve


def start_stack(
    api_port: int = 0,
    seed: bool = True,
    *,
    moto_port: int = 0,
    state_dir: Path | None = None,
    scheduler: bool = True,
) -> Stack:
    """Start moto, create the resources, seed, serve the API and run the event side."""
    from local import devauth

    stack = Stack()
    quiet_pool_warnings()
    try:
        stack._moto, stack.moto_url = start_moto(moto_port)
        stack._api = _bind_api(api_port, jwks=lambda: stack.keys.jwks_json if stack.keys else None)
        stack.api_url = f"http://{HOST}:{stack._api.server.server_address[1]}"
        # The dev issuer is the API itself: {issuer}/.well-known/jwks.json is served (as Cognito)
        _provision(stack, dataclasses.replace(devauth.generate(), issuer=stack.api_url), seed)
        _start_workers(stack, scheduler)
        if state_dir is not None:
            write_state(stack, state_dir)
    except BaseException:
        stack.stop()
        raise
    return stack


# --------------------------------------------------------------------------------------------
# State files and banner
# --------------------------------------------------------------------------------------------


def _write_private(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")


def token_lines(stack: Stack) -> list[str]:
    lines = [f"export API={shlex.quote(stack.api_url)}"]
    lines += [f"export TOKEN_{k.upper()}={shlex.quote(v)}" for k, v in stack.tokens.items()]
    for key in ("ppdb_open_period", "ppdb_closed_period"):  # the PPDB demo periods (seed)
        if key in stack.seeded:
            lines.append(f"export {key.upper()}={shlex.quote(str(stack.seeded[key]))}")
    return lines


def write_state(stack: Stack, state_dir: Path) -> None:
    """.local/stack.env (read by local.job) and .local/tokens.env (``source`` it); git-ignored."""
    stack.state_dir = state_dir
    env = stack.env | {"LOCAL_API_URL": stack.api_url, "LOCAL_STACK_PID": str(os.getpid())}
    _write_private(state_dir / "stack.env", [f"{k}={shlex.quote(v)}" for k, v in env.items()])
    _write_private(state_dir / "tokens.env", token_lines(stack))
    if stack.keys is not None:  # lets `make token` mint more dev tokens for this run only
        _write_private(state_dir / "dev-signing-key.pem", [stack.keys.private_pem.strip()])


def banner(stack: Stack) -> str:
    from local.seed import SCHOOLS, USERS

    schools = {d.school.npsn: d.school for d in SCHOOLS}
    users = "\n".join(
        f"  TOKEN_{u.key.upper():<15} {u.sub:<22} {u.role:<16} "
        + (f"{schools[u.npsn].name} ({u.npsn})" if u.npsn in schools else u.name)
        for u in USERS
    )
    seeded = (
        f"{len(stack.seeded['schools'])} schools (NPSNs are invented demo values)"
        if stack.seeded
        else "none (--no-seed)"
    )
    return f"""
================ Tangerang Live education API (local stack, stage '{STAGE}') ================
  API      {stack.api_url}      e.g. curl {stack.api_url}/v1/health
  moto     {stack.moto_url}     (AWS_ENDPOINT_URL; in-memory, gone on exit)
  events   SQS {stack.env.get("UPLOADS_QUEUE_NAME")} -> on_upload_event (poller thread)
           SQS {stack.env.get("ALLOCATIONS_QUEUE_NAME")} -> on_allocation_request (poller thread)
           transfer_reminders, admission_reminders daily 00:00 UTC = 07:00 WIB;
           admissions_tick every 5 min, admission_release every 15 min
           run one now: make job NAME=admissions_tick
  snapshots {stack.env.get("SNAPSHOTS_PUBLIC_URL")}/ppdb/...  (stands in for CloudFront)
  contract {stack.api_url}/v1/openapi.json   JWKS {stack.api_url}{JWKS_PATH} (dev issuer)
  seeded   {seeded}
  users (dev tokens valid 12 h, signed by this run's key):
{users}

{chr(10).join(token_lines(stack))}

  (also in {STATE_DIR.relative_to(ROOT)}/tokens.env:  source .local/tokens.env)
  curl -H "Authorization: Bearer $TOKEN_PARENT" $API/v1/schools
  Ctrl-C stops everything.
=============================================================================================
"""


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.run", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000, help="API port (0 = any free port)")
    parser.add_argument("--moto-port", type=int, default=0, help="moto port (0 = any free port)")
    parser.add_argument("--no-seed", action="store_true", help="start with empty tables")
    parser.add_argument("--no-scheduler", action="store_true", help="do not fire schedules")
    return parser.parse_args(argv)


def port_in_use(port: int, moto_port: int, reason: str) -> str:
    """What to do when a port is taken, in the command the newcomer typed (make run)."""
    moto = f" or {moto_port} (moto, --moto-port)" if moto_port else ""
    return (
        f"{reason}: port {port} (API){moto} is taken, perhaps by another `make run`.\n"
        f"  Choose another port: make run PORT={port + 1 if port else 8001}"
        f"   (PORT=0: any free port; python -m local.run --port {port + 1 if port else 8001})"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        stack = start_stack(
            args.port,
            seed=not args.no_seed,
            moto_port=args.moto_port,
            state_dir=STATE_DIR,
            scheduler=not args.no_scheduler,
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        log(port_in_use(args.port, args.moto_port, exc.strerror))
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(banner(stack), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        log("stopping ...")
        stack.stop()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
