"""Readiness checks (django-health-check) beyond its database check: the broker, migrations
not yet applied, and the audit signing key. Their messages name what is wrong, never a secret
or a value from the database."""

from __future__ import annotations

import dataclasses

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable

_migrated: set[str] = set()


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker answers a PING (Redis only; the embedded transport needs no server)."""

    async def run(self):
        from redis.asyncio import Redis
        from redis.exceptions import RedisError

        url = broker_url()
        if not url.startswith(("redis://", "rediss://")):
            return
        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            await client.ping()
        except (RedisError, OSError) as exc:
            raise ServiceUnavailable(f"broker unreachable ({type(exc).__name__})") from exc
        finally:
            await client.aclose()


def broker_url() -> str:
    from config.celery import app

    return app.conf.broker_url or ""


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Every migration of this release is applied: a node started before the release step
    finished must not take traffic. Once found applied, not read again by this process."""

    alias: str = DEFAULT_DB_ALIAS

    def run(self):
        if self.alias in _migrated:
            return
        connection = connections[self.alias]
        with connection.temporary_connection():
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise ServiceUnavailable(f"{len(plan)} migration(s) not applied")
        _migrated.add(self.alias)


@dataclasses.dataclass
class SigningKey(HealthCheck):
    """The audit signing key loads: without it no checkpoint is issued."""

    def run(self):
        from audit.exceptions import SigningKeyUnavailable
        from audit.keys import signing_key

        try:
            signing_key()
        except SigningKeyUnavailable as exc:
            raise ServiceUnavailable("audit signing key unavailable") from exc


READINESS_CHECKS = (
    "health_check.checks.Database",
    "ops.health.Broker",
    "ops.health.Migrations",
    "ops.health.SigningKey",
)


def readiness_checks():
    return getattr(settings, "READINESS_CHECKS", READINESS_CHECKS)
