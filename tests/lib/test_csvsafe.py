"""The one CSV escaping function (lib.csvsafe): text that a spreadsheet would run as a
formula gets a ``'`` in front; numbers, even negative ones, stay numbers."""

import csv
import io

import pytest

from performance_platform.lib import csvsafe


@pytest.mark.parametrize("text", ["=1+2", "+1", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "-5"])
def test_text_that_starts_a_formula_is_escaped(text):
    assert csvsafe.escape_cell(text) == "'" + text


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (-5, "-5"),
        (-0.25, "-0.25"),
        (12, "12"),
        (1.5, "1.5"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (["=x", -1, "y"], "'=x; -1; y"),
    ],
)
def test_other_values(value, cell):
    assert csvsafe.escape_cell(value) == cell


def test_writer_escapes_headers_and_rows_and_quotes_as_csv_does():
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\r\n")
    writer.writerow(["name", "=label"])
    writer.writerows([["@cmd", -3], ["a,b", None]])
    assert out.getvalue() == "name,'=label\r\n'@cmd,-3\r\n\"a,b\",\r\n"
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [
        ["name", "'=label"],
        ["'@cmd", "-3"],
        ["a,b", ""],
    ]
