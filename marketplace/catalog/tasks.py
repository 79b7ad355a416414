"""Background work of the catalog: each task calls one service."""

from __future__ import annotations

from celery import shared_task

from marketplace.catalog.services.imports import run_product_import


@shared_task(
    name="marketplace.catalog.tasks.run_product_import_task",
    acks_late=True,
    reject_on_worker_lost=True,
)
def run_product_import_task(job_id: int) -> int:
    """Run a vendor's product import; safe to run again after a lost worker."""
    job = run_product_import(job_id=job_id)
    return job.processed_rows if job else 0
