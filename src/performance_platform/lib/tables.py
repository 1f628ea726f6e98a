"""Reading an uploaded spreadsheet file (CSV, XLSX, XLS or ODS) safely into typed rows.

:func:`open_table` looks at the file's bytes before anything parses it: what it really is
(by its magic numbers, checked against its name's extension), whether it is empty,
encrypted, carries macros, or is a zip bomb dressed as a spreadsheet. Any problem with the
whole file is a :class:`FileRefused` whose ``message`` is a sentence the uploader can act
on; no exception from the parsers (calamine, zipfile, csv, codecs) escapes as anything else.

The rows come from a generator, so a large file's rows are checked one by one and never
sit in memory twice. The rules, the same for every format (the original's CSV rules,
which it did not apply to Excel files; here they apply to all, so one file means the same
whatever it was saved as):

- The first non-empty row is the header: its cells name the columns (surrounding
  whitespace is stripped). A column named exactly ``comment`` is dropped.
- A row whose first cell starts with ``#`` is a comment and is skipped; so are rows with
  no values. Skipped rows still count, so a row's number is the one the uploader sees.
- Empty cells (and cells of only whitespace) are ``None`` in every format. (The original
  kept ``""`` for CSV and ``None`` for Excel; one rule means a schema check says the same
  thing about a gap whatever the format.)
- Text is typed strictly: ``-?[0-9]+`` is an int, a plain decimal or exponent number a
  float (never ``nan`` or ``inf``), anything else stays text exactly as typed. Numbers
  stored as text in a spreadsheet are typed the same way; dates typed as text stay text.
- Spreadsheet numbers that are whole become ints; date cells become UTC ISO datetimes
  (``2025-03-01T00:00:00+00:00``); booleans stay booleans; formulas give their cached
  values; a merged area's value is in its top-left cell only; error cells (``#N/A``) are
  a problem on their row, naming the column. (calamine reads error cells as empty, so for
  XLSX they are found in the sheet's XML as it is checked; an ODS with error cells gets a
  warning about the file; in an XLS they read as empty, and the schema checks see a gap.)
- The first worksheet is read, or the one named (exactly, else the one whose name matches
  ignoring case and surrounding spaces, as people type it into the form).
"""

import codecs
import csv
import functools
import html
import io
import math
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import BinaryIO

from django.conf import settings


def format_size(size: int) -> str:
    """A size for people: "980 bytes", "980 KB", "12.4 MB", "10 MB" (units of 1024)."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    megabytes = f"{size / (1024 * 1024):.1f}"
    return f"{megabytes.removesuffix('.0')} MB"


#: Formats this reads, by the extension a file of each is named with.
EXTENSIONS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".xls": "xls", ".ods": "ods"}
#: Name of the column the original dropped from every row.
COMMENT_COLUMN = "comment"
#: A zip (XLSX, ODS) may expand to at most this many bytes in all...
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: ...and to at most this many times its own size (above 1 MB expanded; small files'
#: ratios mean nothing). Real spreadsheets expand 5 to 15 times.
MAX_UNZIP_RATIO = 50
#: A zip may hold at most this many files (a workbook has a few dozen at most).
MAX_ZIP_ENTRIES = 2000

SPREADSHEET_ERRORS = frozenset(
    {"#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
    | {"#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!"}
)

_INT = re.compile(r"-?[0-9]+", re.ASCII)
_FLOAT = re.compile(r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?", re.ASCII)

_NUMBER_START = frozenset("0123456789-.")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"
# Magic numbers of things people upload by mistake, so the message can say what it is.
_OTHER_MAGIC = [
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "a Word (RTF) document"),
]
_BOMB = (
    "The file expands to far more data than a spreadsheet of its size should, so it was "
    "not opened. Save the spreadsheet again and upload that."
)
_NESTED = (
    "The file contains another file packed inside it (an embedded workbook or archive), "
    "which is not accepted. Copy the data into a plain spreadsheet and upload that."
)
_NAMES = {"csv": "CSV", "xlsx": "XLSX", "xls": "XLS", "ods": "ODS"}
_DAMAGED = (
    "The file could not be read as {kind} spreadsheet: it may be damaged. "
    "Save it again from your spreadsheet program."
)


class FileRefused(Exception):
    """The whole file cannot be read; ``message`` is the sentence shown to the uploader."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Row:
    """One data row: its number as the uploader sees it, its typed values by column name,
    and any problems found while reading it (column name or ``None``, message)."""

    number: int
    values: dict[str, object]
    problems: list[tuple[str | None, str]] = field(default_factory=list)


