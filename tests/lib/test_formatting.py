"""The original platform's (Spotlight's) display formatting rules in
``performance_platform.lib.formatting``.

One test per rule or example of those rules, then the HTML form, then hypothesis properties
showing that no value or format makes formatting raise. Plain functions: no database is
involved.
"""

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.safestring import SafeString
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from performance_platform.lib.formatting import (
    MINUS,
    MISSING,
    TABLE_MISSING,
    TYPES,
    format_cell,
    format_currency,
    format_date,
    format_date_range,
    format_duration,
    format_html,
    format_integer,
    format_number,
    format_percent,
    format_plural,
    format_sentence,
    format_time,
    format_value,
    is_missing,
    period_label,
)

# No deadline: writing out a 400-digit number takes a moment, and timing is not the point.
PROPERTY = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- number


def test_number_below_ten_thousand_keeps_commas_without_k():
    assert format_number(9500, magnitude=True) == "9,500"


def test_number_from_ten_thousand_uses_k():
    assert format_number(12345, magnitude=True) == "12.3k"


def test_number_exactly_ten_thousand_is_10k():
    assert format_number(10000, magnitude=True) == "10k"


def test_number_millions_use_m():
    assert format_number(1315000, magnitude=True) == "1.32m"


def test_number_billions_use_bn():
    assert format_number(1_120_000_000, magnitude=True) == "1.12bn"


def test_number_rounding_up_to_next_unit_moves_to_that_unit():
    # 999,999 at 3 sig figs is 1,000k: shown as the next unit instead.
    assert format_number(999_999, magnitude=True) == "1m"
    assert format_number(9_999.7, magnitude=True) == "10k"


def test_number_zero_is_zero():
    assert format_number(0) == "0"
    assert format_value(0, {"type": "number", "dps": 3, "fixed": 3, "pad": True}) == "0"


def test_number_that_rounds_to_zero_is_plain_zero():
    assert format_value(0.00001, {"type": "number", "dps": 2}) == "0"
    assert format_number(-0.001) == "0"


def test_number_commas_by_default_and_can_be_turned_off():
    assert format_number(1234567.1234) == "1,234,567"
    assert format_value(1234567, {"type": "number", "commas": False}) == "1234567"


def test_number_three_significant_figures_set_the_decimal_places():
    assert format_number(0.1234) == "0.12"
    assert format_number(12.34) == "12.3"
    assert format_number(345.56) == "346"


def test_number_sigfigs_never_round_whole_number_digits():
    assert format_number(1234, sigfigs=2) == "1,234"


def test_number_dps_overrides_sigfigs():
    assert format_value(1.234, {"type": "number", "dps": 3, "sigfigs": 1}) == "1.234"


def test_number_negative_dps_rounds_to_tens_and_hundreds():
    assert format_value(1234, {"type": "number", "dps": -2}) == "1,200"


def test_number_fixed_pads_with_zeros():
    assert format_value(0.1, {"type": "number", "dps": 4, "fixed": 4}) == "0.1000"


def test_number_pad_keeps_places_of_shortened_values_only():
    assert format_value(11000, {"type": "number", "magnitude": True, "pad": True}) == "11.0k"
    assert format_value(11, {"type": "number", "magnitude": True, "pad": True}) == "11"


def test_number_fixed_magnitude_object_for_axis_labels():
    fmt = {"type": "number", "magnitude": {"value": 1000, "suffix": "k"}}
    assert format_value(100, fmt) == "0.1k"


def test_number_rounds_half_up_on_the_written_value():
    # Decimal rounding of the float's shortest repr: 1.005 is 1.01, not the float's 1.00.
    assert format_value(1.005, {"type": "number", "dps": 2}) == "1.01"


def test_number_negatives_use_unicode_minus():
    assert format_number(-12345, magnitude=True) == MINUS + "12.3k"


def test_number_accepts_numeric_strings_and_decimals():
    assert format_number(" 12345 ", magnitude=True) == "12.3k"
    assert format_number(Decimal("1315000"), magnitude=True) == "1.32m"


