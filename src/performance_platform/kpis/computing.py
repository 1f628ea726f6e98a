"""Computing derived records from rows the query engine returned: pure functions.

Each takes the rows of one window of periods and returns the derived records, one per
period that has source records, with ids fixed per period (so a re-run writes the same
records). Nothing here touches the database.
"""

import base64
import re
from collections import OrderedDict

from .errors import TransformError
from .options import RATINGS, option


def encode_id(*parts: str) -> str:
    """The original's derived-record id: URL-safe base64 of the parts joined by ``_``."""
    return base64.urlsafe_b64encode("_".join(parts).encode("utf-8")).decode("ascii")


def _number(value, where: str):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TransformError(f"{where}: {value!r:.60} is not a number")
    return value


def _by_period(rows: list[dict]) -> "OrderedDict[tuple[str, str], list[dict]]":
    """Rows grouped by period, leaving out periods with no source records at all.

    A period with records whose counts are 0 is kept (its rate is "no data" or 0, as
    the figures say); a period with no records gets no derived record, so a gap in the
    source stays a gap, and a range reaching far into empty time writes nothing there.
    """
    grouped: OrderedDict = OrderedDict()
    for row in rows:
        grouped.setdefault((row["_start_at"], row["_end_at"]), []).append(row)
    return OrderedDict(
        (key, cells) for key, cells in grouped.items() if any(c.get("_count") for c in cells)
    )


def _base(start: str, end: str) -> dict:
    return {"_id": encode_id(start, end), "_timestamp": start, "_start_at": start, "_end_at": end}


def compute_rate(rows, *, attribute, value_key, is_numerator, is_denominator) -> list[dict]:
    """Per period: Σ value where the numerator matches / Σ value where the denominator does.

    A cell with no records (``_count`` 0, as zero-filled periods have) is missing, not
    zero. The rate is null when nothing matches the numerator (a missing channel: we
    cannot tell 0 from "not reported") or the denominator is missing or not positive.
    Unlike the original, a count of 0 is a real 0 (it dropped falsy values, so a week
    with 0 digital transactions had no take-up figure at all).
    """
    out = []
    for (start, end), cells in _by_period(rows).items():
        numerator = denominator = None
        for row in cells:
            if not row.get("_count"):
                continue
            value = _number(row.get(value_key), f"{value_key} for {start}")
            if value is None:
                continue
            label = "" if row.get(attribute) is None else str(row.get(attribute))
            if is_denominator(label):
                denominator = (denominator or 0) + value
            if is_numerator(label):
                numerator = (numerator or 0) + value
        rate = None
        if numerator is not None and denominator is not None and denominator > 0:
            rate = numerator / denominator
        out.append(
            {**_base(start, end), "rate": rate, "numerator": numerator, "denominator": denominator}
        )
    return out


def compute_satisfaction(rows) -> list[dict]:
    """Per period: the ratings, the number of responses and ``(mean − 1) / 4``."""
    out = []
    for (start, end), cells in _by_period(rows).items():
        counts = dict.fromkeys(RATINGS, 0)
        for row in cells:
            for rating in RATINGS:
                value = _number(row.get(f"{rating}:sum"), f"{rating} for {start}")
                counts[rating] += value or 0
        responses = sum(counts.values())
        score = None
        if responses > 0:
            mean = sum(k * counts[f"rating_{k}"] for k in range(1, 6)) / responses
            score = (mean - 1) / 4
        out.append({**_base(start, end), **counts, "num_responses": responses, "score": score})
    return out


def compute_cost(rows, volumes: dict | None, *, options: dict, value_key: str) -> list[dict]:
    """Per period (quarter): cost per transaction, as uploaded or as total cost / volume."""
    mode = option(options, "mode", "per_transaction")
    attribute = option(options, "channel_attribute", "channel")
    default_matcher = "^cost_per_transaction" if mode == "per_transaction" else ".*"
    matcher = re.compile(option(options, "channel_matcher", default_matcher))
    out = []
    for (start, end), cells in _by_period(rows).items():
        matched = []
        matched_records = 0
        for row in cells:
            if not row.get("_count"):
                continue
            label = "" if row.get(attribute) is None else str(row.get(attribute))
            value = _number(row.get(value_key), f"{value_key} for {start}")
            if value is not None and matcher.search(label):
                matched.append((label, value))
                # Records of one channel arrive summed; count them, not the sums.
                matched_records += row["_count"]
        record = _base(start, end)
        if mode == "per_transaction":
            if matched_records > 1:
                names = ", ".join(sorted(label for label, _ in matched))[:200]
                raise TransformError(
                    f"the quarter starting {start} has {matched_records} cost per transaction "
                    f"rows ({names}); set channel_matcher to choose one"
                )
            record["cost_per_transaction"] = matched[0][1] if matched else None
        else:
            total = sum(v for _, v in matched) if matched else None
            transactions = (volumes or {}).get(start)
            cpt = total / transactions if total is not None and transactions else None
            record.update(cost_per_transaction=cpt, total_cost=total, transactions=transactions)
        out.append(record)
    return out
