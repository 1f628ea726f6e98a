"""The demo's upload history: the demo uploader's recent spreadsheets for vehicle tax.

Four uploads, each made through the real upload code (checked, previewed, stored or
rolled back), as a week of the uploader's work would leave them: a file stored, a file
with an error, its corrected version stored, and a file sent for the wrong week that
the service manager rolled back. The files hold the demo's own figures, so the history
leaves every figure as the demo made it.
"""

from datetime import UTC, timedelta

from django.db import transaction
from django.utils import timezone

from performance_platform.accounts.models import User
from performance_platform.datastore.models import DataSet, Record
from performance_platform.uploads import processing
from performance_platform.uploads.models import Upload

from .people import UPLOADER_DATA_SETS

#: The data set with the history.
DATA_SET = UPLOADER_DATA_SETS[0]
UPLOADER = "uploader@demo.example"
MANAGER = "manager@demo.example"


def _week_csv(data_set: DataSet, monday, *, typo: bool = False, shift=None) -> bytes:
    """The week's stored figures as the uploader's CSV; ``typo`` writes one count as text,
    ``shift`` dates the rows a week out (the wrong week)."""
    rows = (
        Record.objects.filter(data_set=data_set, timestamp=monday)
        .order_by("record_id")
        .values_list("data", flat=True)
    )
    lines = ["_timestamp,period,channel,count"]
    for number, data in enumerate(rows):
        when = monday + shift if shift else monday
        count = f"{data['count']:,}" if typo and number == 1 else str(data["count"])
        count = f'"{count}"' if "," in count else count
        lines.append(f"{when.date().isoformat()},week,{data['channel']},{count}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def load_uploads() -> int:
    """Replace the demo's upload history. Returns how many uploads it holds."""
    data_set = DataSet.objects.filter(name=DATA_SET).first()
    uploader = User.objects.filter(email=UPLOADER).first()
    manager = User.objects.filter(email=MANAGER).first()
    if data_set is None or uploader is None:
        return 0
    latest = Record.objects.filter(data_set=data_set).order_by("-timestamp").first()
    if latest is None:
        return 0
    last_week = latest.timestamp.astimezone(UTC)
    earlier = last_week - timedelta(weeks=1)
    now = timezone.now()
    with transaction.atomic():
        Upload.objects.filter(data_set=data_set).delete()
        made = []

        def upload(content, name, *, days_ago, hours=0, store=True, mode=Upload.Mode.ADD):
            item = processing.receive(data_set, content, name, user=uploader, mode=mode)
            item = processing.check(item)
            if store and item.status == Upload.Status.READY:
                item = processing.store(item, user=uploader)
            when = now - timedelta(days=days_ago, hours=hours)
            Upload.objects.filter(pk=item.pk).update(
                created_at=when, stored_at=when if item.stored_at else None
            )
            made.append(item)
            return item

        upload(_week_csv(data_set, earlier), f"vehicle-tax-{earlier:%Y-%m-%d}.csv", days_ago=8)
        upload(
            _week_csv(data_set, last_week, typo=True),
            f"vehicle-tax-{last_week:%Y-%m-%d}.csv",
            days_ago=1,
            hours=1,  # an hour before its fix
        )
        upload(
            _week_csv(data_set, last_week),
            f"vehicle-tax-{last_week:%Y-%m-%d}-fixed.csv",
            days_ago=1,
        )
        wrong = upload(
            _week_csv(data_set, last_week, shift=timedelta(weeks=1)),
            f"vehicle-tax-{last_week:%Y-%m-%d}-copy.csv",
            days_ago=0,
        )
        if wrong.status == Upload.Status.STORED:
            processing.rollback(wrong, user=manager)
    return len(made)