def test_number_text_that_is_not_a_number_passes_through():
    assert format_number("n/a") == "n/a"
    assert format_number(True) == "True"


def test_integer_rounds_first():
    assert format_integer(12345.67) == "12,346"
    assert format_integer(0.5) == "1"
    assert format_integer(1234567, magnitude=True) == "1.23m"


# --------------------------------------------------------------------------- currency


def test_currency_under_ten_pounds_shows_pence():
    assert format_currency(4.56) == "£4.56"
    assert format_currency(4.5) == "£4.50"


def test_currency_from_ten_pounds_is_whole_pounds_with_commas():
    assert format_currency(15.67) == "£16"
    assert format_currency(1234) == "£1,234"


def test_currency_magnitude():
    assert format_currency(2_990_000_000, magnitude=True) == "£2.99bn"


def test_currency_zero_is_plain():
    assert format_currency(0) == "£0"
    assert format_currency(0, pence=True) == "£0"


def test_currency_pence_set_explicitly():
    assert format_currency(567, pence=True) == "£567.00"
    assert format_currency(4.56, pence=False) == "£5"


def test_currency_dps_sets_decimal_places():
    assert format_currency(12.5, dps=2) == "£12.50"


def test_currency_symbol_option():
    assert format_value(1234, {"type": "currency", "symbol": "$"}) == "$1,234"


def test_currency_negative_sign_goes_before_the_symbol():
    assert format_currency(-4.5) == MINUS + "£4.50"


# --------------------------------------------------------------------------- percent


def test_percent_zero_and_one_hundred_have_no_decimals():
    assert format_percent(0) == "0%"
    assert format_percent(1) == "100%"
    assert format_percent(1, dps=2, pad=True) == "100%"


def test_percent_one_decimal_place_by_default():
    assert format_percent(0.1234) == "12.3%"


def test_percent_show_signs():
    assert format_percent(0.1234, show_signs=True) == "+12.3%"
    assert format_percent(-0.045, show_signs=True) == MINUS + "4.5%"
    assert format_percent(0, show_signs=True) == "0%"


def test_percent_negative_without_show_signs_still_uses_unicode_minus():
    assert format_percent(-0.045) == "\u22124.5%"


def test_percent_change_between_periods_is_two_padded_decimals():
    assert format_percent(0.0345, dps=2, show_signs=True, pad=True) == "+3.45%"
    assert format_percent(-0.012, dps=2, show_signs=True, pad=True) == MINUS + "1.20%"


def test_percent_normalisation():
    assert format_percent(50, normalisation=100) == "50%"


def test_percent_non_numeric_passes_through():
    assert format_percent("not yet known") == "not yet known"


# --------------------------------------------------------------------------- duration


def test_duration_milliseconds_by_default():
    assert format_duration(567) == "567ms"
    assert format_duration(1234) == "1,234ms"


def test_duration_seconds():
    assert format_duration(1200, unit="s") == "1.2s"
    assert format_duration(1234, unit="s") == "1.23s"
    assert format_duration(12345, unit="s", dps=2) == "12.35s"


def test_duration_minutes_and_seconds():
    assert format_duration(200_000, unit="m") == "3m 20s"
    assert format_duration(180_000, unit="m") == "3m"
    assert format_duration(1_234_500, unit="m") == "20m 35s"


def test_duration_minutes_round_whole_seconds_before_splitting():
    assert format_duration(59_700, unit="m") == "1m"


# --------------------------------------------------------------------------- dates


def test_date_default_format_has_no_leading_zero():
    assert format_date("2015-01-05T00:00:00Z") == "5 January 2015"
    assert format_date(date(2015, 1, 5)) == "5 January 2015"


