"""The worker's scheduled jobs for this app (``WORKER_SCHEDULE`` in settings)."""

from django.tasks import task

from . import stale, weekly


@task()
def send_stale_alerts():
    """Hourly: email the owners of stale data sets (throttled) and the all-clears owed."""
    return stale.check()


@task()
def send_weekly_summaries():
    """Often: send the week's summaries once they are due (Monday 07:00, local time)."""
    return weekly.send_due()
