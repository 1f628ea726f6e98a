"""The upload pages through Django's test client: the list, the form, errors, the
preview, confirming, cancelling, history, downloading again, rollback, and permissions."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from performance_platform.accounts.models import AuditEvent
from performance_platform.datastore.models import Record
from performance_platform.uploads import processing
from performance_platform.uploads.models import Upload

from .conftest import HEADER, csv_file, month_rows

pytestmark = pytest.mark.django_db

GOOD = csv_file(HEADER, *month_rows("2026-09", 700, 300))


def post_file(client, data_set, content, name="figures.csv", mode="add", sheet=""):
    return client.post(
        f"/manage/data-sets/{data_set.name}/upload",
        {"file": SimpleUploadedFile(name, content), "mode": mode, "sheet": sheet},
    )


def test_the_list_shows_the_data_sets_the_uploader_was_given(
    client, uploader, data_set, other_data_set
):
    client.force_login(uploader)
    page = client.get("/manage/uploads").content.decode()
    assert data_set.data_type.name in page
    assert f"/manage/data-sets/{data_set.name}/upload" in page
    assert other_data_set.name not in page
    # Derived KPI data sets are never offered for upload.
    assert "digital-takeup" not in page


def test_an_upload_goes_from_form_to_preview_to_stored(client, uploader, data_set):
    client.force_login(uploader)
    assert client.get(f"/manage/data-sets/{data_set.name}/upload").status_code == 200
    response = post_file(client, data_set, GOOD)
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert response["Location"] == f"/manage/uploads/{upload.pk}"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Check what will change" in text
    assert "Digital take-up for September 2026 becomes 70%" in text
    assert Record.objects.filter(data_set=data_set).count() == 0
    confirmed = client.post(f"/manage/uploads/{upload.pk}/confirm")
    assert confirmed.status_code == 302
    assert Record.objects.filter(data_set=data_set).count() == 2
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORED
    assert upload.uploaded_by == uploader
    event = AuditEvent.objects.get(action="upload")
    assert (event.actor, event.detail["records"]) == (uploader, 2)
    assert "Upload stored" in client.get(f"/manage/uploads/{upload.pk}").content.decode()


def test_a_file_with_errors_shows_a_summary_naming_each_cell(client, uploader, data_set):
    client.force_login(uploader)
    bad = csv_file(HEADER, "2026-09-01,month,digital,twelve", "2026-09-01,month,post,-1")
    response = post_file(client, data_set, bad)
    page = client.get(response["Location"])
    assert page.status_code == 422
    text = page.content.decode()
    assert "govuk-error-summary" in text
    assert "Row 2, column count: &#x27;twelve&#x27; is not a number" in text
    assert "Row 3, column count: -1 is less than 0: it must be 0 or more" in text
    assert "<title>Error:" in text
    assert Record.objects.filter(data_set=data_set).count() == 0
    # Confirming a file with errors stores nothing.
    upload = Upload.objects.get()
    client.post(f"/manage/uploads/{upload.pk}/confirm")
    assert Record.objects.filter(data_set=data_set).count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mode": "add"}, "Select a file to upload"),
        ({"file": SimpleUploadedFile("x.csv", GOOD), "mode": "sideways"}, "Select a valid choice"),
        (
            {"file": SimpleUploadedFile("x.csv", GOOD), "mode": "add", "sheet": "a\x07b"},
            "Enter the sheet",
        ),
        (
            {"file": SimpleUploadedFile("x.csv", GOOD), "mode": "add", "sheet": "s" * 101},
            "at most 100",
        ),
    ],
)
def test_bad_form_input_is_a_400_with_a_message(client, uploader, data_set, data, message):
    client.force_login(uploader)
    response = client.post(f"/manage/data-sets/{data_set.name}/upload", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Upload.objects.count() == 0


def test_cancel_stores_nothing_and_keeps_the_file_in_the_history(client, uploader, data_set):
    client.force_login(uploader)
    post_file(client, data_set, GOOD)
    upload = Upload.objects.get()
    assert client.post(f"/manage/uploads/{upload.pk}/cancel").status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED
    assert Record.objects.filter(data_set=data_set).count() == 0
    history = client.get(f"/manage/data-sets/{data_set.name}/uploads").content.decode()
    assert "figures.csv" in history and "Cancelled" in history


def test_the_file_can_be_downloaded_again_exactly(client, uploader, data_set):
    client.force_login(uploader)
    post_file(client, data_set, GOOD, name='odd "name";.csv')
    upload = Upload.objects.get()
    response = client.get(f"/manage/uploads/{upload.pk}/file")
    assert response.status_code == 200
    assert response.content == GOOD
    assert response["Content-Disposition"].startswith('attachment; filename="odd _name__.csv"')
    assert response["X-Content-Type-Options"] == "nosniff"


def test_rollback_from_the_history(client, uploader, data_set):
    client.force_login(uploader)
    post_file(client, data_set, GOOD)
    upload = Upload.objects.get()
    client.post(f"/manage/uploads/{upload.pk}/confirm")
    history = client.get(f"/manage/data-sets/{data_set.name}/uploads").content.decode()
    assert f"/manage/uploads/{upload.pk}/rollback" in history
    assert (
        "Roll back the upload"
        in client.get(f"/manage/uploads/{upload.pk}/rollback").content.decode()
    )
    assert client.post(f"/manage/uploads/{upload.pk}/rollback").status_code == 302
    assert Record.objects.filter(data_set=data_set).count() == 0
    assert AuditEvent.objects.filter(action="upload.rollback", actor=uploader).count() == 1
    # A second rollback is refused, clearly.
    again = client.post(f"/manage/uploads/{upload.pk}/rollback")
    assert again.status_code == 409
    assert "Only a stored upload can be rolled back" in again.content.decode()


def test_an_uploader_cannot_see_upload_to_or_roll_back_another_data_set(
    client, uploader, other_data_set, make_user
):
    owner = make_user(email="owner@example.gov.uk", data_sets=[other_data_set])
    theirs = processing.store(
        processing.check(processing.receive(other_data_set, GOOD, "theirs.csv", user=owner))
    )
    client.force_login(uploader)
    name = other_data_set.name
    for url in [
        f"/manage/data-sets/{name}/upload",
        f"/manage/data-sets/{name}/uploads",
        f"/manage/data-sets/{name}/template.csv",
        f"/manage/uploads/{theirs.pk}",
        f"/manage/uploads/{theirs.pk}/file",
        f"/manage/uploads/{theirs.pk}/progress",
        f"/manage/uploads/{theirs.pk}/rollback",
    ]:
        assert client.get(url).status_code == 404, url
    assert post_file(client, other_data_set, GOOD).status_code == 404
    for action in ["confirm", "cancel", "rollback"]:
        assert client.post(f"/manage/uploads/{theirs.pk}/{action}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Upload.Status.STORED
    assert Record.objects.filter(data_set=other_data_set).count() == 2


def test_signed_out_people_are_sent_to_sign_in(client, data_set):
    response = client.get(f"/manage/data-sets/{data_set.name}/upload")
    assert response.status_code == 302 and "/manage/sign-in" in response["Location"]


def test_the_upload_form_needs_a_csrf_token(uploader, data_set):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(uploader)
    response = post_file(client, data_set, GOOD)
    assert response.status_code == 403
    assert Upload.objects.count() == 0


def test_the_data_set_page_links_to_uploads(client, manager, data_set):
    client.force_login(manager)
    page = client.get(f"/manage/data-sets/{data_set.name}").content.decode()
    assert f"/manage/data-sets/{data_set.name}/upload" in page
    assert f"/manage/data-sets/{data_set.name}/uploads" in page


def test_staff_see_uploads_in_the_django_admin_but_cannot_change_them(
    client, data_set, django_user_model
):
    upload = processing.check(processing.receive(data_set, GOOD, "figures.csv"))
    staff = django_user_model.objects.create_superuser("staff@example.com", "x")
    client.force_login(staff)
    listing = client.get("/admin/uploads/upload/")
    assert listing.status_code == 200 and "figures.csv" in listing.content.decode()
    page = client.get(f"/admin/uploads/upload/{upload.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()  # read-only
    assert client.get("/admin/uploads/upload/add/").status_code == 403
    assert (
        client.post(f"/admin/uploads/upload/{upload.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert Upload.objects.filter(pk=upload.pk).exists()


def test_a_file_over_the_size_limit_is_refused_as_it_streams_in(
    client, uploader, data_set, settings
):
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(uploader)
    big = csv_file(HEADER, *["2026-09-01,month,digital,1"] * 100)
    assert len(big) > 1000
    response = post_file(client, data_set, big)
    assert response.status_code == 400
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "files can be at most 1000 bytes" in text
    assert Upload.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty"),
        ("figures.xlsx", GOOD, "XLSX"),
        ("figures.exe", b"MZ\x90\x00" + b"\x00" * 100, "figures.exe"),
        ("bomb.xlsx", None, "expands to far more data"),
    ],
)
def test_hostile_files_get_a_clear_message_and_store_nothing(
    client, uploader, data_set, name, content, message
):
    if content is None:  # a zip whose one entry inflates 1,000-fold
        import io
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", b"<Types/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * 50_000_000)
        content = buffer.getvalue()
    client.force_login(uploader)
    response = post_file(client, data_set, content, name=name)
    page = client.get(response["Location"]) if response.status_code == 302 else response
    assert page.status_code in (400, 422)
    assert message.lower() in page.content.decode().lower()
    assert Record.objects.filter(data_set=data_set).count() == 0


def test_the_hub_links_to_each_data_sets_upload_page_and_templates(client, manager, dashboard):
    from performance_platform.uploads.spreadsheet_templates import has_template

    client.force_login(manager)
    page = client.get(f"/manage/dashboards/{dashboard.slug}").content.decode()
    for ds in [dashboard.kpi_group.data_sets.get(data_type__name="transactions-by-channel")]:
        assert has_template(ds)
        assert f"/manage/data-sets/{ds.name}/upload" in page
        assert f"/manage/data-sets/{ds.name}/template.xlsx" in page
        assert f"/manage/data-sets/{ds.name}/template.csv" in page
        response = client.get(f"/manage/data-sets/{ds.name}/template.xlsx")
        assert response.status_code == 200
        assert response.content[:2] == b"PK"  # an XLSX is a zip


def test_the_hub_offers_templates_for_exactly_the_types_that_have_one(data_set):
    """The hub (dashboards) cannot import the uploads app: it offers templates for the
    data types with a standard schema. They must be the types the templates cover."""
    from performance_platform.kpis.standard import SCHEMAS
    from performance_platform.uploads.spreadsheet_templates import TEMPLATE_TYPES

    assert set(TEMPLATE_TYPES) == set(SCHEMAS)


def test_the_history_offers_a_rollback_only_while_one_can_be_done(client, uploader, data_set):
    client.force_login(uploader)
    post_file(client, data_set, GOOD)
    upload = Upload.objects.get()
    client.post(f"/manage/uploads/{upload.pk}/confirm")
    url = f"/manage/data-sets/{data_set.name}/uploads"
    assert f"/manage/uploads/{upload.pk}/rollback" in client.get(url).content.decode()
    # Something else writes to the data set: a rollback would undo it, so none is offered.
    from django.utils import timezone

    from performance_platform.datastore import storage
    from performance_platform.datastore.validation import prepare_records

    prepared, _ = prepare_records(
        [{"_timestamp": "2026-10-01T00:00:00Z", "period": "month", "channel": "api", "count": 1}],
        schema=data_set.schema,
        auto_ids=data_set.auto_ids,
        now=timezone.now(),
    )
    storage.store_records(data_set, prepared, now=timezone.now())
    assert "/rollback" not in client.get(url).content.decode()


def test_a_template_in_another_format_is_not_found(client, uploader, data_set):
    client.force_login(uploader)
    assert client.get(f"/manage/data-sets/{data_set.name}/template.csv").status_code == 200
    for extension in ["exe", "xls", "CSV", "csv.exe"]:
        url = f"/manage/data-sets/{data_set.name}/template.{extension}"
        assert client.get(url).status_code == 404, extension
