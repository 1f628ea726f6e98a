"""The ``pp`` template tags, the GOV.UK component templates and the GOV.UK Frontend finder."""

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from performance_platform.site import finders
from performance_platform.site.templatetags.pp import parse_format


def render(source: str, **context) -> str:
    return Template("{% load pp %}" + source).render(Context(context))


# --------------------------------------------------------------------------- formatting


def test_fmt_marks_up_shortened_numbers():
    html = render('{{ v|fmt:"number magnitude" }}', v=1234567)
    assert html == (
        '<abbr title="1,234,567" aria-hidden="true">1.23m</abbr>'
        '<span class="govuk-visually-hidden">1,234,567</span>'
    )


def test_fmt_percent_and_currency():
    assert render('{{ v|fmt:"percent" }}', v=0.5) == "50%"
    assert render('{{ v|fmt:"currency" }}', v=4.5) == "£4.50"


def test_fmt_missing_value_is_no_data():
    assert render('{{ v|fmt:"percent" }}', v=None) == '<span class="pp-no-data">no data</span>'


def test_cell_missing_value_is_a_titled_dash():
    html = render('{{ v|cell:"number" }}', v=None)
    assert html == '<span class="pp-no-data" title="No data provided">\u2014</span>'


def test_format_cell_is_plain_text():
    assert render('{{ v|format_cell:"number" }}', v=None) == "\u2014"
    assert render('{{ v|format_cell:"number magnitude" }}', v=12345) == "12.3k"


def test_fmt_text_is_plain_text():
    assert render('{{ v|fmt_text:"percent" }}', v=None) == "no data"
    assert render('{{ v|fmt_text:"currency magnitude" }}', v=2_990_000_000) == "£2.99bn"


def test_fmt_takes_a_format_dict_from_the_context():
    fmt = {"type": "currency", "pence": True}
    assert render("{{ v|fmt:f }}", v=12, f=fmt) == "£12.00"


def test_fmt_escapes_text():
    html = render('{{ v|fmt:"sentence" }} {{ v|format_cell:"sentence" }}', v="<b>x</b>")
    assert "<b>" not in html
    assert "&lt;b&gt;" in html


def test_fmt_url_links_only_http_addresses():
    assert render('{{ v|fmt:"url" }}', v="https://example.org/") == (
        '<a href="https://example.org/">https://example.org/</a>'
    )
    assert "<a" not in render('{{ v|fmt:"url" }}', v="javascript:alert(1)")


@pytest.mark.parametrize(
    "arg,expected",
    [
        ("percent", "percent"),
        (" percent ", "percent"),
        ("number magnitude", {"type": "number", "magnitude": True}),
        ("currency sigfigs=4 pence=false", {"type": "currency", "sigfigs": 4, "pence": False}),
        ("percent normalisation=0.5", {"type": "percent", "normalisation": 0.5}),
        ("date format=MMMM", {"type": "date", "format": "MMMM"}),
    ],
)
def test_parse_format(arg, expected):
    assert parse_format(arg) == expected


def test_parse_format_passes_dicts_through():
    fmt = {"type": "number"}
    assert parse_format(fmt) is fmt


# --------------------------------------------------------------------------- static files


def test_asset_gives_the_static_url():
    assert render('{% asset "site/app.css" as url %}[{{ url }}]') == "[/static/site/app.css]"


