"""The quarterly transactions collection: one file for every service, checked as a whole,
matched by identifier, stored in one transaction (and rolled back), drafts for the
services not found, the template, and its pages (platform admins only)."""

import io
import time

import pytest
import time_machine
from django.db import transaction

from performance_platform.accounts.models import AuditEvent, Membership
from performance_platform.dashboards.models import Dashboard, Module
from performance_platform.datastore.models import DataGroup, DataSet, Record
from performance_platform.kpis import catalogue, standard
from performance_platform.kpis.models import Transform
from performance_platform.uploads import quarterly
from performance_platform.uploads.checking import MAX_ERRORS
from performance_platform.uploads.models import Upload
from performance_platform.uploads.processing import NotAllowed
from performance_platform.worker.runner import run_pending
from tests.conftest import FROZEN_NOW

from .conftest import csv_file, stored_rows

pytestmark = pytest.mark.django_db
Role = Membership.Role

HEADER = ",".join(quarterly.COLUMNS)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield


def line(service, quarter="2026-Q2", *, name="", digital="", api="", phone="", paper="", cost=""):
    """One row of a quarterly file, in :data:`quarterly.COLUMNS` order."""
    cells = [service, name, quarter, digital, api, phone, "", paper, "", "", cost]
    return ",".join(str(c) for c in cells)


def service(slug, *, org=None, title=None, types=("transactions-by-channel",), cadence="monthly"):
    """A service's dashboard with its data group, data sets and transforms (as approval)."""
    group = DataGroup.objects.create(name=slug)
    for data_type in types:
        standard.new_data_set(group, data_type, cadence)
    for entry in standard.transforms_for_group(slug, set(types), cadence=cadence):
        standard.make_transform(entry)
    return Dashboard.objects.create(
        slug=slug, title=title or slug.title(), organisation=org, kpi_group=group
    )


def data_set(group, data_type) -> DataSet:
    return DataSet.objects.get(data_group__name=group, data_type__name=data_type)


def stored(group, data_type) -> list[dict]:
    found = DataSet.objects.filter(data_group__name=group, data_type__name=data_type).first()
    if found is None:
        return []
    return [r.data for r in Record.objects.filter(data_set=found).order_by("record_id")]


def raw(group) -> list[tuple]:
    """Every stored record of a group's data sets, column for column."""
    return stored_rows(data_set__data_group__name=group)


def upload_of(*lines, name="quarterly.csv"):
    return quarterly.check(quarterly.receive(csv_file(HEADER, *lines), name))


def texts(upload) -> list[str]:
    return [e["text"] for e in upload.errors]


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.gov.uk", roles=[(Role.PLATFORM_ADMIN, None)])


# --- reading the quarter ---------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2025-Q1", "2025-01-01"),
        ("2025 q3", "2025-07-01"),
        ("Q4 2025", "2025-10-01"),
        ("2025-04-01", "2025-04-01"),
        ("2025-10-01T00:00:00+00:00", "2025-10-01"),
    ],
)
def test_a_quarter_is_read_as_a_label_or_its_first_day(text, expected):
    assert quarterly.quarter_start(text).date().isoformat() == expected


@pytest.mark.parametrize(
    "text,words",
    [
        ("2025-Q5", "is not a quarter"),
        ("2025-02-01", "is not the first day of a quarter"),
        ("spring", "is not a quarter"),
        ("", "is empty"),
    ],
)
def test_a_bad_quarter_is_refused_with_words_to_act_on(text, words):
    with pytest.raises(ValueError, match=words):
        quarterly.quarter_start(text)


def test_the_last_complete_quarter():
    from datetime import date

    assert quarterly.quarter_label(quarterly.last_complete_quarter(date(2026, 11, 25))) == "2026-Q3"
    assert quarterly.quarter_label(quarterly.last_complete_quarter(date(2026, 2, 1))) == "2025-Q4"


# --- matching and storing ----------------------------------------------------------------


