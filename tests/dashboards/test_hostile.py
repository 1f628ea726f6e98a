"""Hostile configuration files: each is refused with a clean message (CommandError from the
command, ConfigError from the functions), never a crash, and nothing is written."""

import json

import pytest
import yaml
from django.core.management.base import CommandError

from performance_platform.configuration.checks import ConfigError
from performance_platform.configuration.importer import import_config

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

HUGE = "x" * 2_000_000


def _kpi(doc):
    return module_entry(doc, "renew-passport", "transactions")


def _nested(depth: int) -> dict:
    """Sections inside sections, ``depth`` deep, with a KPI at the bottom."""
    module = {
        "slug": "leaf",
        "type": "kpi",
        "title": "Leaf",
        "data_source": SOURCE,
        "query": WEEKLY,
        "options": {"value-attribute": "count:sum"},
    }
    for level in range(depth):
        module = {"slug": f"level-{level}", "type": "section", "title": "S", "modules": [module]}
    return module


def huge_title(doc):
    dashboard_entry(doc, "renew-passport")["title"] = HUGE


def huge_option_value(doc):
    _kpi(doc)["options"]["value-attribute"] = HUGE


def huge_option_key(doc):
    _kpi(doc)["options"][HUGE] = 1


def huge_module_slug(doc):
    _kpi(doc)["slug"] = "a" * 100_000


def huge_query_value(doc):
    _kpi(doc)["query"] = {**WEEKLY, "filter_by": "channel:" + HUGE}


def huge_organisation_name(doc):
    doc["organisations"][0]["name"] = HUGE


def nul_in_title(doc):
    dashboard_entry(doc, "renew-passport")["title"] = "Renew\x00 a passport"


def nul_in_organisation_name(doc):
    doc["organisations"][1]["name"] = "Home\x00Office"


def nul_in_module_description(doc):
    _kpi(doc)["description"] = "All\x00channels"


def nul_in_info(doc):
    _kpi(doc)["info"] = ["Source\x00"]


def nul_in_option_value(doc):
    _kpi(doc)["options"]["value-attribute"] = "count\x00sum"


def nul_in_nested_option(doc):
    _kpi(doc)["options"]["axes"] = {"x": {"label": "a\x00b"}}


def nul_in_option_key(doc):
    _kpi(doc)["options"]["value\x00attribute"] = "count:sum"


def nul_in_query(doc):
    _kpi(doc)["query"] = {**WEEKLY, "filter_by": "channel:web\x00"}


def nul_in_link_title(doc):
    dashboard_entry(doc, "renew-passport")["links"][0]["title"] = "Renew\x00"


def nul_in_annotation(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][0]["text"] = "launched\x00"


def nul_in_slug(doc):
    dashboard_entry(doc, "home-office")["slug"] = "home\x00office"


def surrogate_in_title(doc):
    dashboard_entry(doc, "renew-passport")["title"] = "Renew \ud800 a passport"


def surrogate_in_option_key(doc):
    _kpi(doc)["options"]["\udfff"] = 1


def infinite_option(doc):
    module_entry(doc, "renew-passport", "views", "weekly")["options"]["default-value"] = float(
        "inf"
    )


def nan_option(doc):
    module_entry(doc, "renew-passport", "views", "weekly")["options"]["default-value"] = float(
        "nan"
    )


def options_a_list(doc):
    _kpi(doc)["options"] = ["value-attribute", "count:sum"]


def options_a_string(doc):
    _kpi(doc)["options"] = "value-attribute=count:sum"


def options_null(doc):
    _kpi(doc)["options"] = None


def options_with_10000_keys(doc):
    _kpi(doc)["options"] = {f"key-{n}": n for n in range(10_000)}


def query_a_list(doc):
    _kpi(doc)["query"] = ["period", "week"]


def query_with_nested_objects(doc):
    _kpi(doc)["query"] = {"period": {"week": {"deeper": [1, 2, {"x": None}]}}, "duration": 1}


def query_with_10000_keys(doc):
    _kpi(doc)["query"] = {f"key{n}": "x" for n in range(10_000)}


def modules_nested_30_deep(doc):
    dashboard_entry(doc, "home-office")["modules"] = [_nested(30)]


def modules_nested_200_deep(doc):
    dashboard_entry(doc, "home-office")["modules"] = [_nested(200)]


def modules_nested_800_deep(doc):
    dashboard_entry(doc, "home-office")["modules"] = [_nested(800)]


def ten_thousand_modules(doc):
    dashboard_entry(doc, "home-office")["modules"] = [
        {"slug": f"section-{n}", "type": "section", "title": "S", "options": {"x": 1}}
        for n in range(10_000)
    ]


def unicode_dashboard_slug(doc):
    dashboard_entry(doc, "home-office")["slug"] = "hôme-öffice"


def unicode_digit_slug(doc):
    dashboard_entry(doc, "home-office")["slug"] = "home-office-\u0663"


def unicode_module_slug(doc):
    _kpi(doc)["slug"] = "tränsactions"


