"""/metrics: closed unless a token or an allowed address is shown; counts requests by route
pattern; reads the queue, the reminders ledger and the checkpoints at scrape time."""

import os
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from audit.services import checkpoint_issue
from sharing.models import Reminder, ReminderKind, ReminderStatus, Status
from tests.audit.conftest import raw_key
from tests.factories import request_in

TOKEN = "metrics-test-token"


def scrape(client) -> dict[str, float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.METRICS_ALLOWED_IPS = []


def test_metrics_answer_404_when_neither_token_nor_addresses_are_configured(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = []
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_answer_404_to_a_wrong_token(client, token):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 404
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_metrics_answer_an_allowed_network_without_token(client, settings):
    settings.METRICS_TOKEN = ""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 404


@pytest.mark.django_db
def test_requests_are_counted_by_route_pattern_not_by_path(client, token):
    client.get("/healthz")
    client.get("/healthz?who=someone")
    samples = scrape(client)
    key = "relais_http_requests_total{method=GET,route=healthz,status=200}"
    assert samples[key] >= 2
    assert not [name for name in samples if "someone" in name]
    assert samples["relais_http_request_duration_seconds_count{method=GET,route=healthz}"] >= 2


@pytest.mark.django_db
def test_reminders_owed_and_sent_are_read_from_the_ledger(client, token, orgs, liaison):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    now = timezone.now()
    common = {"info_request": info_request, "user": liaison, "send_after": now}
    before = scrape(client)
    Reminder.objects.create(
        kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE,
        due_on=now.date(),
        next_attempt_at=now - timedelta(minutes=3),
        **common,
    )
    Reminder.objects.create(
        kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE,
        due_on=now.date() + timedelta(days=1),
        next_attempt_at=now + timedelta(minutes=5),
        **common,
    )
    Reminder.objects.create(
        kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE,
        due_on=now.date() - timedelta(days=1),
        next_attempt_at=now,
        status=ReminderStatus.SENT,
        sent_at=now - timedelta(minutes=1),
        **common,
    )
    after = scrape(client)
    assert after["relais_reminders_owed"] == before["relais_reminders_owed"] + 1
    assert after["relais_reminders_waiting"] == before["relais_reminders_waiting"] + 1
    assert after["relais_reminders_sent_last_hour"] == before["relais_reminders_sent_last_hour"] + 1
    assert after["relais_reminders_oldest_owed_seconds"] >= 180
    assert after["relais_metrics_collect_errors{part=reminders}"] == 0


@pytest.mark.django_db
def test_checkpoint_age_is_read_from_the_last_checkpoint(client, token, settings):
    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_SIGNING_KEY_FILE = ""
    checkpoint_issue()
    samples = scrape(client)
    assert 0 <= samples["relais_audit_checkpoint_age_seconds"] < 60
    assert samples["relais_metrics_collect_errors{part=audit}"] == 0


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="the queue depth is read from a Redis broker"
)
def test_queue_length_is_read_from_the_redis_list_of_the_queue(client, token):
    from redis import Redis

    from config.celery import app

    redis = Redis.from_url(app.conf.broker_url)
    marker = f"metrics-test-{uuid.uuid4().hex}"
    before = scrape(client)["relais_celery_queue_length{queue=celery}"]
    redis.rpush("celery", marker, marker, marker)
    try:
        after = scrape(client)["relais_celery_queue_length{queue=celery}"]
    finally:
        redis.lrem("celery", 0, marker)
    assert after == before + 3
