"""Files with a broken module, organisation, link or annotation are refused whole, with a
message naming the dashboard, the module and the option at fault."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from performance_platform.configuration.checks import ConfigError, validate
from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import RESERVED_SLUGS, Dashboard

from .helpers import (
    SOURCE,
    WEEKLY,
    dashboard_entry,
    everything,
    module_entry,
    run,
    sample_doc,
    write_file,
)

pytestmark = pytest.mark.django_db

EXISTING = {
    "organisations": [{"slug": "dwp", "name": "Work and Pensions", "type": "department"}],
    "dashboards": [
        {
            "slug": "carers-allowance",
            "title": "Carer's Allowance",
            "organisation": "dwp",
            "modules": [
                {
                    "slug": "claims",
                    "type": "kpi",
                    "title": "Claims",
                    "data_source": {"data_group": "carers", "data_type": "claims"},
                    "query": WEEKLY,
                    "options": {"value-attribute": "count:sum"},
                }
            ],
        }
    ],
}


@pytest.fixture
def before():
    """Something already in the database, which a refused file must leave as it is."""
    import_config(EXISTING)
    return everything()


def refused(tmp_path, doc) -> str:
    """Import ``doc`` through the command; it must fail. Returns the message."""
    with pytest.raises(CommandError) as info:
        run("import-config", write_file(tmp_path, doc))
    message = str(info.value)
    assert message.startswith("Nothing was imported.")
    return message


def _kpi(doc):
    return module_entry(doc, "renew-passport", "transactions")


def _chart(doc):
    return module_entry(doc, "renew-passport", "by-channel", "channel-chart")


def _table(doc):
    return module_entry(doc, "renew-passport", "by-channel", "channel-table")


def _weekly(doc):
    return module_entry(doc, "renew-passport", "views", "weekly")


def _section(doc):
    return module_entry(doc, "renew-passport", "by-channel")


def _tab(doc):
    return module_entry(doc, "renew-passport", "views")


def kpi_without_value_attribute(doc):
    del _kpi(doc)["options"]["value-attribute"]
    return "transactions", ["value-attribute", "required"]


def unknown_option(doc):
    _kpi(doc)["options"]["colour"] = "red"
    return "transactions", ["options", "colour"]


def bad_format_name(doc):
    _kpi(doc)["options"]["format"] = "roman-numerals"
    return "transactions", ["options.format"]


def bad_format_object(doc):
    _kpi(doc)["options"]["format"] = {"type": "number", "sigfigs": 99}
    return "transactions", ["options.format"]


def bad_nested_axis(doc):
    _chart(doc)["options"]["axes"]["y"] = [{"groupId": "digital"}]
    return "channel-chart", ["options.axes.y.0", "label"]


def group_mapping_pattern_that_does_not_compile(doc):
    _chart(doc)["options"]["group-mapping"] = {"([digital": "online"}
    return "channel-chart", ["options.group-mapping", "regex"]


def group_mapping_to_a_number(doc):
    _chart(doc)["options"]["group-mapping"] = {"^digital$": 3}
    return "channel-chart", ["options.group-mapping"]


def timeshift_of_zero(doc):
    _chart(doc)["options"]["axes"]["y"].append(
        {"label": "Digital", "groupId": "digital", "timeshift": 0}
    )
    return "channel-chart", ["options.axes.y.1.timeshift"]


def line_label_link_to_a_script(doc):
    _chart(doc)["options"]["axes"]["y"][0]["href"] = "javascript:alert(1)"
    return "channel-chart", ["options.axes.y.0.href"]


def timeshift_on_a_table(doc):
    # Only a grouped time series draws comparison lines; elsewhere it would do nothing.
    _table(doc)["options"].setdefault("axes", {})["y"] = [
        {"label": "Count", "key": "count", "timeshift": 4}
    ]
    return "channel-table", ["timeshift"]


def bad_regex_type(doc):
    _section(doc)["modules"].append(
        {
            "slug": "completion",
            "type": "completion_rate",
            "title": "Completion",
            "data_source": SOURCE,
            "query": WEEKLY,
            "options": {
                "numerator-matcher": ["^done$"],
                "denominator-matcher": "^start$",
                "matching-attribute": "stage",
            },
        }
    )
    return "completion", ["options.numerator-matcher"]


def regex_that_does_not_compile(doc):
    _section(doc)["modules"].append(
        {
            "slug": "completion",
            "type": "completion_rate",
            "title": "Completion",
            "data_source": SOURCE,
            "query": WEEKLY,
            "options": {
                "numerator-matcher": "^done$",
                "denominator-matcher": "([start",
                "matching-attribute": "stage",
            },
        }
    )
    return "completion", ["options.denominator-matcher"]


def bad_start_date(doc):
    _weekly(doc)["options"]["date-picker"] = {"start-date": "the-beginning"}
    return "weekly", ["options.date-picker.start-date"]


def table_sorted_sideways(doc):
    _table(doc)["options"]["sort-order"] = "sideways"
    return "channel-table", ["options.sort-order", "sideways"]


def unknown_module_type(doc):
    _kpi(doc)["type"] = "pie_chart"
    return "transactions", ["type", "pie_chart"]


def data_module_without_data_source(doc):
    del _weekly(doc)["data_source"]
    return "weekly", ["data_source"]


def section_with_data_source(doc):
    _section(doc)["data_source"] = SOURCE
    return "by-channel", ["data_source"]


def section_with_query(doc):
    _section(doc)["query"] = WEEKLY
    return "by-channel", ["data_source"]


def tab_with_one_tab(doc):
    _tab(doc)["modules"].pop()
    return "views", ["modules", "at least 2"]


def bad_query_period(doc):
    _kpi(doc)["query"] = {"period": "fortnight"}
    return "transactions", ["query", "period"]


def unknown_query_parameter(doc):
    _kpi(doc)["query"] = {**WEEKLY, "colour": "red"}
    return "transactions", ["query", "colour"]


def section_in_a_section(doc):
    _section(doc)["modules"].append({"slug": "inner", "type": "section", "title": "Inner"})
    return "inner", ["section", "inside"]


def tab_in_a_section(doc):
    _section(doc)["modules"].append(
        {"slug": "inner-tabs", "type": "tab", "title": "Inner", "modules": []}
    )
    return "inner-tabs", ["tab", "inside"]


def children_of_a_data_module(doc):
    _kpi(doc)["modules"] = [_weekly(sample_doc())]
    return "transactions", ["modules", "only a section or a tab"]


def duplicate_slug_in_a_section(doc):
    _section(doc)["modules"].append({**_table(sample_doc()), "title": "Another"})
    return "channel-table", ["slug"]


def slug_of_a_top_level_module_reused_in_a_section(doc):
    _section(doc)["modules"].append({**_kpi(sample_doc())})
    return "transactions", ["slug"]


def slug_reused_in_two_tabs(doc):
    _tab(doc)["modules"].append({**_table(sample_doc())})
    return "channel-table", ["slug"]


CASES = [
    kpi_without_value_attribute,
    unknown_option,
    bad_format_name,
    bad_format_object,
    bad_nested_axis,
    group_mapping_pattern_that_does_not_compile,
    group_mapping_to_a_number,
    timeshift_of_zero,
    line_label_link_to_a_script,
    timeshift_on_a_table,
    bad_regex_type,
    regex_that_does_not_compile,
    bad_start_date,
    table_sorted_sideways,
    unknown_module_type,
    data_module_without_data_source,
    section_with_data_source,
    section_with_query,
    tab_with_one_tab,
    bad_query_period,
    unknown_query_parameter,
    section_in_a_section,
    tab_in_a_section,
    children_of_a_data_module,
    duplicate_slug_in_a_section,
    slug_of_a_top_level_module_reused_in_a_section,
    slug_reused_in_two_tabs,
]


@pytest.mark.parametrize("breakage", CASES, ids=[c.__name__ for c in CASES])
def test_an_invalid_module_is_refused_and_nothing_is_imported(tmp_path, before, breakage):
    doc = sample_doc()
    module, words = breakage(doc)

    message = refused(tmp_path, doc)

    lines = [ln for ln in message.splitlines() if "renew-passport" in ln and repr(module) in ln]
    assert any(all(word in line for word in words) for line in lines), (words, message)
    # Not even the file's valid data set, organisations or other dashboard.
    assert everything() == before


@pytest.mark.parametrize("breakage", CASES, ids=[c.__name__ for c in CASES])
def test_an_invalid_module_is_refused_by_validate(breakage):
    doc = sample_doc()
    module, _ = breakage(doc)
    with pytest.raises(ConfigError, match=f"renew-passport.*{module}"):
        validate(doc)


def test_the_sample_file_itself_is_valid():
    validate(sample_doc())


def test_every_problem_is_reported_at_once(tmp_path, before):
    doc = sample_doc()
    kpi_without_value_attribute(doc)
    table_sorted_sideways(doc)
    tab_with_one_tab(doc)

    message = refused(tmp_path, doc)

    assert "'transactions'" in message
    assert "'channel-table'" in message
    assert "'views'" in message
    assert everything() == before


def test_the_same_module_slug_on_two_dashboards_is_fine():
    doc = sample_doc()
    dashboard_entry(doc, "home-office")["modules"] = [_kpi(sample_doc())]
    import_config(doc)
    assert everything()["counts"][2] == 8


# --- organisations, dashboards, links and annotations ----------------------------------


def unknown_parent(doc):
    doc["organisations"][0]["parent"] = "ministry-of-magic"
    return ["hm-passport-office", "parent", "ministry-of-magic"]


def parent_loop(doc):
    doc["organisations"][1]["parent"] = "hm-passport-office"
    return ["home-office", "loop"]


def longer_parent_loop(doc):
    doc["organisations"][1]["parent"] = "independent-body"
    doc["organisations"][2]["parent"] = "hm-passport-office"
    return ["independent-body", "loop"]


def self_parent(doc):
    doc["organisations"][2]["parent"] = "independent-body"
    return ["independent-body", "own parent"]


def duplicate_organisation(doc):
    doc["organisations"].append({"slug": "home-office", "name": "Home Office 2", "type": "agency"})
    return ["home-office", "also entry 1"]


def duplicate_dashboard(doc):
    doc["dashboards"].append({"slug": "home-office", "title": "Again"})
    return ["home-office", "also entry 1"]


def unknown_organisation(doc):
    dashboard_entry(doc, "home-office")["organisation"] = "ministry-of-magic"
    return ["dashboards[1] (home-office)", "organisation", "ministry-of-magic"]


def javascript_link(doc):
    dashboard_entry(doc, "renew-passport")["links"][1]["url"] = "javascript:alert(1)"
    return ["renew-passport", "links", "https://"]


def relative_link(doc):
    dashboard_entry(doc, "renew-passport")["links"][1]["url"] = "/fees"
    return ["renew-passport", "links", "link 1"]


def two_transaction_links(doc):
    dashboard_entry(doc, "renew-passport")["links"][1]["type"] = "transaction"
    return ["renew-passport", "links", "only one link"]


def impossible_annotation_date(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][1]["date"] = "2025-02-30"
    return ["renew-passport", "annotations[1].date"]


def annotation_date_not_a_date(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][0]["date"] = "4 March 2024"
    return ["annotations[0].date"]


def javascript_annotation_link(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][0]["link"] = "javascript:alert(1)"
    return ["renew-passport", "annotations[0].link"]


def annotation_link_too_long(doc):
    link = "https://www.gov.uk/" + "a" * 300
    dashboard_entry(doc, "renew-passport")["annotations"][0]["link"] = link
    return ["renew-passport", "annotations[0].link"]


def slug_with_a_trailing_newline(doc):
    dashboard_entry(doc, "home-office")["slug"] = "home-office-2\n"
    return ["home-office-2", "slug"]


def organisation_slug_with_a_trailing_newline(doc):
    doc["organisations"][2]["slug"] = "independent-body\n"
    return ["independent-body", "slug"]


def module_slug_with_a_trailing_newline(doc):
    _kpi(doc)["slug"] = "transactions\n"
    return ["renew-passport", "transactions", "slug"]


ENTRY_CASES = [
    unknown_parent,
    parent_loop,
    longer_parent_loop,
    self_parent,
    duplicate_organisation,
    duplicate_dashboard,
    unknown_organisation,
    javascript_link,
    relative_link,
    two_transaction_links,
    impossible_annotation_date,
    annotation_date_not_a_date,
    javascript_annotation_link,
    annotation_link_too_long,
    slug_with_a_trailing_newline,
    organisation_slug_with_a_trailing_newline,
    module_slug_with_a_trailing_newline,
]


@pytest.mark.parametrize("breakage", ENTRY_CASES, ids=[c.__name__ for c in ENTRY_CASES])
def test_a_bad_entry_is_refused_and_nothing_is_imported(tmp_path, before, breakage):
    doc = sample_doc()
    words = breakage(doc)

    message = refused(tmp_path, doc)

    assert any(all(word in line for word in words) for line in message.splitlines()), (
        words,
        message,
    )
    assert everything() == before


def test_a_parent_loop_through_the_database_is_refused(tmp_path):
    """The database says the agency sits under the department; the file may not put the
    department under the agency."""
    import_config(sample_doc())
    before = everything()
    doc = {
        "organisations": [
            {
                "slug": "home-office",
                "name": "Home Office",
                "type": "department",
                "parent": "hm-passport-office",
            }
        ]
    }

    message = refused(tmp_path, doc)

    assert "home-office" in message and "loop" in message
    assert everything() == before


def test_an_organisation_moved_out_of_a_loop_in_the_same_file_is_fine():
    """The file's parent replaces the database's, so this is not a loop."""
    import_config(sample_doc())
    doc = {
        "organisations": [
            {"slug": "hm-passport-office", "name": "HMPO", "type": "agency"},
            {
                "slug": "home-office",
                "name": "Home Office",
                "type": "department",
                "parent": "hm-passport-office",
            },
        ]
    }
    import_config(doc)
    state = everything()["organisations"]
    assert ("home-office", "Home Office", "", "department", "hm-passport-office") in state


@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_reserved_slugs_are_refused(tmp_path, before, slug):
    """A dashboard cannot take the address of one of the site's own pages: the model's
    check and the configuration file both refuse it, and nothing is stored."""
    dashboard = Dashboard(slug=slug, title="Clash", dashboard_type="transaction")
    with pytest.raises(ValidationError) as caught:
        dashboard.full_clean()
    assert "site's own pages" in str(caught.value)
    doc = {"dashboards": [{"slug": slug, "title": "Clash", "dashboard_type": "transaction"}]}
    message = refused(tmp_path, doc)
    assert "site's own pages" in message
    assert everything() == before
