"""CSV that a spreadsheet cannot be tricked into running: the one way this project writes it.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or a carriage return,
as OWASP's CSV injection advice adds) would run as a formula when the file is opened in
Excel, LibreOffice or Google Sheets; such text gets a ``'`` in front. Only text is escaped:
a negative number (an ``int`` or ``float``) is a number, and stays ``-5``.

Every CSV the project writes (the data API's ``format=csv``, the site's ``.csv`` twins,
the upload templates) goes through :func:`escape_cell`, usually by way of :func:`writer`.
"""

import csv

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """One CSV cell: empty for null, ``true``/``false`` for booleans, lists joined with
    ``; ``, floats in full (``repr``), and text that could run as a formula escaped."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list | tuple):
        return "; ".join(escape_cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text  # stop spreadsheets running it as a formula
    return text


class SafeWriter:
    """A :func:`csv.writer` whose every cell (headers too) goes through :func:`escape_cell`."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row) -> None:
        """Write one row of values (any type :func:`escape_cell` takes)."""
        self._writer.writerow([escape_cell(value) for value in row])

    def writerows(self, rows) -> None:
        """Write every row of ``rows``."""
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> SafeWriter:
    """A CSV writer on the text stream ``out`` that escapes every cell; ``kwargs`` as for
    :func:`csv.writer` (``lineterminator="\\r\\n"`` is its default already)."""
    return SafeWriter(out, **kwargs)