@dataclass
class Table:
    """An opened file: its format, the sheet read, the header, warnings about the whole
    file, and its rows (a generator, read once)."""

    format: str
    sheet: str | None
    headers: list[str]
    warnings: list[str]
    rows: Iterator[Row]


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "AEIOUX" else f"a {kind}"


def _extension(filename: str) -> str:
    return os.path.splitext(filename.strip())[1].lower()


def detect_format(head: bytes, filename: str) -> str:
    """What the file is ("csv", "xlsx", "xls" or "ods"), by its first bytes, checked
    against its name's extension. Raises :class:`FileRefused` if the file is empty, is
    not a spreadsheet, has an extension this does not read, or its extension lies."""
    ext = _extension(filename)
    if not head:
        raise FileRefused("The file is empty. Choose a file that has a header row and data.")
    expected = _expected_format(filename)
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise FileRefused(
                f"The file's name ends in {ext}, but it is {what}, not a spreadsheet. "
                "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
            )
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        actual = "ods" if _ODS_MIMETYPE in head[:200] else "xlsx"
    elif head.startswith(_OLE_MAGIC):
        actual = "xls"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(
            "The file is saved as UTF-16 (\u201cUnicode text\u201d), which cannot be read. "
            "Save it again as \u201cCSV UTF-8 (comma delimited)\u201d and upload that."
        )
    elif _looks_binary(head):
        raise FileRefused(
            f"The file's name ends in {ext}, but it does not hold text or a spreadsheet. "
            "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
        )
    else:
        actual = "csv"
    # An encrypted XLSX is an OLE file too: the caller says so before this check matters.
    if actual != expected:
        what = "CSV text" if actual == "csv" else f"{_a(_NAMES[actual])} spreadsheet"
        raise FileRefused(
            f"The file's name ends in {ext}, but it holds {what}, not "
            f"{_a(_NAMES[expected])} {'file' if expected == 'csv' else 'spreadsheet'}. "
            f"Save it again as {_NAMES[expected]}, or rename it to end in "
            f".{actual}."
        )
    return actual


def _expected_format(filename: str) -> str:
    """The format the file's extension promises; refused if this does not read it."""
    ext = _extension(filename)
    if ext not in EXTENSIONS:
        shown = f"ending {ext}" if ext else "without an extension such as .csv"
        raise FileRefused(
            f"Files {shown} cannot be uploaded. Save the spreadsheet as .xlsx, .ods, .xls "
            "or .csv (without macros) and upload that."
        )
    return EXTENSIONS[ext]