def test_date_converts_aware_datetimes_to_utc():
    moment = datetime(2015, 1, 5, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert format_date(moment) == "4 January 2015"


def test_date_custom_format():
    assert format_value("2014-03-11T16:26:31Z", {"type": "date", "format": "DD/MM/YY"}) == (
        "11/03/14"
    )


def test_date_range_within_a_month():
    assert format_date_range("2015-01-01T00:00:00Z", "2015-01-08T00:00:00Z") == (
        "1 to 7 January 2015"
    )


def test_date_range_across_months():
    assert format_date_range(date(2015, 1, 26), date(2015, 2, 2)) == (
        "26 January to 1 February 2015"
    )


def test_date_range_across_years():
    assert format_date_range("2014-12-29", "2015-01-05") == "29 December 2014 to 4 January 2015"


def test_date_pair_in_format_value_is_a_range():
    assert format_value(["2015-01-01", "2015-01-08"], "date") == "1 to 7 January 2015"


def test_date_range_of_one_day_is_that_day():
    assert format_date_range("2015-01-05", "2015-01-06") == "5 January 2015"


def test_date_range_with_custom_format_is_not_stripped():
    fmt = {"type": "date", "format": "DD/MM/YY"}
    assert format_value(["2014-03-11", "2014-03-18"], fmt) == "11/03/14 to 17/03/14"


def test_date_text_that_is_not_a_date_passes_through():
    assert format_date("soon") == "soon"


def test_time_default_format():
    assert format_value("2014-03-11T16:26:31.802Z", "time") == "4:26pm"


def test_time_timezone_option():
    assert format_time("2015-07-05T15:05:00Z", timezone="Europe/London") == "4:05pm"


def test_time_calendar_form():
    now = datetime(2015, 1, 5, 18, 0, tzinfo=UTC)
    assert format_time("2015-01-05T15:05:00Z", calendar=True, now=now) == "today at 3:05pm"
    assert format_time("2015-01-04T15:05:00Z", calendar=True, now=now) == "yesterday at 3:05pm"
    assert format_time("2015-01-01T15:05:00Z", calendar=True, now=now) == (
        "1 January 2015 at 3:05pm"
    )


# --------------------------------------------------------------------------- period labels


def test_period_label_week_is_a_range():
    assert period_label("2015-01-05", "2015-01-12", "week") == "5 to 11 January 2015"


def test_period_label_week_without_end():
    assert period_label(datetime(2015, 1, 5, tzinfo=UTC), None, "week") == (
        "week of 5 January 2015"
    )


def test_period_label_month():
    assert period_label("2015-01-01", "2015-02-01", "month") == "January 2015"


def test_period_label_quarter():
    assert period_label("2015-01-01", "2015-04-01", "quarter") == "January to March 2015"
    assert period_label("2014-11-01", None, "quarter") == "November 2014 to January 2015"


def test_period_label_year():
    assert period_label("2015-01-01", "2016-01-01", "year") == "2015"
    assert period_label("2014-04-01", "2015-04-01", "year") == "April 2014 to March 2015"


def test_period_label_day_and_hour():
    assert period_label("2015-01-05", "2015-01-06", "day") == "5 January 2015"
    assert period_label("2015-01-05T15:00:00Z", None, "hour") == "3:00pm, 5 January 2015"


def test_period_label_other_periods_are_date_ranges():
    assert period_label("2015-01-26", "2015-02-02", None) == "26 January to 1 February 2015"


def test_period_label_unreadable_start_is_empty():
    assert period_label("whenever", None, "week") == ""


# --------------------------------------------------------------------------- text


def test_sentence_hyphens_capital_and_i():
    assert format_value("one-two-i-three", "sentence") == "One two I three"


def test_sentence_questions():
    assert format_sentence("how-do-i-know") == "How do I know?"
    assert format_sentence("who-am-i") == "Who am I?"
    assert format_sentence("howl-like-a-wolf") == "Howl like a wolf"
    assert format_sentence("i-know-how") == "I know how"


def test_sentence_extra_uppercase_words():
    assert format_sentence("apply-for-a-uk-passport", uppercase=["uk"]) == (
        "Apply for a UK passport"
    )


def test_plural():
    assert format_plural(1, "cat") == "cat"
    assert format_plural(2, "cat") == "cats"
    assert format_plural(0, "formula", "formulae") == "formulae"


def test_plural_without_singular_shows_the_value():
    assert format_value(3, "plural") == "3"


def test_url_text_and_link():
    assert format_value("http://example.com/", "url") == "http://example.com/"
    assert format_html("http://example.com/?q=a&f=1", "url") == (
        '<a href="http://example.com/?q=a&amp;f=1">http://example.com/?q=a&amp;f=1</a>'
    )


def test_url_that_is_not_http_is_not_linked():
    assert format_html("javascript:alert(1)", "url") == "javascript:alert(1)"


# --------------------------------------------------------------------------- missing values


@pytest.mark.parametrize("value", [None, "", "  ", float("nan"), Decimal("NaN"), float("inf")])
def test_missing_values_are_no_data(value):
    assert is_missing(value)
    assert format_value(value, "number") == MISSING == "no data"


def test_nan_text_is_no_data_for_numbers():
    assert format_value("NaN", "currency") == "no data"


def test_table_cells_show_an_em_dash():
    assert format_cell(None, "number") == TABLE_MISSING == "\u2014"
    assert format_cell(12345, {"type": "number", "magnitude": True}) == "12.3k"


def test_unknown_type_passes_value_through():
    assert format_value(12345, "colour") == "12345"
    assert format_value(12345, 42) == "12345"


@pytest.mark.parametrize("kind", [Decimal("sNaN"), ["number"], {"type": "number"}, None])
def test_unusable_type_passes_value_through(kind):
    assert format_value(5, {"type": kind}) == "5"
    assert format_html(5, {"type": kind}) == "5"


def test_bad_option_types_fall_back_to_defaults():
    fmt = {"type": "number", "sigfigs": "three", "dps": True, "magnitude": "yes"}
    assert format_value(12.345, fmt) == "12.3"


def test_huge_integers_do_not_raise():
    assert format_value(10**5000, "number") == "(value too large to show)"
    assert format_value(10**30, {"type": "number", "magnitude": True}) == (
        "1,000,000,000,000,000,000,000bn"
    )


# --------------------------------------------------------------------------- HTML


def test_html_shortened_value_is_wrapped_in_abbr():
    html = format_html(12_345_678, {"type": "number", "magnitude": True, "pad": True})
    assert isinstance(html, SafeString)
    assert html == (
        '<abbr title="12,345,678" aria-hidden="true">12.3m</abbr>'
        '<span class="govuk-visually-hidden">12,345,678</span>'
    )


def test_html_abbr_includes_currency_symbol():
    assert format_html(2_990_000_000, {"type": "currency", "magnitude": True}) == (
        '<abbr title="£2,990,000,000" aria-hidden="true">£2.99bn</abbr>'
        '<span class="govuk-visually-hidden">£2,990,000,000</span>'
    )


def test_html_rounding_alone_is_not_wrapped():
    # Only k/m/bn hide a number's size (the original platform's number formatting rules);
    # "12.3%" needs no fifteen-digit expansion.
    assert format_html(0.1234, "percent") == "12.3%"
    assert format_html(1234.567, "currency") == "£1,235"


def test_html_unshortened_value_is_not_wrapped():
    assert format_html(1234, {"type": "number", "magnitude": True}) == "1,234"
    assert format_html(-0.012, {"type": "percent", "dps": 2, "pad": True}) == MINUS + "1.20%"


def test_html_abbr_can_be_turned_off():
    assert format_html(12345, {"type": "number", "magnitude": True}, abbr=False) == "12.3k"


def test_html_escapes_everything():
    fmt = {"type": "currency", "symbol": '<b>"'}
    assert format_html(5, fmt) == "&lt;b&gt;&quot;5.00"
    assert format_html("<script>-x", "sentence") == "&lt;script&gt; x"


def test_html_missing_values():
    assert format_html(None, "number") == '<span class="pp-no-data">no data</span>'
    assert format_html(None, "number", missing="table") == (
        '<span class="pp-no-data" title="No data provided">\u2014</span>'
    )


# --------------------------------------------------------------------------- properties

_OPTION_KEYS = [
    "sigfigs",
    "dps",
    "fixed",
    "pad",
    "commas",
    "magnitude",
    "pence",
    "symbol",
    "normalisation",
    "showSigns",
    "unit",
    "format",
    "calendar",
    "timezone",
    "uppercase",
    "singular",
    "plural",
    "now",
    "abbr",
]

_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**450), max_value=10**450)
    # Too long for str() (Python refuses more than 4,300 digits); built lazily, as hypothesis
    # cannot show such a number in a strategy's description either.
    | st.integers(min_value=4301, max_value=5000).map(lambda digits: -(10**digits))
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.from_regex(r"-?\d{1,12}(\.\d{1,12})?([eE][-+]?\d{1,10})?", fullmatch=True)
    | st.sampled_from(["NaN", "sNaN", "-Infinity", "1_000", "2015-01-05T00:00:00Z"])
)
_dates = (
    st.dates()
    | st.datetimes(timezones=st.none() | st.just(UTC))
    | st.datetimes().map(lambda moment: moment.isoformat())
)
_json_values = st.recursive(
    _json_scalars | _dates,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)
