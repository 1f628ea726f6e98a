"""Files that must be refused as a whole, each with its sentence: empty files, extensions
that lie, unsupported types, zip bombs, macros, passwords, damage; random bytes never
raise anything but FileRefused; and the size limit as a file streams in."""

import collections
import contextlib
import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler, StopUpload
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from performance_platform.lib.tables import FileRefused, detect_format, open_table
from performance_platform.uploads import limits

from .makefiles import encrypted_xlsx, ods, rezip, xls, xlsx

ROWS = [["_timestamp", "count"], ["2025-03-01T00:00:00+00:00", 5]]
CSV = b"_timestamp,count\n2025-03-01T00:00:00+00:00,5\n"
DAMAGED = (
    "The file could not be read as {} spreadsheet: it may be damaged. "
    "Save it again from your spreadsheet program."
)
MACROS = (
    "The file contains macros, which are not accepted. Save it again as an .xlsx "
    "workbook without macros (or as .csv) and upload that."
)
BOMB = (
    "The file expands to far more data than a spreadsheet of its size should, so it "
    "was not opened. Save the spreadsheet again and upload that."
)
NESTED = (
    "The file contains another file packed inside it (an embedded workbook or "
    "archive), which is not accepted. Copy the data into a plain spreadsheet "
    "and upload that."
)
PASSWORD = (
    "The file is protected with a password, so it cannot be read. Remove the "
    "password (in Excel: File > Info > Protect Workbook) and upload it again."
)


def refused(data: bytes, filename: str, **kwargs) -> str:
    with pytest.raises(FileRefused) as caught:
        table = open_table(io.BytesIO(data), filename, **kwargs)
        list(table.rows)
    return caught.value.message


# ---------------------------------------------------------------- empty


@pytest.mark.parametrize("name", ["f.csv", "f.xlsx", "f.xls", "f.ods"])
def test_an_empty_file_is_refused(name):
    assert refused(b"", name) == "The file is empty. Choose a file that has a header row and data."


# ---------------------------------------------------------------- extensions


@pytest.mark.parametrize("ext", [".xlsm", ".xlsb", ".numbers", ".pdf", ".json", ".exe", ".XLTX"])
def test_unsupported_extensions_are_refused(ext):
    assert refused(CSV, f"data{ext}") == (
        f"Files ending {ext.lower()} cannot be uploaded. Save the spreadsheet as .xlsx, .ods, "
        ".xls or .csv (without macros) and upload that."
    )


def test_a_file_without_an_extension_is_refused():
    assert refused(CSV, "data").startswith("Files without an extension such as .csv cannot")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            CSV,
            "data.xlsx",
            "The file's name ends in .xlsx, but it holds CSV text, not an XLSX spreadsheet. "
            "Save it again as XLSX, or rename it to end in .csv.",
        ),
        (
            xlsx(ROWS),
            "data.csv",
            "The file's name ends in .csv, but it holds an XLSX spreadsheet, not a CSV file. "
            "Save it again as CSV, or rename it to end in .xlsx.",
        ),
        (
            xls(ROWS),
            "data.xlsx",
            "The file's name ends in .xlsx, but it holds an XLS spreadsheet, not an XLSX "
            "spreadsheet. Save it again as XLSX, or rename it to end in .xls.",
        ),
        (
            ods(ROWS),
            "data.xlsx",
            "The file's name ends in .xlsx, but it holds an ODS spreadsheet, not an XLSX "
            "spreadsheet. Save it again as XLSX, or rename it to end in .ods.",
        ),
        (
            xlsx(ROWS),
            "data.ods",
            "The file's name ends in .ods, but it holds an XLSX spreadsheet, not an ODS "
            "spreadsheet. Save it again as ODS, or rename it to end in .xlsx.",
        ),
        (
            xlsx(ROWS),
            "data.xls",
            "The file's name ends in .xls, but it holds an XLSX spreadsheet, not an XLS "
            "spreadsheet. Save it again as XLS, or rename it to end in .xlsx.",
        ),
    ],
)
def test_an_extension_that_lies_about_the_content_is_refused(data, name, message):
    assert refused(data, name) == message


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "a Windows program"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "a PDF document"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image"),
        (b"\x1f\x8b\x08\x00", "a gzip archive"),
    ],
)
def test_binary_files_named_csv_are_refused_saying_what_they_are(head, what):
    assert refused(head + bytes(range(256)), "data.csv") == (
        f"The file's name ends in .csv, but it is {what}, not a spreadsheet. "
        "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
    )


