"""Spreadsheet files made by the tests themselves: XLSX (XlsxWriter), XLS (xlwt), ODS (a
zip built by hand, as LibreOffice lays it out) and encrypted XLSX (msoffcrypto-tool)."""

import io
import zipfile
from datetime import date, datetime
from xml.sax.saxutils import escape

import xlsxwriter
import xlwt

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"


def xlsx(rows: list[list], *, sheet: str = "Sheet1", more: dict | None = None, build=None) -> bytes:
    """An XLSX with ``rows`` from A1 on its first sheet (``None`` leaves a cell empty), any
    ``more`` sheets by name, and ``build(workbook, worksheet)`` for anything special."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    dated = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for name, sheet_rows in {sheet: rows, **(more or {})}.items():
        page = book.add_worksheet(name)
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime | date):
                    page.write_datetime(r, c, value, dated)
                elif value is not None:
                    page.write(r, c, value)
        if build is not None and name == sheet:
            build(book, page)
    book.close()
    return out.getvalue()


def xls(rows: list[list], *, sheet: str = "Sheet1", more: dict | None = None) -> bytes:
    """An XLS (BIFF8) with ``rows`` from A1."""
    book = xlwt.Workbook()
    dated = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for name, sheet_rows in {sheet: rows, **(more or {})}.items():
        page = book.add_sheet(name)
        for r, row in enumerate(sheet_rows):
            for c, value in enumerate(row):
                if isinstance(value, datetime | date):
                    page.write(r, c, value, dated)
                elif value is not None:
                    page.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _ods_cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        return (
            '<table:table-cell office:value-type="boolean" '
            f'office:boolean-value="{str(value).lower()}"><text:p>{value}</text:p>'
            "</table:table-cell>"
        )
    if isinstance(value, int | float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime | date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p>'
        "</table:table-cell>"
    )


def ods(
    rows: list[list],
    *,
    sheet: str = "Sheet1",
    more: dict | None = None,
    manifest_extra: str = "",
    extra_files: dict[str, bytes] | None = None,
) -> bytes:
    """An ODS: the uncompressed ``mimetype`` first, then the manifest and content.xml."""
    tables = []
    for name, sheet_rows in {sheet: rows, **(more or {})}.items():
        body = "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in sheet_rows
        )
        tables.append(f'<table:table table:name="{escape(name)}">{body}</table:table>')
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f"<office:body><office:spreadsheet>{''.join(tables)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{ODS_MIMETYPE}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        f"{manifest_extra}</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        for name, data in (extra_files or {}).items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def encrypted_xlsx(rows: list[list], password: str = "secret") -> bytes:
    """An XLSX protected with a password, as Excel saves one: an OLE compound file holding
    EncryptionInfo and EncryptedPackage streams."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx(rows))).encrypt(password, out)
    return out.getvalue()


def rezip(data: bytes, *, add: dict[str, bytes] | None = None, replace=None) -> bytes:
    """A copy of a zip with files added, or with ``replace(name, bytes) -> bytes`` applied."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if replace is not None:
                content = replace(info.filename, content)
            dst.writestr(info, content)
        for name, content in (add or {}).items():
            dst.writestr(name, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()