def test_asset_is_empty_when_the_manifest_has_no_entry(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    assert render('{% asset "site/app.css" as url %}[{{ url }}]') == "[]"


def test_pages_render_without_built_assets(client, settings, tmp_path):
    """A bare install (no npm, no collectstatic) still serves pages, just without CSS/JS."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    response = client.get("/performance/accessibility")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'rel="stylesheet"' not in html
    assert 'type="module"' not in html
    assert "Accessibility statement for Performance" in html


# --------------------------------------------------------------------------- finder


@pytest.fixture
def fake_frontend(tmp_path, settings):
    root = tmp_path / "dist" / "govuk"
    for name in [
        "assets/fonts/bold.woff2",
        "assets/images/favicon.ico",
        "assets/manifest.json",
        "govuk-frontend.min.js",
        "govuk-frontend.min.js.map",
        "index.scss",
        "components/button/template.njk",
        "all.bundle.js",
    ]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
    settings.GOVUK_FRONTEND_DIR = root
    return root


def test_finder_lists_only_what_pages_use(fake_frontend):
    finder = finders.GovukFrontendFinder()
    listed = {path.replace("\\", "/") for path, _ in finder.list([])}
    assert listed == {
        "assets/fonts/bold.woff2",
        "assets/images/favicon.ico",
        "assets/manifest.json",
        "govuk-frontend.min.js",
        "govuk-frontend.min.js.map",
    }
    storage = next(iter(finder.list([])))[1]
    assert storage.prefix == "govuk"


def test_finder_finds_under_the_govuk_prefix(fake_frontend):
    finder = finders.GovukFrontendFinder()
    assert finder.find("govuk/govuk-frontend.min.js") == str(
        fake_frontend / "govuk-frontend.min.js"
    )
    assert finder.find("govuk/assets/fonts/bold.woff2", find_all=True) == [
        str(fake_frontend / "assets" / "fonts" / "bold.woff2")
    ]
    assert finder.find("govuk-frontend.min.js") is None
    assert finder.find("govuk/index.scss") is None
    assert finder.find("govuk/assets/fonts/../../index.scss") is None
    assert finder.find("govuk/assets/fonts/missing.woff2") is None
    assert finder.find("govuk/index.scss", find_all=True) == []


def test_finder_without_the_package_offers_nothing(settings, tmp_path):
    settings.GOVUK_FRONTEND_DIR = tmp_path / "not-installed"
    finder = finders.GovukFrontendFinder()
    assert list(finder.list([])) == []
    assert finder.find("govuk/govuk-frontend.min.js") is None


# --------------------------------------------------------------------------- components


def test_table_component():
    html = render_to_string(
        "site/components/table.html",
        {
            "table": {
                "caption": "Transactions <by> quarter",
                "head": [{"text": "Quarter"}, {"text": "Count", "format": "numeric"}],
                "rows": [
                    [{"text": "Q1"}, {"text": mark_safe("<abbr>1k</abbr>"), "format": "numeric"}],
                    [{"text": "<Q2>"}, {"text": "<b>", "format": "numeric"}],
                ],
                "first_cell_is_header": True,
            }
        },
    )
    assert '<caption class="govuk-table__caption">Transactions &lt;by&gt; quarter</caption>' in html
    assert '<th scope="col" class="govuk-table__header govuk-table__header--numeric">' in html
    assert '<th scope="row" class="govuk-table__header">Q1</th>' in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric"><abbr>1k</abbr></td>' in html
    assert "&lt;Q2&gt;" in html and "&lt;b&gt;" in html


def test_error_summary_links_to_fields():
    html = render_to_string(
        "site/components/error_summary.html",
        {"errors": [{"text": "Enter a start date", "href": "#start"}]},
    )
    assert '<div class="govuk-error-summary" data-module="govuk-error-summary">' in html
    assert "There is a problem" in html
    assert '<a href="#start">Enter a start date</a>' in html


def test_input_component_describes_hint_and_error():
    html = render_to_string(
        "site/components/input.html",
        {
            "name": "filter",
            "label": "Service name contains",
            "hint": "For example, tax",
            "error": "Too long",
            "value": '"x',
        },
    )
    assert '<label class="govuk-label" for="filter">' in html
    assert 'aria-describedby="filter-hint filter-error"' in html
    assert "govuk-input--error" in html and "govuk-form-group--error" in html
    assert 'value="&quot;x"' in html


def test_select_component_marks_the_selected_option():
    html = render_to_string(
        "site/components/select.html",
        {
            "name": "department",
            "label": "Department",
            "options": [
                {"value": "", "text": "All"},
                {"value": "dft", "text": "DfT", "selected": True},
            ],
            "groups": [
                {"label": "Agencies", "options": [{"value": "agency:dvla", "text": "DVLA"}]}
            ],
        },
    )
    assert '<select class="govuk-select" id="department" name="department">' in html
    assert '<option value="dft" selected>DfT</option>' in html
    assert '<optgroup label="Agencies">' in html


def test_summary_card_and_details_and_banner_and_button():
    card = render_to_string(
        "site/components/summary_card.html",
        {"title": "About", "rows": [{"key": "Customer type", "value": "Individuals"}]},
    )
    assert '<h2 class="govuk-summary-card__title">' in card
    assert "govuk-summary-list__row--no-actions" in card
    details = render_to_string(
        "site/components/details.html", {"summary": "What is this?", "text": "<x>"}
    )
    assert '<details class="govuk-details">' in details and "&lt;x&gt;" in details
    banner = render_to_string("site/components/notification_banner.html", {"text": "Preview"})
    assert 'role="region"' in banner and "Important" in banner
    success = render_to_string(
        "site/components/notification_banner.html", {"text": "Saved", "success": True}
    )
    assert 'role="alert"' in success and "govuk-notification-banner--success" in success
    button = render_to_string("site/components/button.html", {"text": "Filter services"})
    assert '<button type="submit" class="govuk-button" data-module="govuk-button">' in button
    link = render_to_string(
        "site/components/button.html", {"text": "Start", "href": "/x", "start": True}
    )
    assert 'role="button"' in link and "govuk-button--start" in link
