"""Celery tasks: thin, named, safe to run twice."""

from celery import shared_task
from django.db import connection

from .exports import export_run
from .models import AuditCheckpoint
from .partitions import partitions_ensure
from .sequencer import audit_sequence
from .services import checkpoint_issue
from .witnesses import checkpoint_submit


@shared_task(name="audit.sequence")
def sequence() -> int:
    """Chain the recorded events and add them to the tree (Celery beat, every few seconds);
    one run at a time in effect, since each batch holds the head row's lock."""
    return audit_sequence()


@shared_task(name="audit.ensure_partitions")
def ensure_partitions() -> dict:
    """The audit table's partitions for this month and the next AUDIT_PARTITION_MONTHS_AHEAD
    (Celery beat, hourly; PostgreSQL only): months created, months that failed, events in the
    default partition (also logged as a warning and exported as a metric)."""
    if connection.vendor != "postgresql":
        return {}
    report = partitions_ensure()
    return {
        "created": [str(month) for month in report.created],
        "failed": [str(month) for month in report.failed],
        "default_events": report.default_events,
    }


@shared_task(name="audit.issue_checkpoint")
def issue_checkpoint() -> int:
    """Periodic signed checkpoint (Celery beat), issued even when nothing happened, then
    submitted to the witnesses once committed (never inside the checkpoint's transaction)."""
    number = checkpoint_issue(reason="periodic").number
    submit_to_witnesses.delay(number)
    return number


@shared_task(bind=True, name="audit.submit_to_witnesses", max_retries=5)
def submit_to_witnesses(self, number: int) -> list[str]:
    """Cosignatures for one checkpoint; a witness that is down is retried (by the worker,
    with backoff), and in any case the next checkpoint catches it up (consistency proof from
    its last cosigned size). Never raises into the caller."""
    results = checkpoint_submit(AuditCheckpoint.objects.get(number=number))
    unreachable = [r.witness for r in results if r.outcome == "unreachable"]
    if unreachable and not self.request.is_eager and self.request.retries < self.max_retries:
        raise self.retry(countdown=10 * 2**self.request.retries)
    return [f"{r.witness}: {r.outcome}" for r in results]


@shared_task(name="audit.run_export")
def run_export(export_id: str) -> str:
    """Write an auditor's export zip; a finished export is left alone."""
    return export_run(export_id=export_id).status