def test_services_are_matched_by_identifier_and_the_rest_listed(org):
    service("tax-disc", org=org, title="Tax disc")
    upload = upload_of(
        line("tax-disc", digital=700, paper=300, cost=5000),
        line("new-thing", name="A new thing", digital=10, cost=100),
    )
    assert upload.status == Upload.Status.READY, texts(upload)
    preview = upload.preview
    assert preview["matched_count"] == 1
    matched = preview["matched"][0]
    assert (matched["service"], matched["title"]) == ("tax-disc", "Tax disc")
    assert (matched["transactions"], matched["total_cost"]) == (1000, 5000)
    assert matched["cost_per_transaction"] == 5.0
    assert matched["creates"] == ["total-cost"]  # it has no total-cost data set yet
    assert preview["unmatched"] == [{"service": "new-thing", "name": "A new thing", "rows": [3]}]
    assert preview["records"] == 3  # two channels and the total cost
    assert Record.objects.count() == 0  # nothing stored before confirming


def test_storing_splits_the_file_into_each_services_data_sets(org, admin):
    service("tax-disc", org=org)
    service("passports", org=org, types=("transactions-by-channel", "total-cost"))
    upload = upload_of(
        line("tax-disc", digital=700, paper=300, cost="5000.50"),
        line("passports", "2026-04-01", digital=90, phone=10, api=0, cost=250),
        line("unknown-service", digital=1),
    )
    upload = quarterly.store(upload, user=admin)
    assert upload.status == Upload.Status.STORED
    assert upload.stored_count == 7
    tx = stored("tax-disc", "transactions-by-channel")
    assert {(r["channel"], r["count"], r["period"]) for r in tx} == {
        ("digital", 700, "quarter"),
        ("paper_form", 300, "quarter"),
    }
    assert {r["_timestamp"] for r in tx} == {"2026-04-01T00:00:00+00:00"}
    (cost,) = stored("tax-disc", "total-cost")
    assert (cost["count"], cost["period"], cost["channel"]) == (5000.5, "quarterly", "total")
    assert cost["end_at"] == "2026-06-30T00:00:00+00:00"
    assert {r["channel"]: r["count"] for r in stored("passports", "transactions-by-channel")} == {
        "digital": 90,
        "telephone_human": 10,
        "api": 0,
    }
    assert not DataGroup.objects.filter(name="unknown-service").exists()
    # The made data set is audited, and so is the upload.
    assert AuditEvent.objects.filter(action="data_set.create", actor=admin).count() == 1
    event = AuditEvent.objects.get(action="upload.quarterly")
    assert event.detail["services"] == 2 and event.detail["not_matched"] == 1
    assert set(upload.get_stored_ids()) == {
        "tax_disc_transactions_by_channel",
        "tax_disc_total_cost",
        "passports_transactions_by_channel",
        "passports_total_cost",
    }


def test_after_storing_the_transforms_give_the_cost_per_transaction(org):
    service("tax-disc", org=org)
    upload = upload_of(line("tax-disc", digital=750, paper=250, phone=1000, cost="4500"))
    quarterly.store(upload)
    assert Transform.objects.filter(
        input_group__name="tax-disc", input_type__name="total-cost"
    ).exists()
    run_pending()
    cpt = DataSet.objects.get(
        data_group__name="tax-disc", data_type__name=catalogue.COST_PER_TRANSACTION.data_type
    )
    records = [r.data for r in Record.objects.filter(data_set=cpt)]
    figures = {r["_start_at"]: r for r in records}
    quarter = figures["2026-04-01T00:00:00+00:00"]
    assert quarter["cost_per_transaction"] == pytest.approx(4500 / 2000)
    assert quarter["transactions"] == 2000 and quarter["total_cost"] == 4500


