"""Two web nodes and two workers on one PostgreSQL and one Redis, as separate processes: a
stream of API requests alternates between the nodes, one node and one worker are SIGKILLed in
the middle of it, and nothing is lost. Every answer served has its audit record (matched by
its X-Request-ID), every write served is in the database with its record, the surviving node
serves every request sent to it, and every reminder due goes out exactly once, those owed
after the kill through the surviving worker.

The web nodes are gunicorn as the Procfile starts it (config/gunicorn.conf.py, two sync
workers each) under the production settings (tests/integration/node_settings.py: no quiet
hours), on ports 8900 and 8901 by default (RELAIS_IT_WEB_PORT, plus twice the pytest-xdist
process's number); the workers are those of the other integration tests (stack.py). This
process is beat: it runs the reminder sweep while the stream runs and afterwards."""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.security_services import token_issue
from audit.context import request_id_from
from audit.keys import write_new_key
from audit.models import AuditEvent
from sharing import deadlines
from sharing.models import InfoRequest, Reminder, ReminderStatus, Status
from sharing.notifications.rendering import message_id_for
from sharing.reminders import ledger
from tests.factories import PURPOSE, request_in

from .stack import ROOT, all_sent, database_url, requires_stack, settle, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    requires_stack,
    pytest.mark.django_db(transaction=True),
]

WEB_PORT = int(os.environ.get("RELAIS_IT_WEB_PORT", "8900")) + 2 * int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
CLIENTS = 4
REQUESTS = 160  # in all, over the clients; the kill comes after half of them are answered
LIST = "/api/v1/requests/"


@dataclass
class Answer:
    node: int
    kind: str  # "read", "create" or "sign"
    reference: str | None
    request_id: str
    status: int | None  # None: no answer (connection refused or cut)
    after_kill: bool
    body: dict | None = None


class WebNode:
    """gunicorn as the Procfile starts it, in its own process group."""

    def __init__(self, number: int, port: int, env: dict[str, str], logs: Path) -> None:
        self.number = number
        self.url = f"http://127.0.0.1:{port}"
        self.log = logs / f"web-{number}.log"
        with self.log.open("w") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "config/gunicorn.conf.py",
                    "config.wsgi",
                ],
                cwd=ROOT,
                env={
                    **env,
                    "PORT": str(port),
                    "PROMETHEUS_MULTIPROC_DIR": str(logs / f"metrics-{number}"),
                },
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"web node {self.number} exited:\n{self.log.read_text()[-3000:]}")
        probe = urllib.request.Request(  # noqa: S310 - the node's own http URL
            self.url + "/healthz", headers={"X-Forwarded-Proto": "https"}
        )
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    def wait_ready(self) -> WebNode:
        wait_for(self.ready, timeout=60, interval=0.05, what=f"web node {self.number}")
        return self

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)  # the master and its workers
            self.process.wait(timeout=30)


def call(node: WebNode, method: str, path: str, token: str, request_id: str, body=None):
    """(status, JSON body) or (None, None) when the node gave no answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - the node's own http URL
        node.url + path,
        data=data,
        method=method,
        headers={
            "Authorization": f"Token {token}",
            "X-Request-ID": request_id,
            # What the TLS-terminating proxy in front of the nodes adds.
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "192.0.2.10",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, http.client.HTTPException):  # refused, reset or cut off by the kill
        return None, None


def new_request_id() -> str:
    """An X-Request-ID the nodes keep as it is (an opaque id, as a proxy sets it: a UUID's hex
    with no long run of digits), so that an unanswered request's record can be found too."""
    while True:
        candidate = uuid.uuid4().hex
        if request_id_from(candidate, from_proxy=True) == candidate:
            return candidate