def unicode_organisation_slug(doc):
    doc["organisations"][2]["slug"] = "ındependent"


def unicode_parent_slug(doc):
    doc["organisations"][0]["parent"] = "home-offıce"


def emoji_data_source(doc):
    _kpi(doc)["data_source"] = {"data_group": "renew-passport", "data_type": "🎉"}


def module_type_a_list(doc):
    _kpi(doc)["type"] = ["kpi"]


def module_type_an_object(doc):
    _kpi(doc)["type"] = {"kpi": True}


def module_slug_a_list(doc):
    _kpi(doc)["slug"] = ["transactions"]


def module_slug_missing(doc):
    del _kpi(doc)["slug"]


def modules_an_object(doc):
    dashboard_entry(doc, "renew-passport")["modules"] = {"transactions": _kpi(sample_doc())}


def modules_a_number(doc):
    dashboard_entry(doc, "renew-passport")["modules"] = 7


def child_modules_a_number(doc):
    module_entry(doc, "renew-passport", "views")["modules"] = 2


def child_modules_a_string(doc):
    module_entry(doc, "renew-passport", "views")["modules"] = "ab"


def data_source_a_string(doc):
    _kpi(doc)["data_source"] = "renew-passport/transactions-by-channel"


def data_source_a_list(doc):
    _kpi(doc)["data_source"] = ["renew-passport", "transactions-by-channel"]


def annotations_a_number(doc):
    dashboard_entry(doc, "renew-passport")["annotations"] = 3


def annotations_a_string(doc):
    dashboard_entry(doc, "renew-passport")["annotations"] = "2024-01-01"


def annotation_a_list(doc):
    dashboard_entry(doc, "renew-passport")["annotations"] = [["2024-01-01", "text"]]


def links_an_object(doc):
    dashboard_entry(doc, "renew-passport")["links"] = {"url": "https://www.gov.uk"}


def link_url_a_list(doc):
    dashboard_entry(doc, "renew-passport")["links"][0]["url"] = ["https://www.gov.uk"]


def link_type_a_list(doc):
    dashboard_entry(doc, "renew-passport")["links"][0]["type"] = ["transaction"]


def organisations_an_object(doc):
    doc["organisations"] = {"home-office": {"name": "Home Office"}}


def organisations_a_number(doc):
    doc["organisations"] = 12


def organisation_a_string(doc):
    doc["organisations"].append("home-office")


def organisation_slug_a_list(doc):
    doc["organisations"][2]["slug"] = ["independent-body"]


def organisation_parent_a_list(doc):
    doc["organisations"][0]["parent"] = ["home-office"]


def organisation_parent_an_object(doc):
    doc["organisations"][0]["parent"] = {"slug": "home-office"}


def dashboard_organisation_a_list(doc):
    dashboard_entry(doc, "renew-passport")["organisation"] = ["home-office"]


def dashboard_slug_a_list(doc):
    dashboard_entry(doc, "home-office")["slug"] = ["home-office"]


def dashboards_an_object(doc):
    doc["dashboards"] = {"renew-passport": {"title": "Renew"}}


def dashboards_a_string(doc):
    doc["dashboards"] = "renew-passport"


def dashboard_a_number(doc):
    doc["dashboards"].append(42)


def kpi_group_a_list(doc):
    dashboard_entry(doc, "renew-passport")["kpi_group"] = ["renew-passport"]


def title_a_number(doc):
    dashboard_entry(doc, "renew-passport")["title"] = 1e308


def annotation_date_a_number(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][0]["date"] = 20240304


def annotation_date_year_zero(doc):
    dashboard_entry(doc, "renew-passport")["annotations"][0]["date"] = "0000-01-01"


def info_a_string(doc):
    _kpi(doc)["info"] = "one line"


def format_deeply_nested(doc):
    value = "number"
    for _ in range(300):
        value = {"type": value}
    _kpi(doc)["options"]["format"] = value


CASES = [
    huge_title,
    huge_option_value,
    huge_option_key,
    huge_module_slug,
    huge_query_value,
    huge_organisation_name,
    nul_in_title,
    nul_in_organisation_name,
    nul_in_module_description,
    nul_in_info,
    nul_in_option_value,
    nul_in_nested_option,
    nul_in_option_key,
    nul_in_query,
    nul_in_link_title,
    nul_in_annotation,
    nul_in_slug,
    surrogate_in_title,
    surrogate_in_option_key,
    infinite_option,
    nan_option,
    options_a_list,
    options_a_string,
    options_null,
    options_with_10000_keys,
    query_a_list,
    query_with_nested_objects,
    query_with_10000_keys,
    modules_nested_30_deep,
    ten_thousand_modules,
    unicode_dashboard_slug,
    unicode_digit_slug,
    unicode_module_slug,
    unicode_organisation_slug,
    unicode_parent_slug,
    emoji_data_source,
    module_type_a_list,
    module_type_an_object,
    module_slug_a_list,
    module_slug_missing,
    modules_an_object,
    modules_a_number,
    child_modules_a_number,
    child_modules_a_string,
    data_source_a_string,
    data_source_a_list,
    annotations_a_number,
    annotations_a_string,
    annotation_a_list,
    links_an_object,
    link_url_a_list,
    link_type_a_list,
    organisations_an_object,
    organisations_a_number,
    organisation_a_string,
    organisation_slug_a_list,
    organisation_parent_a_list,
    organisation_parent_an_object,
    dashboard_organisation_a_list,
    dashboard_slug_a_list,
    dashboards_an_object,
    dashboards_a_string,
    dashboard_a_number,
    kpi_group_a_list,
    title_a_number,
    annotation_date_a_number,
    annotation_date_year_zero,
    info_a_string,
    format_deeply_nested,
]


