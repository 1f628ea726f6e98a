"""A spreadsheet upload, whole, in a real browser, with JavaScript and without.

The demo uploader signs in, opens "Upload data", downloads the template for the vehicle
tax transactions, fills it in with one mistake and uploads it; the error summary names
the cell; they fix it and upload it again; the preview says what the digital take-up
becomes; they confirm; the worker runs; the public dashboard shows the new figure, and
the upload is in the data set's history. axe-core audits every page (WCAG 2.2 AA), at
desktop width and on a 375 px screen.
"""

import csv
import io
import os
import re
import subprocess
import sys

import pytest

from performance_platform.kpis.change import display
from tests.conftest import FROZEN_NOW, ROOT

from .conftest import CLOCK, PHONE, Visit

pytestmark = pytest.mark.browser

PASSWORD = "try-the-performance-platform"
UPLOADER = "uploader@demo.example"
DATA_SET = "vehicle_tax_transactions_by_channel"
DIGITAL = {"digital", "api"}  # vehicle tax counts its API as digital (the demo's config)


@pytest.fixture(scope="module", autouse=True)
def people(site, django_db_blocker):
    """The demo's accounts (``site`` loads the demo's data, not its people)."""
    from performance_platform.demo.people import load_people

    with django_db_blocker.unblock():
        load_people()


@pytest.fixture(scope="module")
def worker_env(site, django_db_blocker) -> dict:
    """What `performance-platform worker --batch` needs to run on the test database, with
    the server's fixed clock (read before the browser opens: no database work after)."""
    from tests.conftest import database_url_for_tests

    with django_db_blocker.unblock():
        url = database_url_for_tests()
    return {
        **os.environ,
        "DATABASE_URL": url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(CLOCK), os.environ.get("PYTHONPATH")])),
        "PP_TEST_FROZEN_NOW": FROZEN_NOW.isoformat(),
        "LOG_LEVEL": "WARNING",
    }