def test_a_quarter_sent_again_replaces_what_was_stored_for_it(org):
    service("tax-disc", org=org)
    quarterly.store(upload_of(line("tax-disc", digital=700, paper=300, cost=10)))
    quarterly.store(upload_of(line("tax-disc", digital=800, cost=12)))
    tx = stored("tax-disc", "transactions-by-channel")
    assert [(r["channel"], r["count"]) for r in tx] == [("digital", 800)]  # paper is gone
    assert [r["count"] for r in stored("tax-disc", "total-cost")] == [12]


def test_counts_for_a_quarter_sent_monthly_are_refused_as_counted_twice(org):
    tax = service("tax-disc", org=org)
    from datetime import datetime

    from performance_platform.datastore import storage
    from performance_platform.datastore.validation import prepare_records

    ds = data_set("tax-disc", "transactions-by-channel")
    prepared, errors = prepare_records(
        [
            {
                "_timestamp": "2026-05-01T00:00:00Z",
                "period": "month",
                "channel": "digital",
                "count": 5,
            }
        ],
        schema=ds.schema,
        auto_ids=ds.auto_ids,
        now=datetime.now(tz=FROZEN_NOW.tzinfo),
    )
    storage.store_records(ds, prepared, now=FROZEN_NOW)
    upload = upload_of(line(tax.slug, digital=700, cost=10))
    assert upload.status == Upload.Status.INVALID
    assert (
        "Row 2, column service: tax-disc already sends its transactions by week or month"
        in (texts(upload)[0])
    )
    # Its total cost alone is fine: it is divided by the transactions it sent.
    assert upload_of(line(tax.slug, cost=10)).status == Upload.Status.READY


# --- the whole file is checked ---------------------------------------------------------------


def test_every_bad_cell_is_named_by_row_and_column(org):
    service("tax-disc", org=org)
    upload = upload_of(
        line("tax-disc", "2026-Q7", digital=700),
        line("tax-disc", digital=-5, paper="twelve", cost="-1"),
        line("tax-disc", "2026-Q3", digital="1.5", cost="lots"),
        line("../x", digital=1),
        line("<script>alert(1)</script>", digital=1),
        line("", digital=1),
        line("tax-disc", "2026-Q1"),
    )
    assert upload.status == Upload.Status.INVALID
    assert texts(upload) == [
        "Row 2, column quarter: '2026-Q7' is not a quarter: write it as 2025-Q1 or 2025-01-01",
        "Row 3, column digital: -5 is less than 0: it must be 0 or more",
        "Row 3, column paper_form: 'twelve' is not a whole number",
        "Row 3, column total_cost: -1 is less than 0: it must be 0 or more",
        "Row 4, column digital: 1.5 is not a whole number",
        "Row 4, column total_cost: 'lots' is not a number (pounds, without the £ sign)",
        "Row 5, column service: '../x' is not a service identifier: use the service's "
        "dashboard address, in lower-case letters, digits and hyphens (such as tax-disc)",
        "Row 6, column service: '<script>alert(1)</script>' is not a service identifier: "
        "use the service's dashboard address, in lower-case letters, digits and hyphens "
        "(such as tax-disc)",
        "Row 7, column service: is empty: enter the service's identifier (its dashboard's "
        "address, such as tax-disc)",
        "Row 8: has no figures: enter the transactions of at least one channel, or the total cost",
    ]
    assert Record.objects.count() == 0
    assert not DataGroup.objects.filter(name__contains="script").exists()


def test_duplicate_service_and_quarter_rows_are_an_error(org):
    service("tax-disc", org=org)
    upload = upload_of(line("tax-disc", digital=1), line("tax-disc", "2026-04-01", digital=2))
    assert texts(upload) == [
        "Row 3, column service: tax-disc for 2026-Q2 is already on row 2: a service has one "
        "row per quarter"
    ]