def test_unknown_binary_junk_named_csv_is_refused():
    assert refused(b"a,b\n\x00\x01\x02\x03junk", "data.csv") == (
        "The file's name ends in .csv, but it does not hold text or a spreadsheet. "
        "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
    )


def test_a_word_document_named_xlsx_is_refused():
    docx = rezip(
        xlsx(ROWS),
        replace=lambda name, content: content,
        add={"word/document.xml": b"<w:document/>"},
    )
    # Without the workbook part it is only a Word document.
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if not info.filename.startswith("xl/"):
                dst.writestr(info, src.read(info))
    assert refused(out.getvalue(), "data.xlsx") == (
        "The file's name ends in .xlsx, but it is a Word document, not an XLSX spreadsheet. "
        "Choose the spreadsheet itself, saved as .xlsx, .ods, .xls or .csv."
    )


def test_a_plain_zip_named_xlsx_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert refused(out.getvalue(), "data.xlsx").startswith(
        "The file's name ends in .xlsx, but it is a zip archive, not an XLSX spreadsheet."
    )


def test_another_office_document_named_xls_is_refused():
    # An OLE file without a Workbook stream (a Word .doc has WordDocument instead).
    data = xls(ROWS).replace(
        "Workbook".encode("utf-16-le") + bytes(10), "WordDocument".encode("utf-16-le") + bytes(2)
    )
    assert "WordDocument".encode("utf-16-le") in data
    assert refused(data, "data.xls").startswith(
        "The file's name ends in .xls, but it is another kind of Office document"
    )


def test_detect_format_by_content():
    assert detect_format(xlsx(ROWS)[:8192], "a.XLSX") == "xlsx"
    assert detect_format(ods(ROWS)[:8192], "a.ods") == "ods"
    assert detect_format(xls(ROWS)[:8192], "a.xls") == "xls"
    assert detect_format(CSV, "a.csv") == "csv"
    with pytest.raises(FileRefused):
        detect_format(CSV, "a.ods")


# ---------------------------------------------------------------- zip bombs


