"""Large uploads: the worker checks and stores them, the page shows progress, and the
uploader gets an email when each step is done or has failed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from performance_platform.datastore.models import Record
from performance_platform.uploads.models import Upload, UploadFile
from performance_platform.worker.runner import run_pending

from .conftest import HEADER, csv_file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _small_threshold(settings):
    settings.UPLOAD_BACKGROUND_BYTES = 1000


def big_file(rows=300, bad_row=None) -> bytes:
    lines = [HEADER]
    for i in range(rows):
        count = "oops" if i == bad_row else i
        lines.append(f"2026-{1 + i % 9:02d}-01T00:00:00+00:00,month,channel_{i},{count}")
    return csv_file(*lines)


def test_a_large_file_is_checked_and_stored_by_the_worker(client, uploader, data_set, mailoutbox):
    client.force_login(uploader)
    response = client.post(
        f"/manage/data-sets/{data_set.name}/upload",
        {"file": SimpleUploadedFile("big.csv", big_file()), "mode": "add"},
    )
    upload = Upload.objects.get()
    assert upload.background and upload.status == Upload.Status.CHECKING
    page = client.get(response["Location"]).content.decode()
    assert "Checking your file" in page and "Check again" in page
    progress = client.get(f"/manage/uploads/{upload.pk}/progress").json()
    assert progress == {"status": "checking", "finished": False, "done": 0, "total": 0}

    run_pending()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    assert (upload.row_count, upload.progress_done) == (300, 300)
    [ready] = mailoutbox
    assert ready.to == ["uploader@example.gov.uk"]
    assert ready.subject == "big.csv is ready to confirm"
    assert f"/manage/uploads/{upload.pk}" in ready.body
    assert Record.objects.filter(data_set=data_set).count() == 0

    client.post(f"/manage/uploads/{upload.pk}/confirm")
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORING
    # A second confirmation (another tab) queues nothing more.
    client.post(f"/manage/uploads/{upload.pk}/confirm")
    run_pending()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORED
    assert Record.objects.filter(data_set=data_set).count() == 300
    assert [m.subject for m in mailoutbox][1:] == ["big.csv has been stored"]


def test_a_large_file_with_errors_is_reported_by_email(client, uploader, data_set, mailoutbox):
    client.force_login(uploader)
    client.post(
        f"/manage/data-sets/{data_set.name}/upload",
        {"file": SimpleUploadedFile("big.csv", big_file(bad_row=41)), "mode": "add"},
    )
    run_pending()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.INVALID
    [message] = mailoutbox
    assert message.subject == "big.csv has errors"
    assert "Row 43, column count: 'oops' is not a number" in message.body


def test_a_failure_in_the_worker_is_reported_and_stores_nothing(
    client, uploader, data_set, mailoutbox
):
    client.force_login(uploader)
    client.post(
        f"/manage/data-sets/{data_set.name}/upload",
        {"file": SimpleUploadedFile("big.csv", big_file()), "mode": "add"},
    )
    # The kept file is lost before the worker reads it: a failure the uploader must hear of.
    UploadFile.objects.all().delete()
    run_pending()
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.FAILED
    assert "could not be checked" in upload.message
    assert [m.subject for m in mailoutbox] == ["big.csv could not be uploaded"]
    assert Record.objects.filter(data_set=data_set).count() == 0