_option_values = (
    _json_values
    | st.integers(min_value=-40, max_value=40)
    | st.sampled_from(["ms", "s", "m", "D MMMM YYYY", "[at] h:mma", "Europe/London", "Mars/Base"])
    | st.fixed_dictionaries({"value": _json_scalars, "suffix": _json_scalars})
)
_formats = (
    st.sampled_from(TYPES)
    | _json_values
    | st.builds(
        lambda kind, options: {"type": kind, **options},
        st.sampled_from(TYPES) | _json_scalars,
        st.dictionaries(st.sampled_from(_OPTION_KEYS), _option_values, max_size=6),
    )
)
_values = _json_values | st.lists(_dates | _json_scalars, min_size=2, max_size=2)


@PROPERTY
@given(value=_values, fmt=_formats)
def test_format_value_never_raises(value, fmt):
    text = format_value(value, fmt)
    assert isinstance(text, str)
    assert isinstance(format_cell(value, fmt), str)


@PROPERTY
@given(value=_values, fmt=_formats, abbr=st.booleans())
def test_format_html_never_raises_and_is_safe(value, fmt, abbr):
    html = format_html(value, fmt, abbr=abbr)
    assert isinstance(html, SafeString)
    if "<abbr" in html:
        title = re.search(r'title="([^"]*)"', html).group(1)
        assert f'<span class="govuk-visually-hidden">{title}</span>' in html