def _looks_binary(head: bytes) -> bool:
    # Text never holds NUL or most C0 control characters; Windows-1252 and UTF-8 don't either.
    sample = head[:8192]
    return any(b in sample for b in (b"\x00", b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"))


def open_table(
    source: str | os.PathLike | BinaryIO,
    filename: str,
    *,
    sheet: str | None = None,
    max_rows: int | None = None,
) -> Table:
    """Sniff, check and open a file. Raises :class:`FileRefused` for a whole-file problem
    (rows that go past ``max_rows``, default ``settings.UPLOAD_MAX_ROWS``, raise it while
    the rows are read)."""
    if max_rows is None:
        max_rows = settings.UPLOAD_MAX_ROWS
    _expected_format(filename)
    data = _read_all(source)
    if data.startswith(_OLE_MAGIC):
        _check_ole(data, filename)
    kind = detect_format(data[:8192], filename)
    if kind == "csv":
        return _open_csv(data, max_rows)
    warnings: list[str] = []
    if kind == "xlsx":
        error_cells = _check_ooxml(data, sheet)
    elif kind == "ods":
        error_cells = {}
        if _check_ods(data):
            warnings.append(
                "Some cells hold spreadsheet errors (such as #N/A): they were read as empty. "
                "Check the preview, or fix the formulas and upload the file again."
            )
    else:
        error_cells = {}
    table = _open_workbook(data, kind, sheet, max_rows, error_cells)
    table.warnings.extend(warnings)
    return table


def _read_all(source) -> bytes:
    # Files are at most UPLOAD_MAX_BYTES (checked as they stream in), so reading all of it
    # costs little and lets every check see the real bytes.
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as f:
                return f.read()
        if hasattr(source, "seek"):
            source.seek(0)
        return source.read()
    except OSError as exc:
        raise FileRefused("The file could not be read. Try uploading it again.") from exc


# ---------------------------------------------------------------- whole-file checks


def _ole_has(data: bytes, name: str) -> bool:
    # OLE directory entries hold names in UTF-16LE, padded with NULs.
    return (name.encode("utf-16-le") + b"\x00\x00") in data


def _check_ole(data: bytes, filename: str) -> None:
    """An OLE compound file: an XLS, or an encrypted XLSX/ODS (which is what Excel saves
    a password-protected workbook as), or another Office document."""
    if _ole_has(data, "EncryptionInfo") or _ole_has(data, "EncryptedPackage"):
        raise FileRefused(
            "The file is protected with a password, so it cannot be read. Remove the "
            "password (in Excel: File > Info > Protect Workbook) and upload it again."
        )
    if _ole_has(data, "_VBA_PROJECT_CUR") or _ole_has(data, "_VBA_PROJECT"):
        raise _macros()
    other = ("WordDocument", "PowerPoint Document", "VisioDocument")
    if not (_ole_has(data, "Workbook") or _ole_has(data, "Book")) and any(
        _ole_has(data, name) for name in other
    ):
        raise FileRefused(
            f"The file's name ends in {_extension(filename) or '(nothing)'}, but it is "
            "another kind of Office document, not a spreadsheet. Choose the spreadsheet "
            "itself, saved as .xlsx, .ods, .xls or .csv."
        )


def _macros() -> FileRefused:
    return FileRefused(
        "The file contains macros, which are not accepted. Save it again as an .xlsx "
        "workbook without macros (or as .csv) and upload that."
    )


def _open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except Exception as exc:  # BadZipFile, an unsupported compression method, ...
        raise FileRefused(_DAMAGED.format(kind=_a(_NAMES[kind]))) from exc
    bomb = FileRefused(_BOMB)
    if len(entries) > MAX_ZIP_ENTRIES:
        raise bomb
    declared = sum(e.file_size for e in entries)
    if declared > MAX_UNZIPPED_BYTES or (
        declared > 1024 * 1024 and declared > MAX_UNZIP_RATIO * len(data)
    ):
        raise bomb
    for entry in entries:
        if entry.filename.lower().endswith((".zip", ".xlsx", ".xlsm", ".ods", ".jar", ".docx")):
            raise FileRefused(_NESTED)
    return archive


def _verify_zip(
    archive: zipfile.ZipFile, kind: str, scan: str | None
) -> dict[tuple[int, int], str]:
    """Decompress every entry once, counting the real bytes (a zip's sizes can lie), checking
    each one's CRC, and refusing nested zips. Returns the error cells of the worksheet
    ``scan``, if named, found as it streams past (it is never held whole)."""
    total = 0
    found: dict[tuple[int, int], str] = {}
    carry = b""
    damaged = FileRefused(_DAMAGED.format(kind=_a(_NAMES[kind])))
    try:
        for entry in archive.infolist():
            if entry.is_dir():
                continue
            with archive.open(entry) as member:
                first = True
                while chunk := member.read(1024 * 1024):
                    if first and chunk.startswith(b"PK\x03\x04"):
                        raise FileRefused(_NESTED)
                    first = False
                    total += len(chunk)
                    if total > MAX_UNZIPPED_BYTES:
                        raise FileRefused(_BOMB)
                    if entry.filename == scan:
                        # Overlap the chunks, so a cell split between two is still seen.
                        window = carry + chunk
                        if b't="e"' in window:
                            found.update(_error_cells(window))
                        carry = window[-_ERROR_CELL_SPAN:]
    except FileRefused:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, an unsupported method, ...
        raise damaged from exc
    return found


def _check_ooxml(data: bytes, sheet: str | None) -> dict[tuple[int, int], str]:
    """Check an XLSX zip (bomb, macros, nested files, that it is a workbook) and return
    its chosen sheet's error cells by (row, column), both from 0, since calamine reads
    error cells as empty."""
    archive = _open_zip(data, "xlsx")
    names = {n.lower(): n for n in archive.namelist()}
    if any("vbaproject" in n or n.startswith("xl/macrosheets/") for n in names):
        raise _macros()
    try:
        types = (
            archive.read(names["[content_types].xml"]) if "[content_types].xml" in names else b""
        )
    except Exception as exc:
        raise FileRefused(_DAMAGED.format(kind="an XLSX")) from exc
    if b"macroenabled" in types.lower():
        raise _macros()
    if "xl/workbook.xml" not in names:
        what = "a Word document" if "word/document.xml" in names else "a zip archive"
        raise FileRefused(
            f"The file's name ends in .xlsx, but it is {what}, not an XLSX spreadsheet. "
            "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
        )
    sheet_path = _sheet_part(archive, names, sheet)
    return _verify_zip(archive, "xlsx", sheet_path)


_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\s([^>]*)>")
_ATTR = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')


def _tags(xml: bytes, tag: bytes) -> Iterator[dict[str, str]]:
    # A regex, not an XML parser: these are small parts, and it expands no entities.
    for match in _TAG.finditer(xml):
        if match.group(1) == tag:
            attributes = {}
            for key, value in _ATTR.findall(match.group(2)):
                # The sheet's relationship id is the (namespaced) "r:id"; "Id" on a rel.
                name = "rid" if key.endswith(b":id") else key.decode()
                attributes[name] = html.unescape(value.decode("utf-8", "replace"))
            yield attributes


def _sheet_part(archive: zipfile.ZipFile, names: dict[str, str], sheet: str | None) -> str | None:
    """The zip path of the worksheet that will be read (the first, or the named one)."""
    try:
        book = archive.read(names["xl/workbook.xml"])
        rels_name = names.get("xl/_rels/workbook.xml.rels")
        rels = archive.read(rels_name) if rels_name else b""
    except Exception:
        return None  # calamine will say whether the workbook can be read
    targets = {rel.get("Id"): rel for rel in _tags(rels, b"Relationship")}
    entries = list(_tags(book, b"sheet"))
    if sheet is not None:
        sheet = match_sheet(sheet, [e.get("name", "") for e in entries])
    for entry in entries:
        rel = targets.get(entry.get("rid"))
        if rel is None:
            continue
        # By default the first worksheet, as the reading does (a chart sheet has no rows).
        if sheet is None and not rel.get("Type", "").endswith("/worksheet"):
            continue
        if sheet is None or entry.get("name") == sheet:
            target = rel.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            return names.get(posixpath.normpath(path).lower())
    return None


#: Longest error cell the scan finds (a formula of up to 4 KB between its tags).
_ERROR_CELL_SPAN = 8192
_ERROR_CELL = re.compile(
    rb'<c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*?\bt="e"[^>]*>(?:(?!</c>).){0,4096}?'
    rb"<v>([^<]{1,32})</v>",
    re.DOTALL,
)
_ERROR_CELL_T_FIRST = re.compile(
    rb'<c\s[^>]*?\bt="e"[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*>(?:(?!</c>).){0,4096}?'
    rb"<v>([^<]{1,32})</v>",
    re.DOTALL,
)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (letter - 64)
    return index - 1


def _error_cells(xml: bytes) -> dict[tuple[int, int], str]:
    found = {}
    for pattern in (_ERROR_CELL, _ERROR_CELL_T_FIRST):
        for match in pattern.finditer(xml):
            col, row, value = match.groups()
            found[(int(row) - 1, _column_index(col))] = value.decode("utf-8", "replace")
    return found


def match_sheet(wanted: str, names: list[str]) -> str | None:
    """The sheet called ``wanted``: exactly, or else the only one whose name is the same
    ignoring case and surrounding spaces."""
    if wanted in names:
        return wanted
    loose = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
    return loose[0] if len(loose) == 1 else None


def _check_ods(data: bytes) -> bool:
    """Check an ODS zip (bomb, macros, password, nested files); whether it has error cells
    (calamine reads them as empty, and finding their row means reading the XML's repeats,
    so they are a warning about the file rather than a problem on a row)."""
    archive = _open_zip(data, "ods")
    names = set(archive.namelist())
    if any(n.startswith(("Basic/", "Scripts/")) for n in names):
        raise _macros()
    try:
        manifest = (
            archive.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
        )
    except Exception as exc:
        raise FileRefused(_DAMAGED.format(kind="an ODS")) from exc
    if b"encryption-data" in manifest:
        raise FileRefused(
            "The file is protected with a password, so it cannot be read. Remove the "
            "password (File > Properties > Security, or save it again without one) and "
            "upload it again."
        )
    if b'full-path="Basic/' in manifest or b'full-path="Scripts/' in manifest:
        raise _macros()
    _verify_zip(archive, "ods", None)
    try:
        with archive.open("content.xml") as content:
            carry = b""
            while chunk := content.read(1024 * 1024):
                if b'value-type="error"' in carry + chunk:
                    return True
                carry = chunk[-32:]
    except Exception:  # no content.xml: calamine says the file is damaged
        return False
    return False


# ---------------------------------------------------------------- cells


def type_text(text: str) -> object:
    """A text cell typed as the original did, but strictly: an int, a finite float, or
    the text as typed; ``None`` for an empty (or all-whitespace) cell."""
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[0] not in _NUMBER_START:  # most text: no regex needed
        return stripped if stripped in SPREADSHEET_ERRORS else text
    if len(stripped) < 400:  # numbers are short; a long cell is text, and skips the regexes
        if _INT.fullmatch(stripped):
            return int(stripped)
        if _FLOAT.fullmatch(stripped):
            number = float(stripped)
            if math.isfinite(number):
                return number
    return text


def _spreadsheet_value(value: object) -> object:
    kind = type(value)  # exact types first: this runs for every cell
    if kind is str:
        return type_text(value)
    if kind is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value if math.isfinite(value) else None
    if kind is bool or kind is int:
        return value
    if isinstance(value, datetime | date):
        return _utc_iso(value)
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return value


@functools.lru_cache(maxsize=4096)
def _utc_iso(value: date) -> str:
    # Cached: a file's dates repeat (a row per channel for each period).
    if isinstance(value, datetime):
        stamp = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return stamp.isoformat()
    return datetime(value.year, value.month, value.day, tzinfo=UTC).isoformat()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---------------------------------------------------------------- rows


def _header(cells: list[object], number: int) -> tuple[list[str], list[str | None], set[int]]:
    """The header names, the name each column's values go under by position (``None``
    for a blank name or the comment column), and the comment column's positions."""
    keys: list[str | None] = []
    comments: set[int] = set()
    for index, cell in enumerate(cells):
        name = "" if cell is None else str(cell).strip()
        if name == COMMENT_COLUMN:
            comments.add(index)
            name = ""
        elif name and name in keys:
            raise FileRefused(
                f"Column '{name}' appears twice in the header row (row {number}). Give "
                "each column its own name."
            )
        keys.append(name or None)
    # A sheet's rows are as wide as its widest row: blank header cells at the end are not
    # columns, so values under them are extra values.
    while keys and keys[-1] is None and (len(keys) - 1) not in comments:
        keys.pop()
    return [k for k in keys if k is not None], keys, comments


def _rows(
    raw: Iterable[tuple[int, list[object]]],
    max_rows: int,
    column_offset: int = 0,
) -> tuple[list[str], Iterator[Row]]:
    """Turn (row number, typed cells) into the header and a generator of rows."""
    source = iter(raw)
    for number, cells in source:
        if _skippable(cells):
            continue
        headers, keys, comments = _header(cells, number)
        break
    else:
        raise FileRefused(
            "The file has no header row. Its first row should name the columns, "
            "for example _timestamp, period, channel and count."
        )

    def generate() -> Iterator[Row]:
        count = 0
        width = len(keys)
        plain = None not in keys
        for number, cells in source:
            if _skippable(cells):
                continue
            count += 1
            if count > max_rows:
                raise FileRefused(
                    f"The file has more than {max_rows:,} rows: at most {max_rows:,} rows "
                    "can be uploaded at once. Split it into smaller files."
                )
            problems: list[tuple[str | None, str]] = []
            if plain and SPREADSHEET_ERRORS.isdisjoint(cells):
                # The common row: every column named, no error cells (checked in C).
                values = dict(zip(keys, cells, strict=False))
                if len(cells) < width:
                    values.update(dict.fromkeys(keys[len(cells) :]))
            else:
                values = _slow_values(cells, keys, comments, number, column_offset, problems)
            extra = [i for i in range(width, len(cells)) if cells[i] is not None]
            if extra:
                problems.append(
                    (
                        None,
                        f"Row {number} has {extra[-1] + 1} values but the header row has "
                        f"only {width} columns",
                    )
                )
            yield Row(number, values, problems)

    return headers, generate()


def _slow_values(cells, keys, comments, number, column_offset, problems) -> dict[str, object]:
    """A row's values when it has blank or comment columns, or error cells."""
    values: dict[str, object] = {}
    for index, key in enumerate(keys):
        value = cells[index] if index < len(cells) else None
        if key is not None:
            values[key] = value
        elif value is not None and index not in comments:
            problems.append(
                (
                    None,
                    f"Row {number} has a value in column "
                    f"{_column_letter(index + column_offset)}, but that column has "
                    "no name in the header row",
                )
            )
        if index not in comments and value in SPREADSHEET_ERRORS:
            _error(problems, key, index, column_offset, value)
            if key is not None:
                values[key] = None
    return values


def _error(problems, key, index, offset, code) -> None:
    where = key if key is not None else None
    place = "" if key is not None else f"column {_column_letter(index + offset)}: "
    problems.append((where, f"{place}the cell holds a spreadsheet error ({code})"))


def _skippable(cells: list[object]) -> bool:
    """Rows with no values, and comment rows (first cell starting with ``#``, unless it is
    a spreadsheet error such as ``#N/A``, which is reported instead)."""
    first = cells[0] if cells else None
    if type(first) is str and first.lstrip().startswith("#"):
        return first.strip() not in SPREADSHEET_ERRORS
    return cells.count(None) == len(cells)


# ---------------------------------------------------------------- CSV


def _encoding(data: bytes) -> tuple[str, list[str]]:
    """The CSV's encoding (UTF-8, with or without a BOM, else Windows-1252 with a warning),
    refusing a file that is neither, or holds no text."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # Decoded whole once to check it (and dropped); the rows decode as they stream.
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if not text.strip():
            raise FileRefused("The file is empty. Choose a file that has a header row and data.")
        if encoding == "utf-8-sig":
            return encoding, []
        return encoding, [
            "The file was not UTF-8: it was read as Windows-1252. Check that characters "
            "such as \u00a3 and \u00e9 look right in the preview."
        ]
    raise FileRefused(
        "The file's characters could not be read: it is not UTF-8 or Windows-1252 text. "
        "Save it again as \u201cCSV UTF-8 (comma delimited)\u201d and upload that."
    )


def _open_csv(data: bytes, max_rows: int) -> Table:
    encoding, warnings = _encoding(data)

    def raw() -> Iterator[tuple[int, list[object]]]:
        # newline="" lets csv see CR, LF and CRLF line ends, and newlines inside quotes.
        text = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        reader = csv.reader(text, strict=False)
        try:
            for number, cells in enumerate(reader, start=1):
                yield number, [type_text(c) for c in cells]
        except csv.Error as exc:
            raise FileRefused(
                f"The file could not be read as CSV at line {reader.line_num}: a cell there "
                "is too long, or has a quote that is not closed. Check that line, save the "
                "file again as \u201cCSV UTF-8 (comma delimited)\u201d and upload it again."
            ) from exc

    headers, rows = _rows(raw(), max_rows)
    return Table("csv", None, headers, warnings, rows)


# ---------------------------------------------------------------- spreadsheets


def _open_workbook(
    data: bytes,
    kind: str,
    sheet: str | None,
    max_rows: int,
    error_cells: dict[tuple[int, int], str],
) -> Table:
    import python_calamine

    damaged = _DAMAGED.format(kind=_a(_NAMES[kind]))
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        names = list(book.sheet_names)
        if not names:
            raise FileRefused(damaged)
        if sheet is not None:
            sheet = match_sheet(sheet, names) or sheet
        if sheet is not None and sheet not in names:
            listed = ", ".join(f"\u2018{n}\u2019" for n in names)
            raise FileRefused(
                f"The file has no sheet named \u2018{sheet}\u2019. Its sheets are: {listed}."
            )
        # The first worksheet by default: a chart (or dialog, macro) sheet has no rows.
        worksheets = [
            m.name for m in book.sheets_metadata if m.typ == python_calamine.SheetTypeEnum.WorkSheet
        ]
        chosen = sheet if sheet is not None else (worksheets or names)[0]
        worksheet = book.get_sheet_by_name(chosen)
        start = worksheet.start
        cells = worksheet.iter_rows()
    except FileRefused:
        raise
    except python_calamine.PasswordError as exc:
        raise FileRefused(
            "The file is protected with a password, so it cannot be read. Remove the "
            "password and upload it again."
        ) from exc
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's errors, and its Rust panics (BaseException)
        raise FileRefused(damaged) from exc
    # iter_rows starts at the sheet's first row but at its first used column.
    offset = start[1] if start else 0
    errors_by_row: dict[int, dict[int, str]] = {}
    for (row_index, column), code in error_cells.items():
        errors_by_row.setdefault(row_index, {})[column] = code

    def raw() -> Iterator[tuple[int, list[object]]]:
        try:
            for index, row in enumerate(cells):
                typed = [_spreadsheet_value(v) for v in row]
                if index in errors_by_row:
                    # calamine reads an error cell as empty; put its code back, so it is
                    # reported like an error typed as text (and its row is not "empty").
                    for column, code in errors_by_row[index].items():
                        if 0 <= column - offset < len(typed):
                            typed[column - offset] = code
                yield index + 1, typed
        except (KeyboardInterrupt, SystemExit, GeneratorExit):
            raise
        except BaseException as exc:  # a Rust panic is a BaseException
            raise FileRefused(damaged) from exc

    headers, rows = _rows(raw(), max_rows, offset)
    return Table(kind, chosen, headers, [], rows)


__all__ = ["FileRefused", "Row", "Table", "detect_format", "format_size", "open_table"]
