"""Checking a file's rows against a data set, cell by cell, before anything is stored.

Every row goes through the write API's own record checks
(:func:`performance_platform.datastore.validation.record_checker`): the data set's
schema, its ``auto_ids``, timestamps and field rules, so a spreadsheet can hold nothing
the API would refuse. What this module adds is the wording: each problem names the row
and column a person can find in their spreadsheet ("Row 14, column count: 'twelve' is
not a whole number"), and problems with the header row are said once, not once a row.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from performance_platform.datastore.models import DataSet
from performance_platform.datastore.validation import (
    INTERNAL_FIELDS,
    TIMESTAMP_FIELDS,
    Problem,
    is_valid_key,
    record_checker,
)
from performance_platform.lib.tables import Row

#: The most errors kept and shown; the rest are counted.
MAX_ERRORS = 100

_UK_DATE = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


@dataclass
class CellError:
    """One problem, where a person can find it: ``row`` and ``column`` as in their file
    (either may be None for a problem with the whole file or a whole row)."""

    message: str
    row: int | None = None
    column: str | None = None

    @property
    def text(self) -> str:
        """The message with its place: "Row 14, column count: 'twelve' is not a whole number"."""
        if self.row is not None and self.column:
            return f"Row {self.row}, column {self.column}: {self.message}"
        if self.row is not None:
            return f"Row {self.row}: {self.message}"
        if self.column:
            return f"Column {self.column}: {self.message}"
        return self.message

    def as_dict(self) -> dict:
        """JSON-ready, for keeping with the upload."""
        return {"row": self.row, "column": self.column, "message": self.message, "text": self.text}


@dataclass
class Checked:
    """The outcome of checking a file's rows: the records (when there is no error), or
    the first :data:`MAX_ERRORS` errors and how many there were in all."""

    records: list[dict] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    error_count: int = 0
    row_count: int = 0
    warnings: list[str] = field(default_factory=list)

    def add(self, error: CellError) -> None:
        """Count an error, keeping it if fewer than :data:`MAX_ERRORS` are kept."""
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)

    @property
    def ok(self) -> bool:
        """True when the file may be stored."""
        return self.error_count == 0


def _shown(value) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "…"
        return f"'{text}'"
    return repr(value)


def _schema_words(problem: Problem) -> str:
    value, expected, rule = problem.value, problem.expected, problem.rule
    if value is None or value == "":
        if rule == "required":
            return "this column is missing"
        return "is empty: " + _wanted(expected if rule == "type" else None)
    if rule == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        if "integer" in kinds and "number" not in kinds:
            return f"{_shown(value)} is not a whole number"
        if "number" in kinds:
            return f"{_shown(value)} is not a number"
        if "string" in kinds:
            return f"{_shown(value)} should be text"
        if "boolean" in kinds:
            return f"{_shown(value)} should be TRUE or FALSE"
    if rule == "minimum":
        return f"{_shown(value)} is less than {expected}: it must be {expected} or more"
    if rule == "maximum":
        return f"{_shown(value)} is more than {expected}: it must be {expected} or less"
    if rule == "exclusiveMinimum":
        return f"{_shown(value)} must be more than {expected}"
    if rule == "enum":
        allowed = ", ".join(str(v) for v in (expected or [])[:20])
        return f"{_shown(value)} is not allowed: it must be one of {allowed}"
    if rule == "minLength":
        return "is empty" if expected == 1 else f"must be at least {expected} characters long"
    if rule == "maxLength":
        return f"is longer than {expected} characters"
    if rule == "pattern":
        return f"{_shown(value)} is not in the expected form"
    if rule == "format" and expected == "date-time":
        return f"{_shown(value)} is not a date and time, such as 2025-03-01T00:00:00+00:00"
    return problem.message


def _wanted(expected) -> str:
    kinds = expected if isinstance(expected, list) else [expected]
    if "integer" in kinds and "number" not in kinds:
        return "enter a whole number"
    if "number" in kinds:
        return "enter a number"
    return "enter a value"


def _words(problem: Problem) -> str:
    """A problem as a person fixing their spreadsheet needs it."""
    if problem.stage == "schema":
        return _schema_words(problem)
    if problem.stage == "timestamp":
        if problem.rule == "date":
            return f"{_shown(problem.value)} is not a real date"
        if problem.value is None or problem.value == "":
            return "is empty: enter a date, such as 2025-03-01"
        return (
            f"{_shown(problem.value)} is not a date: write it as 2025-03-01 or "
            "2025-03-01T00:00:00+00:00"
        )
    if problem.stage == "record" and problem.field == "_id":
        return f"{_shown(problem.value)} is not a valid id: an id cannot be empty or contain spaces"
    if problem.stage == "record" and problem.field is None:
        return "the file has no _timestamp column: every row needs the date it refers to"
    if problem.stage == "record":
        return f"{_shown(problem.value)} cannot be stored ({problem.message})"
    return problem.message


def header_errors(headers: list[str], data_set: DataSet) -> list[CellError]:
    """Problems with the header row, each said once: names that cannot be field names,
    and columns the data set needs that the file does not have."""
    errors = []
    for number, name in enumerate(headers, start=1):
        if name.startswith("_") and name not in INTERNAL_FIELDS:
            errors.append(
                CellError(
                    f"Column {number} is named {name}, which the platform sets itself: "
                    "remove the column or rename it"
                )
            )
        elif not is_valid_key(name):
            errors.append(
                CellError(
                    f"Column {number} is named {_shown(name)}: a column name may use only "
                    "letters, digits and underscores (_), must be at least 2 characters "
                    "long and cannot start with a digit"
                )
            )
    for name in expected_columns(data_set):
        if name not in headers:
            errors.append(
                CellError(
                    f"The file has no column named {name}. The first row must name the "
                    f"columns: {', '.join(expected_columns(data_set))}"
                )
            )
    return errors


def expected_columns(data_set: DataSet) -> list[str]:
    """The columns a file for this data set must have, in a sensible order."""
    schema = data_set.schema or {}
    names = ["_timestamp", *(schema.get("required") or []), *(data_set.auto_ids or [])]
    return list(dict.fromkeys(names))


def _uk_dates(values: dict, warned: list[bool]) -> None:
    """Read dd/mm/yyyy text as a UK date (the write API would read it US-style)."""
    for name in TIMESTAMP_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            match = _UK_DATE.fullmatch(value)
            if match:
                day, month, year = (int(g) for g in match.groups())
                try:
                    values[name] = datetime(year, month, day).strftime("%Y-%m-%dT00:00:00+00:00")
                except ValueError:
                    continue  # not a real date: the pipeline says so
                warned[0] = True


def check_rows(
    rows: Iterable[Row],
    headers: list[str],
    data_set: DataSet,
    *,
    progress=None,
    schema_passed: bool = False,
) -> Checked:
    """Check every row; keep the normalised records only while there is no error.

    ``progress``, if given, is called with the number of rows read so far, every 1,000.
    ``schema_passed`` says these very rows already met the data set's current schema (an
    upload stored after its preview): the schema, most of the checking's cost, is not
    applied again; every other rule is.
    """
    checked = Checked()
    for error in header_errors(headers, data_set):
        checked.add(error)
    header_ok = checked.ok
    schema = None if schema_passed else data_set.schema
    check = record_checker(schema=schema, auto_ids=data_set.auto_ids or None)
    identity = [f for f in (data_set.auto_ids or []) if f not in TIMESTAMP_FIELDS]
    uk_dates = [False]
    for row in rows:
        checked.row_count += 1
        if progress is not None and checked.row_count % 1000 == 0:
            progress(checked.row_count)
        for column, message in row.problems:
            checked.add(CellError(message, row.number, column))
        if not header_ok:
            continue  # the header's problems would repeat on every row
        record = row.values
        _uk_dates(record, uk_dates)
        for name in identity:
            if record.get(name) in (None, ""):
                checked.add(
                    CellError(
                        "is empty: this column says which record the row is", row.number, name
                    )
                )
        problems = check(record)
        seen = set()
        for problem in problems:
            if problem.stage == "auto_id":
                continue  # a missing column: said once, with the header
            if problem.stage == "record" and problem.field in TIMESTAMP_FIELDS:
                continue  # the same unreadable timestamp, said by its timestamp problem
            key = (problem.field, problem.stage)
            if key in seen:
                continue
            seen.add(key)
            if problem.field in identity and record.get(problem.field) in (None, ""):
                continue  # already said: empty identity cell
            checked.add(CellError(_words(problem), row.number, problem.field))
        if checked.ok:
            checked.records.append(record)
        elif checked.records:
            checked.records = []  # nothing will be stored: free the memory now
    if progress is not None:
        progress(checked.row_count)
    if checked.row_count == 0 and checked.ok:
        checked.add(CellError("The file has a header row but no data rows"))
    if uk_dates[0]:
        checked.warnings.append(
            "Dates written like 01/03/2025 were read as day/month/year (1 March 2025)."
        )
    return checked