def _zeros_zip(size: int, base: bytes | None = None, name: str = "xl/media/big.bin") -> bytes:
    """An XLSX (or ``base``) with an entry of ``size`` zero bytes, which deflate packs
    about a thousand times smaller."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base or xlsx(ROWS))) as src:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info, src.read(info))
            with dst.open(name, "w", force_zip64=True) as big:
                chunk = bytes(1024 * 1024)
                for _ in range(size // len(chunk)):
                    big.write(chunk)
    return out.getvalue()


def test_a_zip_bomb_dressed_as_xlsx_is_refused():
    data = _zeros_zip(30 * 1024 * 1024)
    assert len(data) < 100_000
    assert refused(data, "data.xlsx") == BOMB


def test_a_zip_bomb_dressed_as_ods_is_refused():
    data = _zeros_zip(30 * 1024 * 1024, base=ods(ROWS), name="Pictures/big.bin")
    assert refused(data, "data.ods") == BOMB


def _patch_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """The zip with ``name``'s uncompressed size set to ``size`` in both its local header
    and the central directory (a bomb that lies about how big it is)."""
    patched = bytearray(data)
    local = patched.find(b"PK\x03\x04" + patched[4:4])
    while local != -1:
        name_len = struct.unpack_from("<H", patched, local + 26)[0]
        if patched[local + 30 : local + 30 + name_len] == name:
            struct.pack_into("<I", patched, local + 22, size)
        local = patched.find(b"PK\x03\x04", local + 4)
    central = patched.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", patched, central + 28)[0]
        if patched[central + 46 : central + 46 + name_len] == name:
            struct.pack_into("<I", patched, central + 24, size)
        central = patched.find(b"PK\x01\x02", central + 4)
    return bytes(patched)


def test_a_zip_that_lies_about_its_sizes_is_refused_before_calamine():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx(ROWS))) as src:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info))
            dst.writestr("xl/media/big.bin", bytes(8 * 1024 * 1024))
    data = _patch_sizes(out.getvalue(), b"xl/media/big.bin", 1000)
    assert refused(data, "data.xlsx") == DAMAGED.format("an XLSX")


def test_a_zip_with_too_many_files_is_refused():
    data = rezip(xlsx(ROWS), add={f"xl/media/{i}.bin": b"" for i in range(2001)})
    assert refused(data, "data.xlsx") == BOMB


def test_a_zip_inside_the_xlsx_is_refused():
    inner = xlsx(ROWS)
    assert refused(rezip(xlsx(ROWS), add={"xl/embeddings/Book1.xlsx": inner}), "a.xlsx") == NESTED
    # Named as something else, it is found by its own magic number.
    assert refused(rezip(xlsx(ROWS), add={"xl/media/image1.png": inner}), "a.xlsx") == NESTED
    assert refused(ods(ROWS, extra_files={"Pictures/x.png": inner}), "a.ods") == NESTED


# ---------------------------------------------------------------- macros


def test_an_xlsx_with_a_vba_project_is_refused():
    data = rezip(xlsx(ROWS), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert refused(data, "data.xlsx") == MACROS


def test_an_xlsx_with_a_macro_enabled_content_type_is_refused():
    def macro_enabled(name, content):
        if name == "[Content_Types].xml":
            return content.replace(b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return content

    data = rezip(xlsx(ROWS), replace=macro_enabled)
    assert b"macroEnabled" in zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    assert refused(data, "data.xlsx") == MACROS


def test_an_xlsx_with_excel_4_macro_sheets_is_refused():
    data = rezip(xlsx(ROWS), add={"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"})
    assert refused(data, "data.xlsx") == MACROS


def test_an_ods_with_basic_macros_is_refused():
    assert refused(ods(ROWS, extra_files={"Basic/Standard/Module1.xml": b"<x/>"}), "a.ods") == (
        MACROS
    )
    manifest = '<manifest:file-entry manifest:full-path="Basic/" manifest:media-type="text/xml"/>'
    assert refused(ods(ROWS, manifest_extra=manifest), "a.ods") == MACROS


def test_an_xls_with_a_vba_project_is_refused():
    # xlwt cannot write macros, so the test adds an OLE directory entry named as Excel
    # names the VBA storage (UTF-16LE, NUL-padded), which is what the check looks for.
    name = "_VBA_PROJECT_CUR".encode("utf-16-le")
    entry = name + bytes(64 - len(name)) + struct.pack("<H", len(name) + 2) + bytes(62)
    assert refused(xls(ROWS) + entry, "data.xls") == MACROS


# ---------------------------------------------------------------- passwords


def test_an_encrypted_xlsx_is_refused():
    data = encrypted_xlsx(ROWS)
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    assert refused(data, "data.xlsx") == PASSWORD
    # Whatever it is named: an encrypted workbook is an OLE file, like an XLS.
    assert refused(data, "data.xls") == PASSWORD


def test_the_extension_is_checked_before_the_content():
    assert refused(encrypted_xlsx(ROWS), "data.xlsm").startswith("Files ending .xlsm cannot")
    assert refused(b"", "data.numbers").startswith("Files ending .numbers cannot")


def test_an_xls_named_csv_is_refused():
    assert refused(xls(ROWS), "data.csv") == (
        "The file's name ends in .csv, but it holds an XLS spreadsheet, not a CSV file. "
        "Save it again as CSV, or rename it to end in .xls."
    )


def test_an_encrypted_ods_is_refused():
    manifest = (
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x">'
        '<manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="x"/></manifest:encryption-data></manifest:file-entry>'
    )
    message = refused(ods(ROWS, manifest_extra=manifest), "data.ods")
    assert message.startswith("The file is protected with a password, so it cannot be read.")


# ---------------------------------------------------------------- damage


@pytest.mark.parametrize(
    ("data", "name", "kind"),
    [
        (xlsx(ROWS)[:600], "a.xlsx", "an XLSX"),
        (xlsx(ROWS)[:-30], "a.xlsx", "an XLSX"),
        (
            rezip(xlsx(ROWS), replace=lambda n, c: b"<not xml" if "sheet1" in n else c),
            "a.xlsx",
            "an XLSX",
        ),
        (ods(ROWS)[:300], "a.ods", "an ODS"),
        (
            rezip(ods(ROWS), replace=lambda n, c: b"<<<" if n == "content.xml" else c),
            "a.ods",
            "an ODS",
        ),
        (xls(ROWS)[:1024], "a.xls", "an XLS"),
        (xls(ROWS)[:600] + bytes(2000), "a.xls", "an XLS"),
    ],
    ids=["xlsx-cut", "xlsx-tail", "xlsx-bad-xml", "ods-cut", "ods-bad-xml", "xls-cut", "xls-0s"],
)
def test_a_damaged_spreadsheet_is_refused(data, name, kind):
    assert refused(data, name) == DAMAGED.format(kind)


def test_a_crc_error_is_damage():
    data = bytearray(xlsx(ROWS))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml")
    struct.pack_into("<I", data, info.header_offset + 14, info.CRC ^ 0xFFFF)
    data = bytes(data)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            data = (
                data[: central + 16] + struct.pack("<I", info.CRC ^ 0xFFFF) + data[central + 20 :]
            )
        central = data.find(b"PK\x01\x02", central + 4)
    assert refused(data, "a.xlsx") == DAMAGED.format("an XLSX")


# ---------------------------------------------------------------- random bytes


PREFIXES = [b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"a,b\n", b"\xef\xbb\xbf"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=600),
    name=st.sampled_from(["f.csv", "f.xlsx", "f.xls", "f.ods", "f.txt", "f.pdf"]),
)
def test_random_bytes_never_raise_anything_but_file_refused(prefix, body, name):
    try:
        table = open_table(io.BytesIO(prefix + body), name)
        for row in table.rows:
            assert isinstance(row.values, dict)
    except FileRefused as exc:
        assert exc.message.endswith(".")


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=5000), flip=st.integers(0, 255))
def test_damaged_real_spreadsheets_never_raise_anything_but_file_refused(cut, flip):
    for data, name in ((XLSX_BYTES, "f.xlsx"), (XLS_BYTES, "f.xls"), (ODS_BYTES, "f.ods")):
        broken = bytearray(data)
        position = cut % len(broken)
        broken[position] ^= flip
        # Reading every row raises FileRefused or nothing: any other exception fails.
        with contextlib.suppress(FileRefused):
            collections.deque(
                open_table(io.BytesIO(bytes(broken[: max(cut, 1) * 3])), name).rows, 0
            )


XLSX_BYTES = xlsx(ROWS * 5)
XLS_BYTES = xls(ROWS * 5)
ODS_BYTES = ods(ROWS * 5)


# ---------------------------------------------------------------- the size limit


def test_format_size():
    assert limits.format_size(980) == "980 bytes"
    assert limits.format_size(980 * 1024) == "980 KB"
    assert limits.format_size(10 * 1024 * 1024) == "10 MB"
    assert limits.format_size(int(12.4 * 1024 * 1024)) == "12.4 MB"


def _feed(handler, total: int, chunk: int = 64 * 1024):
    """Feed ``total`` bytes to the handler in chunks, as MultiPartParser does; returns the
    bytes passed on and whether it stopped the upload."""
    handler.new_file("file", "data.csv", "text/csv", total)
    passed = 0
    for start in range(0, total, chunk):
        data = b"x" * min(chunk, total - start)
        try:
            out = handler.receive_data_chunk(data, start)
        except StopUpload as stop:
            assert stop.connection_reset is False
            return passed, True
        passed += len(out)
    handler.file_complete(passed)
    return passed, False


def test_the_handler_passes_a_file_within_the_limit_on():
    request = RequestFactory().post("/")
    handler = limits.SizeLimitedUploadHandler(request, limit=1024 * 1024)
    handler.handle_raw_input(None, {}, 1024 * 1024, b"x")
    assert _feed(handler, 1024 * 1024) == (1024 * 1024, False)
    assert handler.message() is None
    assert getattr(request, limits.MARKER, None) is None


def test_the_handler_stops_as_soon_as_the_limit_is_passed(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    request = RequestFactory().post("/")
    handler = limits.SizeLimitedUploadHandler(request)
    handler.handle_raw_input(None, {}, int(12.4 * 1024 * 1024), b"x")
    passed, stopped = _feed(handler, int(12.4 * 1024 * 1024))
    assert stopped
    # Nothing past the limit was passed on to the handler that keeps the file.
    assert passed <= 10 * 1024 * 1024
    assert handler.received <= 10 * 1024 * 1024 + 64 * 1024
    assert handler.message() == "The file is 12.4 MB: files can be at most 10 MB."


def test_the_handler_says_larger_than_when_the_size_is_unknown(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    handler = limits.SizeLimitedUploadHandler(RequestFactory().post("/"))
    handler.handle_raw_input(None, {}, None, b"x")  # a chunked request has no length
    assert _feed(handler, 3 * 1024 * 1024)[1]
    assert handler.message() == "The file is larger than 1 MB: files can be at most 1 MB."


def test_a_file_just_over_the_limit_does_not_read_as_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    assert limits.refusal(1024 * 1024 + 10) == (
        "The file is larger than 1 MB: files can be at most 1 MB."
    )


def _multipart(size: int) -> tuple[dict, bytes]:
    body = encode_multipart(
        BOUNDARY,
        {
            "csrfmiddlewaretoken": "token",
            "mode": "add",
            "file": SimpleUploadedFile("data.csv", b"a\n" + b"1\n" * (size // 2)),
        },
    )
    meta = {"CONTENT_TYPE": MULTIPART_CONTENT, "CONTENT_LENGTH": str(len(body))}
    return meta, body


def test_a_real_multipart_request_over_the_limit_is_stopped(settings):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    meta, body = _multipart(3 * 1024 * 1024)
    handler = limits.SizeLimitedUploadHandler(RequestFactory().post("/"))
    parser = MultiPartParser(meta, io.BytesIO(body), [handler, MemoryFileUploadHandler()])
    post, files = parser.parse()
    assert "file" not in files
    # Fields before the file (such as the CSRF token) are still there.
    assert post["csrfmiddlewaretoken"] == "token"
    assert handler.message() == "The file is 3 MB: files can be at most 256 KB."


def test_install_and_too_big_on_a_request(settings):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    meta, body = _multipart(1024 * 1024)
    request = RequestFactory().generic("POST", "/upload", body, content_type=MULTIPART_CONTENT)
    limits.install(request)
    assert isinstance(request.upload_handlers[0], limits.SizeLimitedUploadHandler)
    assert limits.too_big(request) == "The file is 1 MB: files can be at most 256 KB."
    assert "file" not in request.FILES


def test_too_big_is_none_for_a_file_within_the_limit(settings):
    settings.UPLOAD_MAX_BYTES = 256 * 1024
    meta, body = _multipart(100 * 1024)
    request = RequestFactory().generic("POST", "/upload", body, content_type=MULTIPART_CONTENT)
    limits.install(request)
    assert limits.too_big(request) is None
    assert request.FILES["file"].read().startswith(b"a\n1\n")


def test_install_after_the_body_was_read_is_an_error(settings):
    meta, body = _multipart(1024)
    request = RequestFactory().generic("POST", "/upload", body, content_type=MULTIPART_CONTENT)
    request.POST  # noqa: B018 - reads the body
    with pytest.raises(RuntimeError, match="before request.POST"):
        limits.install(request)
