"""Reading uploaded files into typed, numbered rows: every format, odd encodings, the
original's CSV rules, spreadsheet cells (dates, formulas, merged cells, numbers stored as
text, errors), sheets, and the row limit. Every file is made here."""

import io
from datetime import date, datetime

import pytest
from python_calamine import CalamineWorkbook

from performance_platform.lib.tables import FileRefused, open_table
from tests.uploads.makefiles import ods, rezip, xls, xlsx

HEADER = ["_timestamp", "period", "channel", "count"]
ROW = ["2025-03-01T00:00:00+00:00", "month", "digital", 120]


def read(data: bytes, filename: str, **kwargs):
    table = open_table(io.BytesIO(data), filename, **kwargs)
    return table, list(table.rows)


def values(rows):
    return [r.values for r in rows]


def refused(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(FileRefused) as caught:
        _, rows = read(data, filename, **kwargs)
    return caught.value.message


MAKERS = {
    "xlsx": lambda rows, **kw: xlsx(rows, **kw),
    "xls": lambda rows, **kw: xls(rows, **kw),
    "ods": lambda rows, **kw: ods(rows, **kw),
    "csv": lambda rows, **kw: "\n".join(
        ",".join("" if v is None else str(v) for v in row) for row in rows
    ).encode(),
}


# ---------------------------------------------------------------- every format


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_every_format_reads_the_same_typed_rows(kind):
    data = MAKERS[kind]([HEADER, ROW, [*ROW[:2], "paper_form", 80.5]])
    table, rows = read(data, f"Transactions.{kind.upper()}")
    assert table.format == kind
    assert table.sheet == (None if kind == "csv" else "Sheet1")
    assert table.headers == HEADER
    assert table.warnings == []
    assert values(rows) == [
        dict(zip(HEADER, ROW, strict=True)),
        {"_timestamp": ROW[0], "period": "month", "channel": "paper_form", "count": 80.5},
    ]
    assert [r.number for r in rows] == [2, 3]
    assert all(r.problems == [] for r in rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_rows_are_a_generator_read_once(kind):
    table = open_table(io.BytesIO(MAKERS[kind]([HEADER, ROW])), f"f.{kind}")
    assert iter(table.rows) is table.rows
    assert len(list(table.rows)) == 1
    assert list(table.rows) == []


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_a_path_can_be_read(kind, tmp_path):
    path = tmp_path / f"data.{kind}"
    path.write_bytes(MAKERS[kind]([HEADER, ROW]))
    table = open_table(path, path.name)
    assert [r.values["count"] for r in table.rows] == [120]
    table = open_table(str(path), path.name)
    assert table.headers == HEADER


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_a_header_only_file_has_no_rows(kind):
    table, rows = read(MAKERS[kind]([HEADER]), f"f.{kind}")
    assert table.headers == HEADER
    assert rows == []


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_comment_column_and_hash_rows_are_dropped_and_numbers_kept(kind):
    data = MAKERS[kind](
        [
            ["# exported by the finance team"],
            ["count", "comment", "channel"],
            ["# a note"],
            [1, "ignore me", "digital"],
            [None, None, None],
            [2, None, "paper"],
        ]
    )
    table, rows = read(data, f"f.{kind}")
    assert table.headers == ["count", "channel"]
    assert values(rows) == [{"count": 1, "channel": "digital"}, {"count": 2, "channel": "paper"}]
    # Skipped rows still count, so the numbers are the ones in the uploader's file.
    assert [r.number for r in rows] == [4, 6]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_header_names_are_stripped(kind):
    table, rows = read(MAKERS[kind]([[" count ", "channel\t"], [1, "x"]]), f"f.{kind}")
    assert table.headers == ["count", "channel"]
    assert values(rows) == [{"count": 1, "channel": "x"}]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_duplicate_header_is_refused(kind):
    message = refused(MAKERS[kind]([["count", "channel", "count"], [1, "a", 2]]), f"f.{kind}")
    assert message.startswith("Column 'count' appears twice in the header row")


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_longer_rows_are_a_row_problem_unless_the_extra_cells_are_empty(kind):
    data = MAKERS[kind]([["a", "b"], [1, 2, 3, None, 5], [1, 2, None, None], [1]])
    _, rows = read(data, f"f.{kind}")
    assert rows[0].problems == [(None, "Row 2 has 5 values but the header row has only 2 columns")]
    assert rows[0].values == {"a": 1, "b": 2}
    assert rows[1].problems == []
    # Shorter rows: the missing cells are empty (the schema says if they are needed).
    assert rows[2].values == {"a": 1, "b": None}
    assert rows[2].problems == []


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_a_value_under_a_blank_header_is_a_row_problem(kind):
    data = MAKERS[kind]([["a", None, "c"], [1, None, 3], [1, "stray", 3]])
    table, rows = read(data, f"f.{kind}")
    assert table.headers == ["a", "c"]
    assert rows[0].problems == []
    assert rows[1].problems == [
        (None, "Row 3 has a value in column B, but that column has no name in the header row")
    ]
    assert rows[1].values == {"a": 1, "c": 3}


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_trailing_and_leading_blank_rows(kind):
    data = MAKERS[kind]([[None], [None], HEADER, ROW, [None] * 4, [None] * 4, [None] * 4])
    table, rows = read(data, f"f.{kind}")
    assert table.headers == HEADER
    assert [r.number for r in rows] == [4]


def test_a_sheet_that_starts_right_of_column_a_reports_the_real_column_letters():
    data = xlsx([[None, None, "a", None, "c"], [None, None, 1, 2, 3]])
    table, rows = read(data, "f.xlsx")
    assert table.headers == ["a", "c"]
    assert rows[0].problems == [
        (None, "Row 2 has a value in column D, but that column has no name in the header row")
    ]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_empty_cells_are_none_in_every_format(kind):
    _, rows = read(MAKERS[kind]([["a", "b", "c"], ["x", None, "  "]]), f"f.{kind}")
    assert rows[0].values == {"a": "x", "b": None, "c": None}


# ---------------------------------------------------------------- CSV


def test_csv_cell_typing_is_strict():
    data = (
        "v\n12\n-7\n 12 \n1_000\n1.5\n1e3\n-2.5E-1\n.5\nnan\ninf\n"
        "Infinity\n0x10\n+5\n١٢\n1,000\n2025-03-01\n1e999\n007\n"
    ).encode()
    _, rows = read(data, "f.csv")
    assert [r.values["v"] for r in rows] == [
        12,
        -7,
        12,
        "1_000",
        1.5,
        1000.0,
        -0.25,
        0.5,
        "nan",
        "inf",
        "Infinity",
        "0x10",
        "+5",
        "١٢",
        1,  # "1,000" unquoted is two cells; the second is past the header (a row problem)
        "2025-03-01",
        "1e999",
        7,
    ]
    assert rows[14].problems == [
        (None, "Row 16 has 2 values but the header row has only 1 columns")
    ]


def test_csv_text_is_kept_as_typed():
    _, rows = read(b'name\n"  spaced  "\n"=cmd"\n', "f.csv")
    assert [r.values["name"] for r in rows] == ["  spaced  ", "=cmd"]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_csv_line_endings_and_quoted_newlines(newline):
    data = newline.join([b"a,b", b'1,"two', b'lines"', b"3,x", b""])
    _, rows = read(data, "f.csv")
    assert values(rows) == [{"a": 1, "b": "two" + newline.decode() + "lines"}, {"a": 3, "b": "x"}]
    # A quoted newline keeps the record on one spreadsheet row.
    assert [r.number for r in rows] == [2, 3]


def test_csv_with_utf8_bom():
    table, rows = read("\ufeffcount,place\n1,Café £5\n".encode(), "f.csv")
    assert table.headers == ["count", "place"]
    assert rows[0].values == {"count": 1, "place": "Café £5"}
    assert table.warnings == []


def test_csv_in_windows_1252_is_converted_with_a_warning():
    table, rows = read("count,place\n1,Café £5\n".encode("cp1252"), "f.csv")
    assert rows[0].values == {"count": 1, "place": "Café £5"}
    assert table.warnings == [
        "The file was not UTF-8: it was read as Windows-1252. Check that characters such as "
        "£ and é look right in the preview."
    ]


def test_csv_that_is_neither_utf8_nor_windows_1252_is_refused():
    # 0x81, 0x8d, 0x8f, 0x90 and 0x9d are not characters in Windows-1252.
    message = refused(b"count,place\n1,\x81\x8d\n", "f.csv")
    assert message == (
        "The file's characters could not be read: it is not UTF-8 or Windows-1252 text. "
        "Save it again as \u201cCSV UTF-8 (comma delimited)\u201d and upload that."
    )


@pytest.mark.parametrize("bom", ["utf-16-le", "utf-16-be"])
def test_csv_in_utf16_is_refused_with_what_to_do(bom):
    data = ("\ufeffcount,place\n1,x\n").encode(bom)
    assert refused(data, "f.csv") == (
        "The file is saved as UTF-16 (\u201cUnicode text\u201d), which cannot be read. "
        "Save it again as \u201cCSV UTF-8 (comma delimited)\u201d and upload that."
    )


def test_a_txt_file_is_read_as_csv():
    table, rows = read(b"a\n1\n", "notes.txt")
    assert table.format == "csv"
    assert values(rows) == [{"a": 1}]


def test_csv_without_a_header_row_is_refused():
    message = refused(b"# only a comment\n\n,,\n", "f.csv")
    assert message.startswith("The file has no header row.")


def test_csv_of_only_whitespace_is_empty():
    assert refused(b" \r\n\r\n", "f.csv").startswith("The file is empty.")


def test_csv_with_a_cell_too_long_for_the_csv_reader_is_refused():
    data = b"a,b\n1,2\n3," + b"x" * 200_000 + b"\n"
    table = open_table(io.BytesIO(data), "f.csv")
    rows = table.rows
    assert next(rows).values == {"a": 1, "b": 2}
    with pytest.raises(FileRefused) as caught:
        next(rows)
    assert caught.value.message == (
        "The file could not be read as CSV at line 3: a cell there is too long, or has a "
        "quote that is not closed. Check that line, save the file again as "
        "\u201cCSV UTF-8 (comma delimited)\u201d and upload it again."
    )


def test_csv_hash_that_is_a_spreadsheet_error_is_reported_not_skipped():
    _, rows = read(b"count,channel\n#N/A,digital\n", "f.csv")
    assert rows[0].problems == [("count", "the cell holds a spreadsheet error (#N/A)")]
    assert rows[0].values == {"count": None, "channel": "digital"}


# ---------------------------------------------------------------- spreadsheet cells


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_dates_become_utc_iso_and_dates_typed_as_text_stay_text(kind):
    data = MAKERS[kind](
        [
            ["when", "typed"],
            [datetime(2025, 3, 1, 13, 30), "2025-03-01"],
            [date(2025, 4, 1), "01/04/2025"],
        ]
    )
    _, rows = read(data, f"f.{kind}")
    assert values(rows) == [
        {"when": "2025-03-01T13:30:00+00:00", "typed": "2025-03-01"},
        {"when": "2025-04-01T00:00:00+00:00", "typed": "01/04/2025"},
    ]


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_numbers_booleans_and_numbers_stored_as_text(kind):
    data = MAKERS[kind](
        [
            ["whole", "fraction", "text_number", "text_float", "flag", "word"],
            [12.0, 0.25, "12", " 1.5 ", True, "twelve"],
        ]
    )
    _, rows = read(data, f"f.{kind}")
    row = rows[0].values
    assert row == {
        "whole": 12,
        "fraction": 0.25,
        "text_number": 12,
        "text_float": 1.5,
        "flag": True,
        "word": "twelve",
    }
    assert type(row["whole"]) is int
    assert type(row["flag"]) is bool


def test_formulas_give_their_cached_values():
    def build(book, page):
        page.write_formula("B2", "=A2*2", None, 240)
        page.write_formula("C2", '=UPPER("digital")', None, "DIGITAL")

    _, rows = read(xlsx([["a", "b", "c"], [120]], build=build), "f.xlsx")
    assert rows[0].values == {"a": 120, "b": 240, "c": "DIGITAL"}


def test_merged_cells_have_the_value_in_the_top_left_cell_only():
    def build(book, page):
        page.merge_range("A2:B3", "digital")

    _, rows = read(xlsx([["channel", "other"], [], [None, None], ["x", 1]], build=build), "f.xlsx")
    assert values(rows) == [
        {"channel": "digital", "other": None},
        {"channel": "x", "other": 1},
    ]
    assert [r.number for r in rows] == [2, 4]


def test_error_cells_are_a_problem_naming_the_column():
    def build(book, page):
        page.write_formula("B2", "=1/0", None, "#DIV/0!")
        page.write_formula("A3", "=NA()", None, "#N/A")
        page.write_formula("C3", "=NA()", None, "#N/A")

    data = xlsx([["count", "rate"], ["1"], [None, 2]], build=build)
    _, rows = read(data, "f.xlsx")
    assert rows[0].values == {"count": 1, "rate": None}
    assert rows[0].problems == [("rate", "the cell holds a spreadsheet error (#DIV/0!)")]
    assert rows[1].problems == [
        ("count", "the cell holds a spreadsheet error (#N/A)"),
        (None, "Row 3 has 3 values but the header row has only 2 columns"),
    ]


def test_an_error_under_a_blank_header_names_its_column_letter():
    def build(book, page):
        page.write_formula("B2", "=NA()", None, "#N/A")

    _, rows = read(xlsx([["count", None, "rate"], [1, None, 2]], build=build), "f.xlsx")
    assert rows[0].problems == [
        (None, "Row 2 has a value in column B, but that column has no name in the header row"),
        (None, "column B: the cell holds a spreadsheet error (#N/A)"),
    ]


def test_error_cells_on_a_named_sheet_are_found_there():
    def build(book, page):
        page.write_formula("A2", "=NA()", None, "#N/A")

    data = xlsx([["count"], [None]], sheet="Data", more={"Intro": [["a"], [1]]}, build=build)
    table, rows = read(data, "f.xlsx", sheet="Data")
    assert rows[0].problems == [("count", "the cell holds a spreadsheet error (#N/A)")]
    table, rows = read(data, "f.xlsx", sheet="Intro")
    assert rows[0].problems == []


def test_error_cells_are_found_across_the_sheets_chunks():
    # About 2.4 MB of sheet XML, scanned 1 MB at a time: every error is found.
    def build(book, page):
        for row in range(1, 30001):
            page.write_formula(row, 0, "=NA()", None, "#N/A")

    _, rows = read(xlsx([["count"]], build=build), "f.xlsx")
    assert len(rows) == 30000
    assert all(r.problems == [("count", "the cell holds a spreadsheet error (#N/A)")] for r in rows)


def test_ods_error_cells_are_a_warning_about_the_file():
    # LibreOffice writes an error's text, which calamine reads as empty.
    data = ods([["count"], [1]])
    error = (
        '<table:table-cell table:formula="of:=NA()" office:string-value="" '
        'calcext:value-type="error"><text:p>#N/A</text:p></table:table-cell>'
    )
    data = rezip(
        data,
        replace=lambda name, content: (
            content.replace(
                b"</table:table-row></table:table>",
                error.encode() + b"</table:table-row></table:table>",
            ).replace(
                b"<office:document-content ",
                b'<office:document-content xmlns:calcext="urn:org:documentfoundation:names:'
                b'experimental:calc:xmlns:calcext:1.0" ',
            )
            if name == "content.xml"
            else content
        ),
    )
    table, rows = read(data, "f.ods")
    assert table.warnings == [
        "Some cells hold spreadsheet errors (such as #N/A): they were read as empty. "
        "Check the preview, or fix the formulas and upload the file again."
    ]
    assert values(rows) == [{"count": 1}]


@pytest.mark.parametrize("kind", ["xlsx", "ods"])
def test_error_text_in_a_cell_is_reported(kind):
    # LibreOffice and some exports keep an error as its text.
    _, rows = read(MAKERS[kind]([["count"], ["#VALUE!"]]), f"f.{kind}")
    assert rows[0].problems == [("count", "the cell holds a spreadsheet error (#VALUE!)")]


# ---------------------------------------------------------------- sheets


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_first_sheet_by_default_and_the_second_is_ignored(kind):
    data = MAKERS[kind]([["a"], [1]], sheet="Data", more={"Notes": [["b"], ["ignored"]]})
    table, rows = read(data, f"f.{kind}")
    assert table.sheet == "Data"
    assert values(rows) == [{"a": 1}]


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_sheet_name_typed_in_another_case_is_found(kind):
    data = MAKERS[kind]([["a"], [1]], sheet="Intro", more={"Q1 Data ": [["b"], [2]]})
    table, rows = read(data, f"f.{kind}", sheet="q1 data")
    assert table.sheet == "Q1 Data "
    assert values(rows) == [{"b": 2}]


def test_an_exact_sheet_name_wins_over_a_loose_match():
    # Excel refuses names that differ only in case; an ODS made elsewhere may have them.
    data = ods([["a"], [1]], sheet="data", more={"Data": [["b"], [2]]})
    table, rows = read(data, "f.ods", sheet="Data")
    assert values(rows) == [{"b": 2}]
    # Two loose matches and no exact one: which was meant is not known.
    assert refused(data, "f.ods", sheet="DATA").startswith("The file has no sheet named")


def test_a_chart_sheet_first_is_passed_over_for_the_first_worksheet():
    def build(book, page):
        chart = book.add_chart({"type": "column"})
        chart.add_series({"values": "=Data!$A$2:$A$3"})
        book.add_chartsheet("Chart").set_chart(chart)
        book.worksheets_objs.insert(0, book.worksheets_objs.pop())  # the chart sheet first

    def error(book, page):
        page.write_formula("B3", "=NA()", None, "#N/A")
        build(book, page)

    data = xlsx([["n", "m"], [1, 2], [3]], sheet="Data", build=error)
    assert CalamineWorkbook.from_filelike(io.BytesIO(data)).sheet_names == ["Chart", "Data"]
    table, rows = read(data, "f.xlsx")
    assert table.sheet == "Data"
    assert values(rows) == [{"n": 1, "m": 2}, {"n": 3, "m": None}]
    # The error cells come from the same sheet.
    assert rows[1].problems == [("m", "the cell holds a spreadsheet error (#N/A)")]


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_a_named_sheet(kind):
    data = MAKERS[kind]([["a"], [1]], sheet="Intro", more={"Q1 data": [["b"], [2]]})
    table, rows = read(data, f"f.{kind}", sheet="Q1 data")
    assert table.sheet == "Q1 data"
    assert table.headers == ["b"]
    assert values(rows) == [{"b": 2}]


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_an_unknown_sheet_is_refused_listing_the_sheets(kind):
    data = MAKERS[kind]([["a"], [1]], sheet="Intro", more={"Data": [["b"], [2]]})
    assert refused(data, f"f.{kind}", sheet="Summary") == (
        "The file has no sheet named \u2018Summary\u2019. Its sheets are: "
        "\u2018Intro\u2019, \u2018Data\u2019."
    )


@pytest.mark.parametrize("kind", ["xlsx", "xls", "ods"])
def test_an_empty_first_sheet_has_no_header_row(kind):
    data = MAKERS[kind]([], more={"Data": [["b"], [2]]})
    assert refused(data, f"f.{kind}").startswith("The file has no header row.")


# ---------------------------------------------------------------- the row limit


@pytest.mark.parametrize("kind", ["csv", "xlsx", "xls", "ods"])
def test_rows_past_the_limit_are_refused_as_they_stream(kind):
    data = MAKERS[kind]([["n"], *[[i] for i in range(6)]])
    table = open_table(io.BytesIO(data), f"f.{kind}", max_rows=5)
    seen = []
    with pytest.raises(FileRefused) as caught:
        for row in table.rows:
            seen.append(row.values["n"])
    assert seen == [0, 1, 2, 3, 4]
    assert caught.value.message == (
        "The file has more than 5 rows: at most 5 rows can be uploaded at once. "
        "Split it into smaller files."
    )


def test_rows_at_the_limit_are_fine_and_blank_and_comment_rows_do_not_count():
    data = b"n\n1\n\n# note\n2\n,\n3\n"
    _, rows = read(data, "f.csv", max_rows=3)
    assert [r.values["n"] for r in rows] == [1, 2, 3]


def test_the_row_limit_defaults_to_the_setting(settings):
    settings.UPLOAD_MAX_ROWS = 2
    table = open_table(io.BytesIO(b"n\n1\n2\n3\n"), "f.csv")
    with pytest.raises(FileRefused, match="more than 2 rows"):
        list(table.rows)