def run_the_worker(env: dict) -> None:
    subprocess.run(
        [sys.executable, "-m", "performance_platform.cli", "worker", "--batch"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )


def press(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def sign_in(visit: Visit):
    visit.goto("/manage/sign-in")
    visit.page.get_by_label("Email address").fill(UPLOADER)
    visit.page.get_by_label("Password", exact=True).fill(PASSWORD)
    press(visit.page, "Sign in")


def download_template(visit: Visit) -> list[dict]:
    page = visit.page
    with page.expect_download() as downloaded:
        page.get_by_role("link", name=re.compile("as a CSV file")).click()
    path = downloaded.value.path()
    assert downloaded.value.suggested_filename.endswith(".csv")
    text = open(path, encoding="utf-8-sig").read()
    return list(csv.DictReader(io.StringIO(text)))


def filled(rows: list[dict], *, mistake: bool, online: int) -> tuple[bytes, float]:
    """The template with its counts filled in (``online`` for each digital channel; one
    typed as words, if ``mistake``), and the digital take-up the latest period's give."""
    latest = max(r["_timestamp"] for r in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    digital = total = 0
    for number, row in enumerate(rows):
        count = online if row["channel"] in DIGITAL else 1000 + number
        row = {**row, "count": "twelve" if mistake and number == 1 else str(count)}
        writer.writerow(row)
        if row["_timestamp"] == latest:
            total += count
            digital += count if row["channel"] in DIGITAL else 0
    return out.getvalue().encode("utf-8"), digital / total


def upload(visit: Visit, tmp_path, content: bytes, name: str):
    path = tmp_path / name
    path.write_bytes(content)
    visit.page.set_input_files("#id_file", str(path))
    press(visit.page, "Upload and check")


def test_an_uploader_uploads_a_spreadsheet_from_template_to_dashboard(
    browser, site, js, tmp_path, worker_env
):
    visit = Visit(browser, site.url, js)
    page = visit.page
    try:
        sign_in(visit)
        page.get_by_role("link", name="Upload data").first.click()
        page.wait_for_load_state()
        assert page.url.endswith("/manage/uploads")
        visit.check("upload-list")
        page.get_by_role("link", name=f"Upload a file to {DATA_SET}").click()
        page.wait_for_load_state()
        visit.check("upload-form")

        rows = download_template(visit)
        assert rows and set(rows[0]) >= {"_timestamp", "period", "channel", "count"}
        assert {r["channel"] for r in rows} >= DIGITAL

        # Each run (with and without JavaScript) sends other figures, so each changes them.
        online = 9000 if js else 6000
        wrong, _ = filled(rows, mistake=True, online=online)
        upload(visit, tmp_path, wrong, "week.csv")
        summary = page.locator(".govuk-error-summary")
        assert summary.is_visible()
        assert "Row 3, column count: 'twelve' is not a number" in summary.inner_text()
        assert page.title().startswith("Error:")
        visit.check("upload-errors")
        if js:
            # GOV.UK Frontend moves focus to the summary, so a screen reader reads it first.
            assert page.evaluate("document.activeElement.classList.contains('govuk-error-summary')")

        right, takeup = filled(rows, mistake=False, online=online)
        upload(visit, tmp_path, right, "week-fixed.csv")
        assert page.locator("h1").inner_text() == "Check what will change"
        changes = page.locator("#kpi-changes").inner_text()
        assert f"becomes {display(takeup, 'percent')}" in changes
        visit.check("upload-preview")

        press(page, "Confirm and store")
        assert page.locator("h1").inner_text() == "Upload stored"
        visit.check("upload-stored")

        run_the_worker(worker_env)
        page.get_by_role("link", name="View the Tax your vehicle dashboard").click()
        page.wait_for_load_state()
        tile = page.locator("#kpi-digital_takeup .pp-kpi__value").inner_text()
        assert tile == display(takeup, "percent")

        visit.goto(f"/manage/data-sets/{DATA_SET}/uploads")
        history = page.locator("#uploads").inner_text()
        assert "week-fixed.csv" in history and "Stored" in history
        assert "week.csv" in history and "Has errors" in history
        visit.check("upload-history")
    finally:
        visit.close()


def test_the_upload_pages_fit_a_phone(browser, site, js):
    visit = Visit(browser, site.url, js, viewport=PHONE)
    try:
        sign_in(visit)
        for path, name in [
            ("/manage/uploads", "upload-list-phone"),
            (f"/manage/data-sets/{DATA_SET}/upload", "upload-form-phone"),
            (f"/manage/data-sets/{DATA_SET}/uploads", "upload-history-phone"),
        ]:
            visit.goto(path)
            # Nothing wider than the screen (tables scroll inside their own region).
            assert visit.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
            visit.check(name)
    finally:
        visit.close()


def test_a_platform_admin_checks_a_quarterly_collection(browser, site, js, tmp_path):
    """The quarterly collection's pages, at both widths: the form, and a file with an
    unknown service and a bad cell, whose error summary names the cell."""
    for viewport, suffix in [(None, ""), (PHONE, "-phone")]:
        visit = Visit(browser, site.url, js, **({"viewport": viewport} if viewport else {}))
        page = visit.page
        try:
            visit.goto("/manage/sign-in")
            page.get_by_label("Email address").fill("admin@demo.example")
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            press(page, "Sign in")
            visit.goto("/manage/uploads/quarterly")
            assert page.locator("h1").inner_text() == "Quarterly transactions collection"
            visit.check(f"quarterly-form{suffix}")
            path = tmp_path / f"quarter{suffix}.csv"
            path.write_text(
                "service,quarter,digital,paper_form,total_cost\n"
                "vehicle-tax,2026-Q3,lots,10,5000\n"
                "no-such-service,2026-Q3,100,10,5000\n"
            )
            page.set_input_files("#id_file", str(path))
            press(page, "Upload and check")
            summary = page.locator(".govuk-error-summary").inner_text()
            assert "Row 2, column digital" in summary
            visit.check(f"quarterly-errors{suffix}")
        finally:
            visit.close()
