"""Celery tasks: thin, named, safe to run twice."""

from celery import shared_task

from .services import checkpoint_issue


@shared_task(name="audit.issue_checkpoint")
def issue_checkpoint() -> int:
    """Periodic signed checkpoint (Celery beat), issued even when nothing happened."""
    return checkpoint_issue(reason="periodic").number


@shared_task(name="audit.run_export")
def run_export(export_id: str) -> str:
    """Write an auditor's export zip; a finished export is left alone."""
    from .exports import export_run

    return export_run(export_id=export_id).status