def test_missing_and_unknown_columns_are_said_once():
    upload = quarterly.check(
        quarterly.receive(csv_file("service,digital,costs", "tax-disc,1,2"), "q.csv")
    )
    assert texts(upload) == [
        "The file has no column named quarter. The first row must name the columns: "
        + ", ".join(quarterly.COLUMNS),
        "Column 3 is named 'costs', which the quarterly collection does not have: the "
        "columns are " + ", ".join(quarterly.COLUMNS),
    ]


def test_records_are_held_to_the_target_data_sets_own_rules(org):
    service("tax-disc", org=org)
    ds = data_set("tax-disc", "transactions-by-channel")
    ds.schema = {**ds.schema, "properties": {**ds.schema["properties"], "count": {"maximum": 100}}}
    ds.save()
    upload = upload_of(line("tax-disc", digital=700, paper=50))
    assert texts(upload) == [
        "Row 2, column digital: 700 is more than 100: it must be 100 or less (the "
        "transactions-by-channel data set of tax-disc refuses it)"
    ]


def test_errors_stop_at_the_maximum_and_are_counted():
    upload = upload_of(*(line("x", "nope", digital=1) for _ in range(MAX_ERRORS + 20)))
    assert upload.error_count == MAX_ERRORS + 20 and len(upload.errors) == MAX_ERRORS


# --- all or nothing, rollback -------------------------------------------------------------


