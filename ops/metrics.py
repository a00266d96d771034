"""Prometheus metrics: requests and latencies counted by each web process, and the state of the
queue, the reminders ledger and the audit checkpoints read at scrape time.

Under gunicorn, every worker counts its own requests; with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn configuration sets it) they are summed over the workers at scrape time.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

logger = logging.getLogger("relais.metrics")

REQUESTS = Counter(
    "relais_http_requests",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "relais_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


# Kombu's Redis transport keeps a queue's messages in a list named after the queue, and the
# messages sent with a priority in lists suffixed with the priority step.
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue (Redis broker only), summed over priorities."""
    from redis import Redis

    from config.celery import app

    broker_url = app.conf.broker_url or ""
    if not broker_url.startswith(("redis://", "rediss://")):
        return {}
    names = {app.conf.task_default_queue or "celery"}
    client = Redis.from_url(broker_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        lengths = {}
        for name in sorted(names):
            keys = [name] + [f"{name}{_PRIORITY_SEPARATOR}{step}" for step in _PRIORITY_STEPS[1:]]
            lengths[name] = sum(client.llen(key) for key in keys)
        return lengths
    finally:
        client.close()


class StateCollector(Collector):
    """Gauges read from the broker and the database when Prometheus scrapes. Every query is
    read-only and answered from an index; a part that fails is left out of the scrape (and
    `relais_metrics_collect_errors` says which), so the others still reach the monitor."""

    def collect(self):
        errors = GaugeMetricFamily(
            "relais_metrics_collect_errors",
            "1 when a part of the scrape could not be read (broker, reminders, audit).",
            labels=["part"],
        )
        for part, method in (
            ("broker", self._broker),
            ("reminders", self._reminders),
            ("audit", self._audit),
        ):
            try:
                yield from method()
                errors.add_metric([part], 0)
            except Exception as exc:
                logger.warning("metrics: %s unreadable (%s)", part, type(exc).__name__)
                errors.add_metric([part], 1)
        yield errors

    def _broker(self):
        lengths = queue_lengths()
        gauge = GaugeMetricFamily(
            "relais_celery_queue_length",
            "Messages waiting in the broker for a worker, by queue.",
            labels=["queue"],
        )
        for name, length in lengths.items():
            gauge.add_metric([name], length)
        yield gauge

    def _reminders(self):
        from sharing.models import Reminder, ReminderStatus

        now = timezone.now()
        open_rows = Reminder.objects.filter(
            status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
        )
        owed = open_rows.filter(next_attempt_at__lte=now)
        yield GaugeMetricFamily(
            "relais_reminders_owed",
            "Reminder rows owed now (due for an attempt, not sent yet).",
            value=owed.count(),
        )
        yield GaugeMetricFamily(
            "relais_reminders_waiting",
            "Reminder rows not sent yet whose next attempt is still ahead.",
            value=open_rows.filter(next_attempt_at__gt=now).count(),
        )
        oldest = owed.aggregate(oldest=Min("next_attempt_at"))["oldest"]
        yield GaugeMetricFamily(
            "relais_reminders_oldest_owed_seconds",
            "How long the oldest owed reminder row has been owed (0 when none is).",
            value=(now - oldest).total_seconds() if oldest else 0.0,
        )
        yield GaugeMetricFamily(
            "relais_reminders_sent_last_hour",
            "Reminder rows marked sent in the last hour.",
            value=Reminder.objects.filter(
                status=ReminderStatus.SENT, sent_at__gte=now - timedelta(hours=1)
            ).count(),
        )

    def _audit(self):
        from django.db import connection

        from audit.models import AuditCheckpoint

        if connection.vendor == "postgresql":
            yield from self._audit_partitions()

        latest = AuditCheckpoint.objects.aggregate(issued_at=Max("issued_at"), size=Max("size"))
        if latest["issued_at"] is None:
            return
        yield GaugeMetricFamily(
            "relais_audit_checkpoint_age_seconds",
            "Seconds since the last signed audit checkpoint was issued.",
            value=(timezone.now() - latest["issued_at"]).total_seconds(),
        )
        yield GaugeMetricFamily(
            "relais_audit_checkpoint_size",
            "Events covered by the last signed audit checkpoint.",
            value=latest["size"],
        )

    def _audit_partitions(self):
        from audit.partitions import (
            add_months,
            default_partition_events,
            month_start,
            monthly_partitions,
        )

        months = set(monthly_partitions())
        current, ahead = month_start(timezone.now()), -1
        while add_months(current, ahead + 1) in months:
            ahead += 1
        yield GaugeMetricFamily(
            "relais_audit_partition_months_ahead",
            "Months after the current one whose audit partition exists (-1: not even this one).",
            value=ahead,
        )
        yield GaugeMetricFamily(
            "relais_audit_default_partition_events",
            "Audit events in the default partition (a month without its partition); 0 normally.",
            value=default_partition_events(),
        )


def exposition() -> bytes:
    """The text a scrape receives: the process metrics (summed over the gunicorn workers
    when they share a multiprocess directory) then the state read now."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    state = CollectorRegistry()
    state.register(StateCollector())
    return generate_latest(registry) + generate_latest(state)


def allowed(request) -> bool:
    """A scrape shows the bearer token of METRICS_TOKEN, or comes from an address of
    METRICS_ALLOWED_IPS (the connection's own address: a forwarded header can be forged).
    Neither configured: nobody."""
    import hmac
    import ipaddress

    token = getattr(settings, "METRICS_TOKEN", "")
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    networks = getattr(settings, "METRICS_ALLOWED_IPS", [])
    if not networks:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