@PROPERTY
@given(start=_json_values | _dates, end=_json_values | _dates, period=_json_scalars)
def test_period_label_never_raises(start, end, period):
    assert isinstance(period_label(start, end, period), str)


@PROPERTY
@given(
    text=st.text(min_size=1, max_size=40).filter(str.strip),
    kind=st.sampled_from(["sentence", "plural", "url", "date"]),
)
def test_html_never_lets_markup_through(text, kind):
    html = format_html(text, {"type": kind, "singular": text})
    assert "<" not in html.replace("<a href=", "").replace("</a>", "")


@PROPERTY
@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_number_text_reads_back_within_rounding(value):
    text = format_number(value)
    assert "e" not in text.lower()
    read_back = float(text.replace(",", "").replace(MINUS, "-"))
    # 3 sig figs: at most 2 decimals below 10, 1 below 100, whole numbers beyond.
    assert math.isclose(read_back, value, abs_tol=max(abs(value) * 0.005, 0.005) * 1.000001)


@PROPERTY
@given(st.floats(min_value=0, max_value=1e14, allow_nan=False))
def test_magnitude_never_shows_a_thousand_of_a_unit(value):
    text = format_number(value, magnitude=True)
    number = float(re.sub(r"[a-z,]", "", text))
    if text.endswith("bn"):
        assert number >= 1
    elif text.endswith("m"):
        assert 1 <= number < 1000
    elif text.endswith("k"):
        assert 10 <= number < 1000
    else:
        assert number < 10_000