def test_storing_is_all_or_nothing_across_services(org):
    service("aaa", org=org)
    service("zzz", org=org)
    upload = upload_of(line("aaa", digital=1, cost=5), line("zzz", digital=2, cost=5))
    assert upload.status == Upload.Status.READY
    # After the check, the second service's data set gets a schema that refuses its
    # record at the database: a constraint the write cannot meet.
    from django.db import connection

    ds = data_set("zzz", "transactions-by-channel")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.data_set_id = {ds.pk} THEN RAISE EXCEPTION 'refused'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {Record._meta.db_table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse BEFORE INSERT ON {Record._meta.db_table} "
                f"WHEN NEW.data_set_id = {ds.pk} BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    with pytest.raises(Exception, match="refused"):
        with transaction.atomic():
            quarterly.store(upload)
    assert Record.objects.count() == 0  # not even the first service's records
    assert not DataSet.objects.filter(data_type__name="total-cost").exists()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    assert not AuditEvent.objects.filter(action="upload.quarterly").exists()


def test_a_rollback_puts_back_exactly_what_was_there(org, admin):
    service("tax-disc", org=org)
    service("passports", org=org)
    first = quarterly.store(
        upload_of(
            line("tax-disc", digital=700, paper=300, cost=10),
            line("passports", digital=5, cost=1),
        )
    )
    assert first.status == Upload.Status.STORED
    before = raw("tax-disc"), raw("passports")
    with time_machine.travel(FROZEN_NOW.replace(hour=18), tick=False):
        second = quarterly.store(
            upload_of(
                line("tax-disc", digital=800, cost=12),
                line("tax-disc", "2026-Q3", digital=9),
                line("passports", digital=6, phone=1, cost=2),
            )
        )
    assert raw("tax-disc") != before[0]
    problem = quarterly.rollback_problem(first)
    assert problem and "has changed since" in problem
    quarterly.rollback(second, user=admin)
    assert (raw("tax-disc"), raw("passports")) == before
    second.refresh_from_db()
    assert second.status == Upload.Status.ROLLED_BACK
    assert AuditEvent.objects.filter(action="upload.rollback", actor=admin).exists()
    with pytest.raises(NotAllowed):
        quarterly.rollback(second)


# --- drafts -----------------------------------------------------------------------------


def test_unmatched_services_become_draft_dashboards_and_then_match(admin):
    upload = upload_of(
        line("new-thing", name="A new thing", digital=10, paper=30, cost=100),
        line("other-new", digital=1),
    )
    assert [u["service"] for u in upload.preview["unmatched"]] == ["new-thing", "other-new"]
    made = quarterly.create_drafts(upload, ["new-thing", "not-listed"], user=admin)
    assert [d.slug for d in made] == ["new-thing"]
    draft = Dashboard.objects.get(slug="new-thing")
    assert (draft.title, draft.status, draft.organisation) == ("A new thing", "draft", None)
    assert draft.kpi_group.name == "new-thing"
    assert set(
        DataSet.objects.filter(data_group__name="new-thing").values_list(
            "data_type__name", flat=True
        )
    ) >= {"transactions-by-channel", "total-cost"}
    assert {m.slug for m in Module.objects.filter(dashboard=draft)} == {
        "digital-takeup",
        "cost-per-transaction",
    }
    assert AuditEvent.objects.filter(action="dashboard.create", target_id=str(draft.pk)).exists()
    upload.refresh_from_db()
    assert upload.preview["matched_count"] == 1
    assert [u["service"] for u in upload.preview["unmatched"]] == ["other-new"]
    quarterly.store(upload)
    run_pending()
    cpt = DataSet.objects.get(
        data_group__name="new-thing", data_type__name=catalogue.COST_PER_TRANSACTION.data_type
    )
    (figure,) = [r.data for r in Record.objects.filter(data_set=cpt)]
    assert figure["cost_per_transaction"] == pytest.approx(100 / 40)


def test_a_draft_cannot_take_a_reserved_or_taken_address(org):
    upload = upload_of(line("services", digital=1))
    with pytest.raises(NotAllowed, match="cannot be made"):
        quarterly.create_drafts(upload, ["services"])
    assert not Dashboard.objects.filter(slug="services").exists()


# --- 800 services ----------------------------------------------------------------------


def test_a_file_of_800_services_stores_in_one_go(capsys):
    groups = [DataGroup(name=f"service-{n:03d}") for n in range(800)]
    DataGroup.objects.bulk_create(groups)
    groups = list(DataGroup.objects.filter(name__startswith="service-").order_by("name"))
    Dashboard.objects.bulk_create(
        [Dashboard(slug=g.name, title=f"Service {g.name}", kpi_group=g) for g in groups]
    )
    tx_type = standard.new_data_set(groups[0], "transactions-by-channel", "quarterly").data_type
    settings = standard.data_set_settings("transactions-by-channel", "quarterly")
    DataSet.objects.bulk_create(
        [
            DataSet(
                name=f"{g.name}_transactions_by_channel".replace("-", "_"),
                data_group=g,
                data_type=tx_type,
                **settings,
            )
            for g in groups[1:]
        ]
    )
    lines = [
        line(g.name, digital=1000 + n, phone=n, paper=2 * n, cost=10 * n)
        for n, g in enumerate(groups)
    ]
    started = time.perf_counter()
    upload = upload_of(*lines)
    checked = time.perf_counter()
    assert upload.status == Upload.Status.READY, texts(upload)
    assert upload.preview["matched_count"] == 800
    upload = quarterly.store(upload)
    done = time.perf_counter()
    assert upload.status == Upload.Status.STORED
    # Three channels and the total cost each (a 0 is a figure: the channel is offered).
    assert upload.stored_count == 800 * 4
    assert Record.objects.filter(data_set__data_type__name="total-cost").count() == 800
    assert DataSet.objects.filter(data_type__name="total-cost").count() == 800
    # The next quarter's file, when every data set and transform exists.
    again = upload_of(*(x.replace("2026-Q2", "2026-Q3") for x in lines))
    started_again = time.perf_counter()
    assert quarterly.store(again).stored_count == 800 * 4
    done_again = time.perf_counter()
    assert Record.objects.filter(data_set__data_type__name="total-cost").count() == 1600
    with capsys.disabled():
        print(
            f"\n800 services: checked in {checked - started:.2f}s, stored in "
            f"{done - checked:.2f}s (making 800 total-cost data sets and transforms); "
            f"the next quarter stored in {done_again - started_again:.2f}s"
        )


# --- the template -------------------------------------------------------------------------


def test_the_template_lists_every_service_for_the_last_complete_quarter(org):
    service("tax-disc", org=org, title="=HYPERLINK(1)")
    service("passports", org=org, title="Passports")
    text = quarterly.template_csv(FROZEN_NOW.date()).decode("utf-8-sig")
    assert text.splitlines() == [
        HEADER,
        "passports,Passports,2026-Q3,,,,,,,,",
        "tax-disc,'=HYPERLINK(1),2026-Q3,,,,,,,,",
    ]
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(quarterly.template_xlsx(FROZEN_NOW.date())))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == list(quarterly.COLUMNS)
    assert rows[2][:3] == ["tax-disc", "=HYPERLINK(1)", "2026-Q3"]  # a string, not a formula