# jsonschema recurses, so configuration.checks.validate refuses files nested too deeply first.
DEEP_CASES = [modules_nested_200_deep, modules_nested_800_deep]


@pytest.fixture
def before():
    import_config(
        {"organisations": [{"slug": "dwp", "name": "Work and Pensions", "type": "department"}]}
    )
    return everything()


ALL_CASES = CASES + DEEP_CASES
IDS = [c.__name__ for c in CASES + DEEP_CASES]


@pytest.mark.parametrize("breakage", ALL_CASES, ids=IDS)
def test_hostile_file_is_refused_by_the_command(tmp_path, before, breakage):
    doc = sample_doc()
    breakage(doc)
    path = write_file(tmp_path, json.dumps(doc))

    with pytest.raises(CommandError) as info:
        run("import-config", path)

    message = str(info.value)
    assert message.startswith("Nothing was imported.\n")
    assert len(message.splitlines()) >= 2
    assert everything() == before


@pytest.mark.parametrize("breakage", ALL_CASES, ids=IDS)
def test_hostile_document_is_refused_by_import_config(before, breakage):
    doc = sample_doc()
    breakage(doc)

    with pytest.raises(ConfigError) as info:
        import_config(doc)

    assert str(info.value).strip()
    assert everything() == before


def test_messages_about_huge_values_stay_readable(before):
    doc = sample_doc()
    huge_option_value(doc)
    with pytest.raises(ConfigError) as info:
        import_config(doc)
    assert "value-attribute" in str(info.value)
    assert len(str(info.value)) < 2_000


def test_a_nul_character_is_reported_with_its_place(before):
    doc = sample_doc()
    nul_in_module_description(doc)
    with pytest.raises(ConfigError) as info:
        import_config(doc)
    message = str(info.value)
    assert "dashboards[0] (renew-passport): modules[0].description: contains a NUL" in message
    assert everything() == before


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_yaml_infinities_in_options_are_refused(tmp_path, before, value):
    """PostgreSQL's jsonb has no Infinity or NaN: the import must refuse them, not fail."""
    doc = sample_doc()
    module_entry(doc, "renew-passport", "views", "weekly")["options"]["default-value"] = 0.5
    text = yaml.safe_dump(doc).replace("default-value: 0.5", f"default-value: {value}")
    assert f"default-value: {value}" in text

    with pytest.raises(CommandError) as info:
        run("import-config", write_file(tmp_path, text, name="config.yaml"))

    assert "renew-passport" in str(info.value) and "default-value" in str(info.value)
    assert everything() == before


def test_yaml_with_a_nul_escape_is_refused(tmp_path, before):
    doc = sample_doc()
    text = yaml.safe_dump(doc).replace("title: Renew a passport", 'title: "Renew\\0 a passport"')
    assert "Renew\\0" in text

    with pytest.raises(CommandError) as info:
        run("import-config", write_file(tmp_path, text, name="config.yaml"))

    assert "title" in str(info.value) and "NUL" in str(info.value)
    assert everything() == before


def test_yaml_with_binary_and_nul_is_refused(tmp_path, before):
    path = write_file(tmp_path, b"dashboards:\n  - slug: a\x00b\n    title: \xff\xfe\n")
    with pytest.raises(CommandError):
        run("import-config", path)
    assert everything() == before


def test_yaml_with_an_alias_bomb_is_refused_cleanly(tmp_path, before):
    text = (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "dashboards: [*c]\n"
    )
    with pytest.raises(CommandError):
        run("import-config", write_file(tmp_path, text, name="bomb.yaml"))
    assert everything() == before


def test_a_json_file_nested_far_too_deep_is_refused(tmp_path, before):
    text = '{"dashboards": [' + '{"modules": [' * 5000 + "]}" * 5000 + "]}"
    with pytest.raises(CommandError):
        run("import-config", write_file(tmp_path, text))
    assert everything() == before


def test_messages_about_huge_titles_stay_readable(before):
    doc = sample_doc()
    huge_title(doc)
    with pytest.raises(ConfigError) as info:
        import_config(doc)
    assert "title" in str(info.value)
    assert len(str(info.value)) < 2_000
