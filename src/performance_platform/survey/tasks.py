"""The survey's scheduled task: deleting answers older than the retention period."""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .models import SurveyResponse

logger = logging.getLogger(__name__)


def delete_expired(*, now=None) -> int:
    """Delete answers (their comments with them) older than
    ``SURVEY_COMMENT_RETENTION_DAYS``. Their ratings stay counted in the data set, which
    holds only the day's totals. Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SURVEY_COMMENT_RETENTION_DAYS)
    deleted, _ = SurveyResponse.objects.filter(created_at__lt=cutoff).delete()
    if deleted:
        logger.info("deleted %d survey answer(s) from before %s", deleted, cutoff.isoformat())
    return deleted


@task()
def delete_expired_comments():
    """Scheduled (``WORKER_SCHEDULE["survey-retention"]``): :func:`delete_expired`."""
    return {"deleted": delete_expired()}