def test_the_filled_in_template_goes_back_in(org):
    service("tax-disc", org=org)
    text = quarterly.template_csv(FROZEN_NOW.date()).decode("utf-8-sig").splitlines()
    filled = text[1].split(",")
    filled[3], filled[-1] = "10", "20"
    upload = upload_of(",".join(filled))
    assert upload.status == Upload.Status.READY, texts(upload)
    assert upload.preview["matched"][0]["quarters"] == ["2026-Q3"]


# --- the pages ------------------------------------------------------------------------------


def post_quarterly(client, content, name="quarterly.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/manage/uploads/quarterly", {"file": SimpleUploadedFile(name, content), "sheet": ""}
    )


def test_the_pages_from_form_to_preview_to_drafts_to_stored_to_rolled_back(client, admin, org):
    service("tax-disc", org=org, title="Tax disc")
    client.force_login(admin)
    assert "/manage/uploads/quarterly" in client.get("/manage/uploads").content.decode()
    page = client.get("/manage/uploads/quarterly")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Quarterly transactions collection" in text
    assert "/manage/uploads/quarterly/template.xlsx" in text
    template = client.get("/manage/uploads/quarterly/template.csv")
    assert template.status_code == 200 and b"tax-disc,Tax disc,2026-Q3" in template.content
    assert "attachment" in template["Content-Disposition"]
    xlsx = client.get("/manage/uploads/quarterly/template.xlsx")
    assert xlsx.content[:2] == b"PK"
    response = post_quarterly(
        client,
        csv_file(
            HEADER,
            line("tax-disc", digital=700, paper=300, cost=5000),
            line("brand-new", name="<b>Brand new</b>", digital=10, cost=50),
        ),
    )
    assert response.status_code == 302
    upload = Upload.objects.get()
    assert upload.kind == Upload.Kind.QUARTERLY and upload.uploaded_by == admin
    assert response["Location"] == f"/manage/uploads/quarterly/{upload.pk}"
    # The generic upload page sends a quarterly upload to its own page.
    assert client.get(f"/manage/uploads/{upload.pk}")["Location"] == response["Location"]
    text = client.get(response["Location"]).content.decode()
    assert "Check what will change" in text
    assert "Services not found" in text and 'value="brand-new"' in text
    assert "&lt;b&gt;Brand new&lt;/b&gt;" in text and "<b>Brand new" not in text
    assert "£5.00" in text  # cost per transaction
    made = client.post(f"/manage/uploads/quarterly/{upload.pk}/drafts", {"service": ["brand-new"]})
    assert made.status_code == 302
    assert Dashboard.objects.get(slug="brand-new").status == "draft"
    text = client.get(response["Location"]).content.decode()
    assert 'value="brand-new"' not in text and "Confirm and store 2 services" in text
    assert client.post(f"/manage/uploads/quarterly/{upload.pk}/confirm").status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORED
    assert Record.objects.filter(data_set__data_group__name="brand-new").count() == 2
    text = client.get(response["Location"]).content.decode()
    assert "Upload stored" in text and "Roll this upload back" in text
    generic = client.get(f"/manage/uploads/{upload.pk}/rollback")
    assert generic["Location"] == response["Location"]  # its own page rolls it back
    assert client.post(f"/manage/uploads/quarterly/{upload.pk}/rollback").status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.ROLLED_BACK
    assert Record.objects.filter(data_set__data_type__name="transactions-by-channel").count() == 0


