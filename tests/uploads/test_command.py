"""``performance-platform upload GROUP TYPE FILE [--replace] [--dry-run]``."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance_platform.datastore.models import Record
from performance_platform.uploads.management.commands.upload import Progress
from performance_platform.uploads.models import Upload

from .conftest import HEADER, csv_file, month_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_bytes(csv_file(HEADER, *month_rows("2026-09", 700, 300)))
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("upload", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_upload_stores_the_file_and_keeps_it_in_the_history(data_set, good):
    out, _ = run("tax-disc", "transactions-by-channel", good)
    assert "2 rows: 2 new records, 0 replacing stored ones" in out
    assert "Digital take-up for September 2026 becomes 70%" in out
    assert "Stored 2 records in tax_disc_transactions_by_channel" in out
    assert Record.objects.filter(data_set=data_set).count() == 2
    upload = Upload.objects.get()
    assert (upload.via, upload.status, upload.filename) == ("cli", "stored", "figures.csv")


def test_dry_run_stores_nothing(data_set, good):
    out, _ = run("tax-disc", "transactions-by-channel", good, "--dry-run")
    assert "Dry run: nothing was stored." in out
    assert Record.objects.filter(data_set=data_set).count() == 0
    assert Upload.objects.get().status == Upload.Status.CANCELLED


def test_replace_says_what_it_removes(data_set, good, tmp_path):
    run("tax-disc", "transactions-by-channel", good)
    smaller = tmp_path / "smaller.csv"
    smaller.write_bytes(csv_file(HEADER, "2026-09-01,month,digital,5"))
    out, _ = run("tax-disc", "transactions-by-channel", smaller, "--replace")
    assert "1 rows: 0 new records, 1 replacing stored ones, 1 stored records removed" in out
    assert Record.objects.filter(data_set=data_set).count() == 1


def test_errors_are_printed_and_nothing_is_stored(data_set, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file(HEADER, "2026-09-01,month,digital,twelve"))
    with pytest.raises(CommandError, match="bad.csv has 1 error: nothing was stored"):
        out, err = run("tax-disc", "transactions-by-channel", bad)
    assert Record.objects.filter(data_set=data_set).count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["nope", "transactions-by-channel", "{good}"],
            "There is no data set nope/transactions-by-channel",
        ),
        (["tax-disc", "transactions-by-channel", "{missing}"], "There is no file"),
        (["tax-disc", "transactions-by-channel", "{dir}"], "is a folder, not a file"),
        (
            ["tax-disc", "transactions-by-channel", "{good}", "--as", "nobody@x"],
            "No one has the email",
        ),
        (["tax-disc'; DROP TABLE x;--", "t", "{good}"], "There is no data set"),
    ],
)
def test_bad_arguments_are_clear_errors(data_set, good, tmp_path, args, message):
    values = {"good": good, "missing": tmp_path / "missing.csv", "dir": tmp_path}
    with pytest.raises(CommandError, match=message.replace("/", ".")):
        run(*[a.format(**values) for a in args])
    assert Record.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(data_set, good, settings):
    settings.UPLOAD_MAX_BYTES = 10
    with pytest.raises(CommandError, match="a file can be at most"):
        run("tax-disc", "transactions-by-channel", good)
    assert Upload.objects.count() == 0


def test_progress_is_a_bar_on_a_terminal_and_lines_when_piped():
    tty = io.StringIO()
    bar = Progress(tty, 40_000, tty=True)
    bar(20_000)
    bar.end()
    assert tty.getvalue() == "\rChecking [###############---------------] 20,000 rows\n"
    piped = io.StringIO()
    lines = Progress(piped, None, tty=False)
    for done in range(1000, 25_001, 1000):
        lines(done)
    lines.end()
    assert piped.getvalue() == "Checked 10,000 rows\nChecked 20,000 rows\n"