def process_group(pgid: int) -> set[int]:
    """The ids of the processes in a process group (a worker and its pool)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                pids.add(int(entry.name))
    return pids


@pytest.fixture
def nodes(world, broker, tmp_path):
    """`nodes(wait=True)` → two web nodes, started together, then awaited (`node.wait_ready()`
    after `wait=False`); SIGKILLed at teardown."""
    started: list[WebNode] = []
    key = tmp_path / "audit-signing-key.pem"
    write_new_key(key)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "DJANGO_SETTINGS_MODULE": "tests.integration.node_settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker.url,
        "AUDIT_SIGNING_KEY_FILE": str(key),
        # The test stands for the proxy that sets each request's id.
        "AUDIT_REQUEST_ID_FROM_PROXY": "true",
        "WEB_CONCURRENCY": "2",
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }

    def start(*, wait: bool = True) -> list[WebNode]:
        launched = [WebNode(n, WEB_PORT + n, env, tmp_path) for n in (0, 1)]
        started.extend(launched)
        if wait:
            for node in launched:
                node.wait_ready()
        return launched

    yield start
    for node in started:
        node.kill()


def test_a_web_node_and_a_worker_killed_under_load_lose_no_audit_record_and_no_reminder(
    world, orgs, people, broker, workers, mailbox, nodes, settings
):
    settings.REMINDER_REQUEUE_SECONDS = 2  # messages the dead worker had taken are lost
    # The processes start while the data is written: they read none of it before they serve.
    surviving, doomed_worker = workers("survivor", "doomed", concurrency=2, wait=False)
    web = nodes(wait=False)
    # Requests to read, past their acknowledgement deadline: reminders are owed at once.
    readable = [request_in(Status.SUBMITTED, orgs.montelimar).reference for _ in range(6)]
    passed = deadlines.subtract_business_days(timezone.localdate(), 2, departement_code="26")
    InfoRequest.objects.filter(reference__in=readable).update(acknowledgement_due=passed)
    tokens = {
        user.username: token_issue(
            user=user, name="node test", second_factor=True, actor=user
        ).secret
        for user in (people.liaison, people.legal_officer, people.mayor)
    }
    reader, author, signer = (
        tokens[people.liaison.username],
        tokens[people.legal_officer.username],
        tokens[people.mayor.username],
    )
    for process in (*web, surviving, doomed_worker):
        process.wait_ready()
    doomed_pids = process_group(doomed_worker.process.pid)

    answers: list[Answer] = []
    lock = threading.Lock()
    killed = threading.Event()
    issued = iter(range(REQUESTS))

    def client(number: int) -> None:
        drafts: list[str] = []
        for index in issued:  # shared: the clients take the next request number in turn
            node = web[(number + index) % 2]
            request_id = new_request_id()
            after_kill = killed.is_set()
            if index % 8 == 3:
                kind, reference = "create", None
                body = {
                    "category": "general-threat-briefing",
                    "legal_basis": "instruction-intk1826096j",
                    "purpose": PURPOSE,
                }
                status, payload = call(node, "POST", LIST, author, request_id, body)
                if status == 201:
                    drafts.append(payload["reference"])
            elif index % 8 == 7 and drafts:
                kind, reference = "sign", drafts.pop()
                status, payload = call(node, "POST", f"{LIST}{reference}/sign/", signer, request_id)
            else:
                kind, reference = "read", readable[index % len(readable)]
                status, payload = call(node, "GET", f"{LIST}{reference}/", reader, request_id)
            with lock:
                answers.append(
                    Answer(node.number, kind, reference, request_id, status, after_kill, payload)
                )

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(answers) >= REQUESTS // 2, timeout=60, what="half the stream")
    web[1].kill()
    doomed_worker.kill()
    killed.set()
    mailed_before_kill = len(mailbox.messages())
    for thread in threads:
        while thread.is_alive():
            ledger.sweep()  # this process is beat meanwhile
            thread.join(timeout=1)
    # A write served by the surviving node after the kill: its reminders are owed after it.
    late = request_in(Status.DRAFT, orgs.montelimar)
    request_id = new_request_id()
    status, _ = call(web[0], "POST", f"{LIST}{late.reference}/sign/", signer, request_id)
    answers.append(Answer(0, "sign", late.reference, request_id, status, True))

    # The surviving node answered everything sent to it, before and after the kill; the dead
    # one refused or cut what was sent to it afterwards, and never answered with an error.
    assert len(answers) == REQUESTS + 1
    assert {a.status for a in answers if a.node == 0} <= {200, 201}
    assert [a for a in answers if a.node == 0 and a.after_kill and a.kind == "read"]
    assert {a.status for a in answers if a.node == 1} <= {200, 201, None}
    assert all(a.status is None for a in answers if a.node == 1 and a.after_kill)
    served = [a for a in answers if a.status is not None]
    unanswered = [a for a in answers if a.status is None]
    assert unanswered  # the kill cut something off

    # Every answer served has its audit record, once; an unanswered request may have one (the
    # node died after its transaction committed), but only one sent to the node that died.
    events = AuditEvent.objects.filter(request_id__in=[a.request_id for a in answers])
    recorded = {}
    for event in events.values("request_id", "action", "target_ref"):
        assert event["request_id"] not in recorded, "two records for one request"
        recorded[event["request_id"]] = event
    action = {"read": "request.viewed", "create": "request.created", "sign": "request.signed"}
    for answer in served:
        event = recorded.get(answer.request_id)
        assert event is not None, f"no audit record for a served {answer.kind}"
        assert event["action"] == action[answer.kind]
        reference = answer.reference or answer.body["reference"]
        assert event["target_ref"] == reference
    assert all(a.node == 1 for a in unanswered if a.request_id in recorded)
    reads = [a for a in served if a.kind == "read"]
    viewed = events.filter(action="request.viewed")
    assert viewed.count() - len(reads) == sum(
        1 for a in unanswered if a.kind == "read" and a.request_id in recorded
    )
    # Every write served is there.
    created = [a.body["reference"] for a in served if a.kind == "create"]
    assert InfoRequest.objects.filter(reference__in=created).count() == len(created)
    signed = [a.reference for a in served if a.kind == "sign"]
    assert signed
    assert late.reference in signed
    assert not InfoRequest.objects.filter(reference__in=signed, status=Status.DRAFT).exists()

    # Every reminder owed went out exactly once; those mailed after the kill by the survivor.
    all_sent(timeout=40, sweep_every=0.5)
    settle(broker, [surviving])
    rows = list(Reminder.objects.all())
    assert rows
    assert {row.status for row in rows} == {ReminderStatus.SENT}
    sent = mailbox.ids()
    assert {message_id: n for message_id, n in sent.items() if n > 1} == {}
    assert set(sent) == {message_id_for(row) for row in rows}
    survivor_pids = process_group(surviving.process.pid)
    after_kill = mailbox.messages()[mailed_before_kill:]
    assert after_kill
    assert {message["pid"] for message in after_kill} <= survivor_pids
    assert not survivor_pids & doomed_pids
    assert surviving.process.poll() is None
    assert web[0].ready()