def test_a_file_with_errors_shows_them_in_an_error_summary(client, admin):
    client.force_login(admin)
    response = post_quarterly(client, csv_file(HEADER, line("tax-disc", "2026-13", digital=1)))
    page = client.get(response["Location"])
    assert page.status_code == 422
    text = page.content.decode()
    assert "govuk-error-summary" in text
    assert "Row 2, column quarter: &#x27;2026-13&#x27; is not a quarter" in text
    assert "Upload a corrected file" in text


def test_a_bad_form_is_refused_without_a_500(client, admin):
    client.force_login(admin)
    response = client.post("/manage/uploads/quarterly", {})
    assert response.status_code == 400
    assert "Select a file to upload" in response.content.decode()
    empty = post_quarterly(client, b"")
    assert empty.status_code in (302, 400)


def test_a_file_of_many_services_is_stored_by_the_worker(client, admin, org, mailoutbox):
    for n in range(quarterly.BACKGROUND_SERVICES + 1):
        service(f"svc-{n}", org=org)
    lines = [line(f"svc-{n}", digital=n + 1) for n in range(quarterly.BACKGROUND_SERVICES + 1)]
    client.force_login(admin)
    location = post_quarterly(client, csv_file(HEADER, *lines))["Location"]
    upload = Upload.objects.get()
    client.post(f"/manage/uploads/quarterly/{upload.pk}/confirm")
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORING
    assert "being stored in the background" in client.get(location).content.decode()
    run_pending()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.STORED
    assert upload.stored_count == quarterly.BACKGROUND_SERVICES + 1
    assert any("has been stored" in m.subject for m in mailoutbox)


@pytest.mark.parametrize("who", ["manager", "uploader", "nobody"])
def test_only_platform_admins_see_the_quarterly_pages(client, make_user, org, data_set, who):
    people = {
        "manager": [(Role.SERVICE_MANAGER, org)],
        "uploader": [(Role.DATA_UPLOADER, org)],
        "nobody": [],
    }
    person = make_user(email=f"{who}@example.gov.uk", roles=people[who], data_sets=[data_set])
    upload = upload_of(line("tax-disc", digital=1))
    client.force_login(person)
    base = "/manage/uploads/quarterly"
    for url in (base, f"{base}/template.csv", f"{base}/template.xlsx", f"{base}/{upload.pk}"):
        assert client.get(url).status_code == 404, url
    actions = ("confirm", "drafts", "cancel", "rollback")
    generic = (f"/manage/uploads/{upload.pk}/{a}" for a in ("confirm", "cancel", "rollback"))
    for url in (base, *(f"{base}/{upload.pk}/{a}" for a in actions), *generic):
        assert client.post(url, {"service": ["tax-disc"]}).status_code == 404, url
    assert client.get(f"/manage/uploads/{upload.pk}").status_code == 404
    assert client.get(f"/manage/uploads/{upload.pk}/file").status_code == 404
    assert "/manage/uploads/quarterly" not in client.get("/manage/uploads").content.decode()
    upload.refresh_from_db()
    assert upload.status == Upload.Status.READY
    assert (
        not Dashboard.objects.filter(status="draft", slug="tax-disc")
        .exclude(kpi_group=data_set.data_group)
        .exists()
    )


def test_cancelling_drops_the_upload(client, admin):
    client.force_login(admin)
    post_quarterly(client, csv_file(HEADER, line("nowhere", digital=1)))
    upload = Upload.objects.get()
    client.post(f"/manage/uploads/quarterly/{upload.pk}/cancel")
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED
    assert client.post(f"/manage/uploads/quarterly/{upload.pk}/confirm").status_code == 302
    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED
