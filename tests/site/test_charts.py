"""Server-rendered SVG charts (``performance_platform.site.charts``).

Every chart is parsed as XML, so each test also proves the markup is well formed. Plain
functions: no database is involved.
"""

import math
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from performance_platform.site.charts import (
    DASHES,
    MARKERS,
    NO_DATA,
    PALETTE,
    Series,
    bar_chart,
    describe_trend,
    funnel_chart,
    line_chart,
    sparkline,
    stacked_area_chart,
)

NS = "{http://www.w3.org/2000/svg}"
START = datetime(2024, 4, 1, tzinfo=UTC)
WEEKS = [START + timedelta(weeks=i) for i in range(104)]
NUMERIC_ATTRIBUTES = ("x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "width", "height")


# --------------------------------------------------------------------------- helpers


def parse(svg: str) -> ET.Element:
    assert isinstance(svg, str)
    return ET.fromstring(svg)


def elements(root, tag):
    return list(root.iter(NS + tag))


def with_class(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def text_of(element) -> str:
    return "".join(element.itertext())


def visible_texts(root) -> list[str]:
    return [text_of(t) for t in elements(root, "text")]


def title_and_desc(root) -> tuple[str, str]:
    return root.find(NS + "title").text or "", root.find(NS + "desc").text or ""


def assert_accessible_image(root):
    """The promises every chart makes, whatever its data."""
    assert root.tag == NS + "svg"
    assert root.get("role") == "img"
    assert root.get("focusable") == "false"
    assert root.get("width") == "100%"
    assert root.get("font-family") == "inherit"
    assert len(root.get("viewBox").split()) == 4
    title, desc = root.find(NS + "title"), root.find(NS + "desc")
    # <title> and <desc> come first, and aria-labelledby names exactly them.
    assert list(root)[:2] == [title, desc]
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    assert (title.text or "").strip() and (desc.text or "").strip()
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "ids are unique"
    for element in root.iter():
        if element is root:
            continue
        assert element.tag not in (NS + "script", NS + "foreignObject", NS + "image")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), name
            if name == "href":
                assert value.startswith("#") and value[1:] in ids, value
            for ref in re.findall(r"url\(#([^)]*)\)", value):
                assert ref in ids
            if name in NUMERIC_ATTRIBUTES:
                assert math.isfinite(float(value)), (name, value)
            if name == "d":
                assert not re.search(r"nan|inf", value, re.IGNORECASE), value
                assert all(
                    math.isfinite(float(n)) for n in re.findall(r"-?[\d.]+(?:e-?\d+)?", value)
                )


def series_groups(root):
    return with_class(root, "pp-series")


def markers(group):
    return elements(group, "use")


def line_points(path) -> list[tuple[float, float]]:
    return [
        (float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", path.get("d"))
    ]


def channels(gaps=()):
    """Three weekly series; ``gaps`` are indices where the second series has no value."""
    out = []
    for n, name in enumerate(("digital", "paper", "phone")):
        points = [(week, 100.0 + 10 * n + math.sin(i / 8) * 20) for i, week in enumerate(WEEKS)]
        if n == 1:
            for i in gaps:
                points[i] = (WEEKS[i], None)
        out.append(Series(name, name.title(), points))
    return out


def y_ticks(root) -> list[str]:
    (axis,) = with_class(root, "pp-axis--y")
    return visible_texts(axis)


# --------------------------------------------------------------------------- line charts


def test_a_line_chart_is_an_image_named_by_its_title_and_description():
    root = parse(line_chart(channels(), title="Applications", desc="By channel.", id_prefix="apps"))
    assert_accessible_image(root)
    assert title_and_desc(root) == ("Applications", "By channel.")
    assert root.get("aria-labelledby") == "apps-title apps-desc"
    assert root.get("id") == "apps"


def test_each_series_is_one_path_with_a_marker_per_value():
    root = parse(line_chart(channels(gaps=(10, 11, 50)), title="t", desc="d", id_prefix="c"))
    groups = series_groups(root)
    assert [g.get("data-key") for g in groups] == ["digital", "paper", "phone"]
    for group, expected in zip(groups, (104, 101, 104), strict=True):
        assert len(with_class(group, "pp-line")) == 1
        assert len(markers(group)) == expected


def test_markers_sit_on_the_line():
    root = parse(line_chart(channels(), title="t", desc="d"))
    for group in series_groups(root):
        (path,) = with_class(group, "pp-line")
        on_line = line_points(path)
        assert [(float(m.get("x")), float(m.get("y"))) for m in markers(group)] == on_line


def test_a_gap_breaks_the_line_instead_of_dropping_to_zero():
    root = parse(line_chart(channels(gaps=(10, 11, 50)), title="t", desc="d"))
    paper = series_groups(root)[1]
    (path,) = with_class(paper, "pp-line")
    # Three runs: 0-9, 12-49, 51-103; each starts with a move, not a line to zero.
    assert path.get("d").count("M") == 3
    assert len(line_points(path)) == 101
    zero_y = max(float(m.get("y")) for g in series_groups(root) for m in markers(g))
    assert all(y <= zero_y for _, y in line_points(path))
    # The x positions skip the missing weeks.
    xs = [x for x, _ in line_points(path)]
    step = xs[1] - xs[0]
    assert xs[10] - xs[9] == pytest.approx(3 * step, abs=0.2)


def test_nan_and_infinity_are_gaps():
    series = [Series("a", "A", [(1, 1.0), (2, math.nan), (3, 3.0), (4, math.inf), (5, 2.0)])]
    root = parse(line_chart(series, title="t", desc="d"))
    (group,) = series_groups(root)
    assert len(markers(group)) == 3
    assert with_class(group, "pp-line")[0].get("d").count("M") == 3


def test_series_differ_by_shape_dash_and_colour_not_colour_alone():
    many = [
        Series(f"s{n}", f"Series {n}", [(week, n + i) for i, week in enumerate(WEEKS[:5])])
        for n in range(9)
    ]
    root = parse(line_chart(many, title="t", desc="d", id_prefix="m"))
    groups = series_groups(root)
    shapes = [g.get("data-marker") for g in groups]
    assert shapes == list(MARKERS[:9])
    # Each series' markers use its own shape, and the shapes are drawn differently.
    outlines = {}
    for n, group in enumerate(groups):
        (href,) = {m.get("href") for m in markers(group)}
        assert href == f"#m-m{n}"
        outlines[href] = root.find(f".//{NS}path[@id='{href[1:]}']").get("d")
    assert len(set(outlines.values())) == 9
    lines = [with_class(g, "pp-line")[0] for g in groups]
    assert [line.get("stroke-dasharray") for line in lines] == list(DASHES[:9])
    assert [line.get("stroke") for line in lines] == list(PALETTE[:9])


def test_every_series_is_named_at_the_end_of_its_line():
    root = parse(line_chart(channels(), title="t", desc="d"))
    labels = with_class(root, "pp-end-label")
    names = [text_of(label.find(NS + "text")) for label in labels]
    assert names == ["Digital", "Paper", "Phone"]
    last_marker_x = max(float(m.get("x")) for g in series_groups(root) for m in markers(g))
    for label in labels:
        assert float(label.find(NS + "text").get("x")) > last_marker_x
        # Each name has its series' marker beside it, as a key.
        assert label.find(NS + "use") is not None


def test_end_labels_do_not_overlap_when_lines_end_together():
    same_end = [Series(k, k.upper(), [(1, 5.0), (2, 10.0)]) for k in ("a", "b", "c", "d")]
    root = parse(line_chart(same_end, title="t", desc="d"))
    ys = sorted(
        float(t.get("y"))
        for label in with_class(root, "pp-end-label")
        for t in elements(label, "text")
    )
    assert len(ys) == 4
    assert all(b - a >= 16 for a, b in zip(ys, ys[1:], strict=False))
    # ... and they stay near where the lines end (centred on them), inside the chart.
    height = float(root.get("viewBox").split()[3])
    assert all(0 < y < height for y in ys)


def test_the_y_axis_has_round_ticks_in_the_given_format():
    series = [Series("a", "A", [(1, 0.0), (2, 1234.0)])]
    root = parse(line_chart(series, title="t", desc="d"))
    assert y_ticks(root) == ["0", "250", "500", "750", "1,000", "1,250"]
    root = parse(line_chart(series, title="t", desc="d", y_format=lambda v: f"£{v:.0f}"))
    assert y_ticks(root) == ["£0", "£250", "£500", "£750", "£1000", "£1250"]


def test_the_y_axis_includes_zero_unless_told_otherwise():
    series = [Series("a", "A", [(1, 500.0), (2, 520.0)])]
    assert y_ticks(parse(line_chart(series, title="t", desc="d")))[0] == "0"
    ticks = y_ticks(parse(line_chart(series, title="t", desc="d", y_min=500)))
    assert ticks[0] == "500" and ticks[-1] == "520"


def test_a_percent_axis_runs_from_0_to_100_percent():
    series = [Series("a", "A", [(week, 0.2 + i / 100) for i, week in enumerate(WEEKS[:10])])]
    root = parse(line_chart(series, title="t", percent_axis=True))
    assert y_ticks(root) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert "A rose from 20% to 29%" in title_and_desc(root)[1]


def test_x_labels_are_thinned_so_they_do_not_overlap():
    root = parse(line_chart(channels(), title="t", desc="d"))
    (axis,) = with_class(root, "pp-axis--x")
    labels = elements(axis, "text")
    assert 3 <= len(labels) <= 10
    assert text_of(labels[0]) == "23 Mar 2026"  # the latest week is always labelled
    xs = sorted(float(label.get("x")) for label in labels)
    assert min(b - a for a, b in zip(xs, xs[1:], strict=False)) > 70


def test_x_labels_use_the_given_format():
    series = [Series("a", "A", [(date(2024, m, 1), m) for m in range(1, 4)])]
    root = parse(line_chart(series, title="t", desc="d", x_labels=lambda d: d.strftime("%b")))
    (axis,) = with_class(root, "pp-axis--x")
    assert sorted(visible_texts(axis)) == ["Feb", "Jan", "Mar"]


def test_an_annotation_is_a_dashed_line_with_a_numbered_marker_described_in_words():
    root = parse(
        line_chart(
            channels(),
            title="t",
            desc="Applications by channel.",
            annotations=[
                (WEEKS[20], "Online service launched"),
                (WEEKS[0] - timedelta(weeks=9), "Before"),
            ],
            id_prefix="n",
        )
    )
    (note,) = with_class(root, "pp-annotation")  # the one before the data is not drawn
    line = note.find(NS + "line")
    assert line.get("stroke-dasharray")
    assert line.get("x1") == line.get("x2") == markers(series_groups(root)[0])[20].get("x")
    assert text_of(note.find(NS + "text")) == "1"
    assert text_of(note.find(NS + "title")) == "1. Online service launched"
    assert title_and_desc(root)[1] == (
        "Applications by channel. Annotations: 1. 19 Aug 2024: Online service launched."
        " 2. 29 Jan 2024: Before."
    )


def test_the_description_defaults_to_a_sentence_per_series():
    series = [
        Series("a", "digital take-up", [(date(2024, 4, 1), 0.61), (date(2025, 3, 1), 0.74)]),
        Series("b", "Paper", [(date(2024, 4, 1), 0.3), (date(2025, 3, 1), 0.2)]),
    ]
    root = parse(line_chart(series, title="t", percent_axis=True))
    assert title_and_desc(root)[1] == (
        "Digital take-up rose from 61% to 74% between 1 Apr 2024 and 1 Mar 2025."
        " Paper fell from 30% to 20% between 1 Apr 2024 and 1 Mar 2025."
    )


def test_huge_and_negative_values_keep_the_chart_in_bounds():
    series = [
        Series("a", "A", [(1, -1e308), (2, 1e308), (3, 10**400), (4, -5.0)]),
        Series("b", "B", [(1, 3.0), (2, -(10**400))]),
    ]
    root = parse(line_chart(series, title="t", desc="d"))
    assert_accessible_image(root)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    for group in series_groups(root):
        for marker in markers(group):
            assert 0 <= float(marker.get("x")) <= width
            assert 0 <= float(marker.get("y")) <= height
    assert len(y_ticks(root)) >= 2


def test_a_span_too_small_for_a_tick_step_still_draws():
    # 5e-324 divided into steps rounds to zero (found by the property test below).
    for chart in (line_chart, stacked_area_chart):
        root = parse(chart([Series("a", "A", [(1, 0.0), (2, 5e-324)])], title="t", desc="d"))
        assert_accessible_image(root)
        assert len(y_ticks(root)) >= 2


def test_negative_values_get_ticks_below_zero():
    root = parse(line_chart([Series("a", "A", [(1, -30.0), (2, 50.0)])], title="t", desc="d"))
    ticks = y_ticks(root)
    assert ticks[0].startswith("−") and "0" in ticks


def test_categories_and_numbers_work_as_x_values():
    by_name = [Series("a", "A", [("North", 3.0), ("South", 4.0), ("East", None), ("West", 1.0)])]
    root = parse(line_chart(by_name, title="t", desc="d"))
    assert len(markers(series_groups(root)[0])) == 3
    (axis,) = with_class(root, "pp-axis--x")
    assert set(visible_texts(axis)) <= {"North", "South", "East", "West"}
    by_number = [Series("a", "A", [(2.5, 1.0), (1, 2.0), (10, 3.0)])]
    root = parse(line_chart(by_number, title="t", desc="d"))
    xs = [float(m.get("x")) for m in markers(series_groups(root)[0])]
    assert xs == sorted(xs)  # drawn in x order, whatever order they came in
    assert (xs[1] - xs[0]) / (xs[2] - xs[0]) == pytest.approx(1.5 / 9, abs=0.01)


# --------------------------------------------------------------------------- stacked areas


def test_stacked_areas_each_have_their_own_fill_pattern():
    root = parse(stacked_area_chart(channels(), title="t", desc="d", id_prefix="s"))
    assert_accessible_image(root)
    areas = [with_class(g, "pp-area")[0] for g in series_groups(root)]
    fills = [area.get("fill") for area in areas]
    assert fills == ["url(#s-f0)", "url(#s-f1)", "url(#s-f2)"]
    patterns = {p.get("id"): p for p in elements(root, "pattern")}
    assert set(patterns) == {"s-f0", "s-f1", "s-f2"}
    assert len({ET.tostring(p[1]) for p in patterns.values()}) == 3  # different marks
    assert len({p[0].get("fill") for p in patterns.values()}) == 3  # different colours
    assert [g.get("data-pattern") for g in series_groups(root)] == [
        "diagonal",
        "dots",
        "horizontal",
    ]
    names = [text_of(label.find(NS + "text")) for label in with_class(root, "pp-end-label")]
    assert names == ["Digital", "Paper", "Phone"]


def test_areas_stack_on_each_other():
    series = [Series("a", "A", [(1, 1.0), (2, 1.0)]), Series("b", "B", [(1, 2.0), (2, 2.0)])]
    root = parse(stacked_area_chart(series, title="t", desc="d"))
    a, b = (line_points(with_class(g, "pp-area")[0]) for g in series_groups(root))
    # A's top edge is B's bottom edge; B is twice as thick as A.
    a_bottom, a_top = a[-1][1], a[0][1]
    b_top = b[0][1]
    assert b[-1][1] == pytest.approx(a_top)
    assert (a_top - b_top) == pytest.approx(2 * (a_bottom - a_top), abs=0.2)


def test_a_100_percent_stack_shows_shares_on_a_0_to_100_percent_axis():
    series = [Series("a", "A", [(1, 30.0), (2, 10.0)]), Series("b", "B", [(1, 70.0), (2, 30.0)])]
    root = parse(stacked_area_chart(series, title="t", percent=True))
    assert y_ticks(root) == ["0%", "20%", "40%", "60%", "80%", "100%"]
    (axis,) = with_class(root, "pp-axis--y")
    top_tick_y = float(elements(axis, "line")[-1].get("y1"))
    b = line_points(with_class(series_groups(root)[1], "pp-area")[0])
    assert b[0][1] == pytest.approx(top_tick_y) and b[1][1] == pytest.approx(top_tick_y)
    assert "A share fell from 30% to 25%" in title_and_desc(root)[1]


def test_a_missing_part_is_a_gap_in_the_whole_stack():
    series = [
        Series("a", "A", [(1, 1.0), (2, None), (3, 1.0), (4, 1.0)]),
        Series("b", "B", [(1, 1.0), (2, 5.0), (3, 1.0), (4, 1.0)]),
    ]
    root = parse(stacked_area_chart(series, title="t", desc="d"))
    for group in series_groups(root):
        assert with_class(group, "pp-area")[0].get("d").count("M") == 2


# --------------------------------------------------------------------------- bars and funnels


def test_a_bar_chart_writes_each_value_above_its_bar_and_its_label_below():
    bars = [("Very dissatisfied", 12), ("Satisfied", 1234), ("Very satisfied", None)]
    root = parse(bar_chart(bars, title="Ratings", desc="d"))
    assert_accessible_image(root)
    groups = with_class(root, "pp-bar")
    values = [text_of(with_class(g, "pp-bar-value")[0]) for g in groups]
    assert values == ["12", "1,234", "no data"]
    labels = [text_of(with_class(g, "pp-bar-label")[0]) for g in groups]
    assert labels == ["Very dissatisfied", "Satisfied", "Very satisfied"]
    rects = [g.find(NS + "rect") for g in groups]
    assert rects[2] is None  # no bar for no data, not a zero bar
    heights = [float(r.get("height")) for r in rects[:2]]
    assert heights[1] / heights[0] == pytest.approx(1234 / 12, rel=0.05)
    for group, rect in zip(groups[:2], rects[:2], strict=True):
        value_y = float(with_class(group, "pp-bar-value")[0].get("y"))
        label_y = float(with_class(group, "pp-bar-label")[0][0].get("y"))
        assert value_y < float(rect.get("y")) < label_y


def test_bar_values_use_the_given_format_and_the_desc_defaults_to_the_values():
    root = parse(
        bar_chart([("Q1", 0.5), ("Q2", 0.25)], title="t", value_format=lambda v: f"{v:.0%}")
    )
    assert [text_of(t) for t in with_class(root, "pp-bar-value")] == ["50%", "25%"]
    assert title_and_desc(root)[1] == "Q1: 50%; Q2: 25%."


def test_a_negative_bar_hangs_below_the_baseline():
    root = parse(bar_chart([("Up", 10), ("Down", -5)], title="t", desc="d"))
    (baseline,) = with_class(root, "pp-axis-line")
    zero = float(baseline.get("y1"))
    up, down = (g.find(NS + "rect") for g in with_class(root, "pp-bar"))
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(zero, abs=0.1)
    assert float(down.get("y")) == pytest.approx(zero, abs=0.1)
    assert text_of(with_class(root, "pp-bar-value")[1]) == "−5"


def test_a_funnel_shows_each_step_with_its_share_of_the_first():
    steps = [("Start", 10000), ("Check", 5000), ("Pay", None), ("Done", 2500)]
    root = parse(funnel_chart(steps, title="Journey"))
    assert_accessible_image(root)
    assert [text_of(t) for t in with_class(root, "pp-step-label")] == [
        "Start",
        "Check",
        "Pay",
        "Done",
    ]
    assert [text_of(t) for t in with_class(root, "pp-step-value")] == [
        "10k (100%)",
        "5,000 (50%)",
        "no data",
        "2,500 (25%)",
    ]
    widths = [float(r.get("width")) for r in elements(root, "rect")]
    assert len(widths) == 3
    assert widths[0] / widths[1] == pytest.approx(2, rel=0.01)
    assert widths[0] / widths[2] == pytest.approx(4, rel=0.01)
    assert "Step 2, Check: 5,000 (50% of the first step)." in title_and_desc(root)[1]


def test_a_sparkline_is_a_line_without_axes_or_words():
    root = parse(sparkline([3, 5, None, 8, 9, None, 4], title="Users online", id_prefix="sp"))
    assert_accessible_image(root)
    assert visible_texts(root) == []
    (path,) = with_class(root, "pp-line")
    assert path.get("d").count("M") == 2  # 3-5 and 8-9; 4 is on its own
    assert len(with_class(root, "pp-point")) == 0  # the lone 4 is the latest: drawn once
    assert len(with_class(root, "pp-latest")) == 1
    assert title_and_desc(root)[1] == (
        "Users online rose from 3 to 4 between 0 and 6. 2 of the 7 values are missing."
    )
    lone = parse(
        sparkline([(1, 3.0), (2, None), (3, 5.0), (4, None), (5, 1.0), (6, 2.0)], title="t")
    )
    assert len(with_class(lone, "pp-point")) == 2


# --------------------------------------------------------------------------- empty data


EMPTY_INPUTS = [
    [],
    [Series("a", "A", [])],
    [Series("a", "A", [(1, None), (2, math.nan), (3, -math.inf)])],
]


@pytest.mark.parametrize("series", EMPTY_INPUTS)
@pytest.mark.parametrize("chart", [line_chart, stacked_area_chart])
def test_a_chart_with_no_data_says_so(chart, series):
    root = parse(chart(series, title="Applications", desc="ignored"))
    assert_accessible_image(root)
    assert title_and_desc(root) == (
        "Applications (no data)",
        "No data is available for this chart.",
    )
    assert visible_texts(root) == [NO_DATA]


@pytest.mark.parametrize(
    "render",
    [
        lambda: bar_chart([], title="t"),
        lambda: bar_chart([("a", None), ("b", math.nan)], title="t"),
        lambda: funnel_chart([("a", None)], title="t"),
        lambda: funnel_chart([], title="t"),
        lambda: sparkline([], title="t"),
        lambda: sparkline([None, math.nan], title="t"),
        lambda: line_chart(None, title=""),
    ],
)
def test_every_kind_of_chart_copes_with_no_data(render):
    root = parse(render())
    assert_accessible_image(root)
    title, desc = title_and_desc(root)
    assert "no data" in title.lower() and desc == "No data is available for this chart."
    assert visible_texts(root) == [NO_DATA]


# --------------------------------------------------------------------------- hostile text


HOSTILE = "<script>alert(\"x&y\")</script> 'quoted' & <b>bold</b>"


def test_hostile_text_is_escaped_everywhere():
    series = [Series(HOSTILE, HOSTILE, [(1, 1.0), (2, 2.0)])]
    svgs = [
        line_chart(
            series,
            title=HOSTILE,
            desc=HOSTILE,
            annotations=[(1, HOSTILE)],
            x_labels=lambda x: HOSTILE,
            y_format=lambda v: HOSTILE,
            id_prefix=HOSTILE,
        ),
        stacked_area_chart(series, title=HOSTILE, desc=HOSTILE),
        bar_chart([(HOSTILE, 1)], title=HOSTILE, desc=HOSTILE, value_format=lambda v: HOSTILE),
        funnel_chart([(HOSTILE, 1)], title=HOSTILE, desc=HOSTILE),
        sparkline([1, 2], title=HOSTILE, desc=HOSTILE),
    ]
    for svg in svgs:
        assert "<script" not in svg and "<b>" not in svg
        assert "&lt;script&gt;" in svg
        root = parse(svg)
        assert_accessible_image(root)
        title, desc = title_and_desc(root)
        assert title == HOSTILE and desc.startswith(HOSTILE)
        assert re.fullmatch(r"[A-Za-z0-9_-]+", root.get("id"))
    root = parse(svgs[0])
    assert series_groups(root)[0].get("data-key") == HOSTILE


def test_text_that_xml_cannot_hold_is_dropped():
    label = "Caf\u00e9\x00\x1b\ud800 \ufffe ok"
    root = parse(line_chart([Series("a", label, [(1, 1.0)])], title=label, desc=label))
    assert title_and_desc(root) == ("Café ok", "Café ok")


def test_non_ascii_labels_are_kept():
    label = "Ar-lein — 申请 ✓"
    root = parse(line_chart([Series("a", label, [(1, 1.0), (2, 3.0)])], title=label, desc="d"))
    assert title_and_desc(root)[0] == label
    assert label in visible_texts(root)


def test_very_long_labels_are_cut_short_on_the_chart_but_kept_in_words():
    label = "An extremely long series name " * 20
    root = parse(line_chart([Series("a", label, [(1, 1.0), (2, 3.0)])], title="t"))
    (end_label,) = with_class(root, "pp-end-label")
    shown = text_of(end_label.find(NS + "text"))
    assert shown.endswith("…") and len(shown) < 40
    assert label.strip()[:60] in title_and_desc(root)[1]
    bars = parse(bar_chart([(label, 1), ("b", 2)], title="t"))
    lines = elements(with_class(bars, "pp-bar-label")[0], "tspan")
    assert len(lines) == 2 and text_of(lines[1]).endswith("…")


def test_a_formatter_that_fails_falls_back_to_the_default():
    def broken(value):
        raise ValueError("no")

    root = parse(
        line_chart(
            [Series("a", "A", [(1, 0.0), (2, 100.0)])], title="t", y_format=broken, x_labels=broken
        )
    )
    assert y_ticks(root)[-1] == "100"
    assert title_and_desc(root)[1] == "A rose from 0 to 100 between 1 and 2."


# --------------------------------------------------------------------------- ids


def test_ids_are_prefixed_so_charts_can_share_a_page():
    one = parse(line_chart(channels(), title="t", desc="d", id_prefix="one"))
    two = parse(line_chart(channels(), title="t", desc="d", id_prefix="two"))
    ids_one = {e.get("id") for e in one.iter() if e.get("id")}
    ids_two = {e.get("id") for e in two.iter() if e.get("id")}
    assert ids_one and not ids_one & ids_two
    assert all(i == "one" or i.startswith("one-") for i in ids_one)


def test_the_default_prefix_is_stable_and_differs_by_title():
    a1 = parse(line_chart(channels(), title="Applications", desc="d")).get("id")
    a2 = parse(line_chart(channels(), title="Applications", desc="d")).get("id")
    b = parse(line_chart(channels(), title="Cost", desc="d")).get("id")
    assert a1 == a2 != b


# --------------------------------------------------------------------------- describe_trend


def months(*values):
    return [
        (date(2024, 4 + i, 1) if i < 9 else date(2025, i - 8, 1), v) for i, v in enumerate(values)
    ]


def percent(value):
    return f"{value:.0%}"


def month(value):
    return value.strftime("%B %Y")


@pytest.mark.parametrize(
    ("points", "expected"),
    [
        (
            months(0.61, 0.65, 0.74),
            "Digital take-up rose from 61% to 74% between April 2024 and June 2024.",
        ),
        (
            months(0.74, 0.7, 0.61),
            "Digital take-up fell from 74% to 61% between April 2024 and June 2024.",
        ),
        (
            months(0.74, 0.9, 0.7401),
            "Digital take-up stayed at 74% between April 2024 and June 2024.",
        ),
        (
            months(None, 0.61, None, 0.74, math.nan),
            "Digital take-up rose from 61% to 74% between May 2024 and July 2024."
            " 3 of the 5 values are missing.",
        ),
        (months(None, 0.5), "Digital take-up was 50% in May 2024. 1 of the 2 values is missing."),
        (months(0.5), "Digital take-up was 50% in April 2024."),
        ([], "No data is available for this chart."),
        (months(None, math.inf), "No data is available for this chart."),
    ],
)
def test_describe_trend(points, expected):
    assert describe_trend("digital take-up", points, percent, month) == expected


def test_describe_trend_reads_points_in_date_order():
    points = list(reversed(months(0.61, 0.74)))
    assert describe_trend("Take-up", points, percent, month) == (
        "Take-up rose from 61% to 74% between April 2024 and May 2024."
    )


def test_describe_trend_defaults_to_platform_formats():
    points = [(date(2024, 4, 1), 1234.0), (date(2024, 5, 1), 2_500_000.0)]
    assert describe_trend("Applications", points) == (
        "Applications rose from 1,234 to 2.5m between 1 Apr 2024 and 1 May 2024."
    )


# --------------------------------------------------------------------------- properties

values = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
)
labels = st.text(max_size=300)
xs = st.one_of(
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.integers(-1000, 1000),
    st.text(max_size=10),
)
PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(
    data=st.lists(
        st.tuples(labels, st.lists(st.tuples(xs, values), max_size=30)), min_size=0, max_size=6
    ),
    title=labels,
    note=labels,
)
def test_any_values_and_labels_give_a_well_formed_described_chart(data, title, note):
    series = [Series(label, label, points) for label, points in data]
    bars = [(label, points[0][1] if points else None) for label, points in data]
    x = data[0][1][0][0] if data and data[0][1] else 0
    rendered = [
        line_chart(series, title=title, annotations=[(x, note)], id_prefix=title),
        line_chart(series, title=title, desc=note, percent_axis=True),
        stacked_area_chart(series, title=title, percent=True, annotations=[(x, note)]),
        stacked_area_chart(series, title=title, desc=note),
        bar_chart(bars, title=title),
        funnel_chart(bars, title=title),
        sparkline(data[0][1] if data else [], title=title),
    ]
    for svg in rendered:
        assert_accessible_image(parse(svg))


@PROPERTY
@given(label=labels, points=st.lists(st.tuples(xs, values), max_size=20))
def test_describe_trend_always_gives_a_sentence(label, points):
    sentence = describe_trend(label, points)
    assert sentence.endswith(".") and "\n" not in sentence
