"""Transforms in configuration files: import, validation, export; the ``transforms`` CLI."""

import copy
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from performance_platform.configuration.checks import ConfigError
from performance_platform.configuration.exporter import export_config
from performance_platform.configuration.importer import import_config
from performance_platform.datastore.models import DataGroup, DataSet, DataType, WriteToken
from performance_platform.kpis.models import Transform

from .conftest import TAKEUP, TX, by_start, day, drain, make_transform, token_for, write

pytestmark = pytest.mark.django_db

RATE_OPTIONS = {
    "matchingAttribute": "stage",
    "valueAttribute": "count:sum",
    "numeratorMatcher": "^done$",
    "denominatorMatcher": "^start$",
}
DOC = {
    "data_sets": [
        {
            "data_group": "svc",
            "data_type": TX,
            "max_age_expected": 1300000,
            "auto_ids": ["_timestamp", "channel", "period"],
        }
    ],
    "transforms": [
        {"type": "digital_takeup", "input": {"data_type": TX}},
        {
            "type": "digital_takeup",
            "input": {"data_group": "svc", "data_type": TX},
            "options": {"channels": ["digital", "api"]},
        },
        {
            "type": "kpi_summary",
            "input": {"data_type": TAKEUP},
            "options": {"kpi": "digital_takeup"},
        },
        {
            "type": "rate",
            "input": {"data_type": "journey"},
            "output": {"data_group": "central", "data_type": "completion-rate"},
            "query": {"period": "week"},
            "options": RATE_OPTIONS,
        },
        {
            "type": "cost_per_transaction",
            "input": {"data_type": "cost-per-transaction"},
            "options": {"mode": "total_cost"},
            "enabled": False,
        },
    ],
}


def identities():
    """Every transform's identity and settings, comparable across imports."""
    return sorted(
        json.dumps([t.identity(), t.query, t.options, t.enabled], sort_keys=True)
        for t in Transform.objects.all()
    )


def test_import_creates_transforms_with_default_outputs():
    counts = import_config(copy.deepcopy(DOC))
    assert counts["created"] == 1
    assert counts["transforms created"] == 5
    got = {t.identity(): t for t in Transform.objects.all()}
    assert set(got) == {
        ("digital_takeup", None, TX, None, "digital-takeup"),
        ("digital_takeup", "svc", TX, None, "digital-takeup"),
        ("kpi_summary", None, TAKEUP, "performance-platform", "kpi-summaries"),
        ("rate", None, "journey", "central", "completion-rate"),
        (
            "cost_per_transaction",
            None,
            "cost-per-transaction",
            None,
            "cost-per-transaction-by-quarter",
        ),
    }
    cost = got[
        (
            "cost_per_transaction",
            None,
            "cost-per-transaction",
            None,
            "cost-per-transaction-by-quarter",
        )
    ]
    assert cost.enabled is False
    assert cost.also_reads.name == TX  # total_cost reads the volumes too
    assert got[("rate", None, "journey", "central", "completion-rate")].query == {"period": "week"}


def test_import_is_idempotent():
    import_config(copy.deepcopy(DOC))
    before = identities()
    counts = import_config(copy.deepcopy(DOC))
    assert counts["transforms created"] == 0
    assert counts["transforms updated"] == 0
    assert counts["transforms unchanged"] == 5
    assert counts["unchanged"] == 1
    assert identities() == before
    assert Transform.objects.count() == 5


def test_import_updates_changed_settings():
    import_config(copy.deepcopy(DOC))
    doc = copy.deepcopy(DOC)
    doc["transforms"][0]["options"] = {"channels": ["digital", "web"]}
    doc["transforms"][4]["enabled"] = True
    counts = import_config(doc)
    assert (counts["transforms updated"], counts["transforms unchanged"]) == (2, 3)
    wide = Transform.objects.get(type="digital_takeup", input_group__isnull=True)
    assert wide.options == {"channels": ["digital", "web"]}
    assert Transform.objects.get(type="cost_per_transaction").enabled is True


def test_imported_transforms_run(client, source):
    import_config(copy.deepcopy(DOC))
    WriteToken.issue(
        DataSet.objects.get(name="svc_transactions_by_channel"), "t", token_for("svc", TX)
    )
    write(
        client,
        "svc",
        TX,
        [
            {"_timestamp": day("2015-01-05"), "period": "week", "channel": c, "count": n}
            for c, n in (("digital", 2), ("api", 2), ("paper", 4))
        ],
    )
    drain()
    # svc's own transform (digital + api): (2 + 2) / 8 = 0.5, not the type-wide 2 / 8.
    assert by_start("svc", TAKEUP)["2015-01-05T00:00:00+00:00"]["rate"] == 0.5


def bad(index_entry: dict, index: int = 1) -> dict:
    doc = copy.deepcopy(DOC)
    doc["transforms"][index] = index_entry
    return doc


BAD_ENTRIES = [
    # (entry, words the message must contain)
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "options": {"channels": []}},
        ["options"],
    ),
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "options": {"colour": "red"}},
        ["options", "colour"],
    ),
    ({"type": "digital_takeup", "input": {"data_type": TX}, "options": ["digital"]}, ["options"]),
    (
        {
            "type": "completion_rate",
            "input": {"data_type": "journey"},
            "options": {"numerator_matcher": "(", "denominator_matcher": "start"},
        },
        ["options", "numerator_matcher", "regular expression"],
    ),
    ({"type": "kpi_summary", "input": {"data_type": TAKEUP}}, ["options", "kpi"]),
    (
        {"type": "kpi_summary", "input": {"data_type": TAKEUP}, "options": {"kpi": "happiness"}},
        ["options"],
    ),
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "query": {"start_at": "2015-01-01"}},
        ["query", "start_at"],
    ),
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "query": {"period": "fortnight"}},
        ["query"],
    ),
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "query": {"period": "hour"}},
        ["query", "hourly"],
    ),
    (
        {"type": "digital_takeup", "input": {"data_type": TX}, "query": {"period": {"a": 1}}},
        ["query"],
    ),
    ({"type": "digital_takeup", "input": {"data_type": TX}, "query": ["period"]}, ["query"]),
    (
        {
            "type": "rate",
            "input": {"data_type": "journey"},
            "output": {"data_type": "x"},
            "options": RATE_OPTIONS,
        },
        ["query", "period"],
    ),
    ({"type": "mapping", "input": {"data_type": TX}}, ["type"]),
    ({"type": "digital_takeup"}, ["input"]),
    ({"type": "digital_takeup", "input": {"data_type": "Not A Slug"}}, ["input"]),
    (
        {
            "type": "rate",
            "input": {"data_type": "journey"},
            "query": {"period": "week"},
            "options": RATE_OPTIONS,
        },
        ["output"],
    ),
    ({"type": "digital_takeup", "input": {"data_type": TX}, "enabled": "yes"}, ["enabled"]),
]


@pytest.mark.parametrize("entry, words", BAD_ENTRIES, ids=lambda v: repr(v)[:60])
def test_bad_transform_imports_nothing(entry, words):
    with pytest.raises(ConfigError) as caught:
        import_config(bad(entry))
    message = str(caught.value)
    assert "transforms[1]" in message, message
    for word in words:
        assert word in message, (word, message)
    # Not even the data set of the same file, nor the good transforms.
    assert DataSet.objects.count() == 0
    assert Transform.objects.count() == 0
    assert DataGroup.objects.count() == 0
    assert DataType.objects.count() == 0


def test_duplicate_transform_is_refused():
    doc = copy.deepcopy(DOC)
    doc["transforms"].append(copy.deepcopy(doc["transforms"][0]))
    with pytest.raises(ConfigError) as caught:
        import_config(doc)
    assert "transforms[5]" in str(caught.value)
    assert "also entry 0" in str(caught.value)
    assert Transform.objects.count() == 0


def test_export_round_trips():
    import_config(copy.deepcopy(DOC))
    exported = export_config()
    wide = {"type": "digital_takeup", "input": {"data_type": TX}, "output": {"data_type": TAKEUP}}
    assert wide in exported["transforms"]
    assert {
        "type": "cost_per_transaction",
        "input": {"data_type": "cost-per-transaction"},
        "output": {"data_type": "cost-per-transaction-by-quarter"},
        "options": {"mode": "total_cost"},
        "enabled": False,
    } in exported["transforms"]
    before = identities()
    # Importing the export over the same configuration changes nothing...
    counts = import_config(json.loads(json.dumps(exported)))
    assert counts["transforms unchanged"] == 5
    # ... and into an empty one rebuilds the same transforms.
    Transform.objects.all().delete()
    counts = import_config(json.loads(json.dumps(exported)))
    assert counts["transforms created"] == 5
    assert identities() == before
    assert export_config()["transforms"] == exported["transforms"]


def test_import_config_command(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(DOC))
    out = io.StringIO()
    call_command("import-config", str(path), stdout=out)
    assert "Transforms: 5 created, 0 updated, 0 unchanged." in out.getvalue()
    out = io.StringIO()
    call_command("import-config", str(path), stdout=out)
    assert "Transforms: 0 created, 0 updated, 5 unchanged." in out.getvalue()
    path.write_text(json.dumps(bad(BAD_ENTRIES[0][0])))
    with pytest.raises(CommandError) as caught:
        call_command("import-config", str(path), stdout=io.StringIO())
    assert "Nothing was imported." in str(caught.value)
    assert "transforms[1]" in str(caught.value)


# --- the transforms command ------------------------------------------------------------------


def run_cli(*args) -> str:
    out = io.StringIO()
    call_command("transforms", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_list(source):
    make_transform("digital_takeup", TX, TAKEUP)
    make_transform(
        "user_satisfaction", "customer-satisfaction", "user-satisfaction-score", enabled=False
    )
    failed = make_transform(
        "completion_rate",
        "journey",
        "completion-rate",
        options={"numerator_matcher": "done", "denominator_matcher": "start"},
    )
    Transform.objects.filter(pk=failed.pk).update(
        last_error="TransformError: bad count", last_error_at="2015-01-01T00:00:00Z"
    )
    out = run_cli("list")
    lines = out.splitlines()
    assert len(lines) == 3
    assert any(
        "digital_takeup: */transactions-by-channel → */digital-takeup" in line
        and "[never run]" in line
        for line in lines
    )
    assert any("user_satisfaction" in line and "[disabled]" in line for line in lines)
    assert any(
        "completion_rate" in line and "ERROR at 2015-01-01 00:00: TransformError: bad count" in line
        for line in lines
    )


@pytest.mark.parametrize(
    "args, words",
    [
        (["--from", "yesterday"], "--from"),
        (["--from", ""], "--from"),
        (["--from", "\x00"], "--from"),
        (["--from", "2015-01-01\x00"], "--from"),
        (["--from", "9" * 100_000], "--from"),
        (["--from", "2015-13-01"], "--from"),
        (["--from", "0001-01-01T00:00:00+01:00"], "--from"),
        (["--from", "2015-01-01", "--to", "later"], "--to"),
        (["--from", "2015-01-01", "--to", "\udcff"], "--to"),
        (["--from", "2015-02-01", "--to", "2015-01-01"], "--to must not be before --from"),
        (["--from", "2015-01-01", "--data-set", "nope"], "no data set named"),
        (["--from", "2015-01-01", "--data-set", "svc\x00"], "no data set named"),
        (["--from", "2015-01-01", "--data-set", "x" * 100_000], "no data set named"),
        (["--from", "2015-01-01", "--data-set", "svc\udcff"], "no data set named"),
        (
            ["--from", "2015-01-01", "--data-set", "'; DROP TABLE kpis_transform; --"],
            "no data set named",
        ),
        (["--to", "2015-01-01"], "--from"),
        ([], "--from"),
    ],
    ids=lambda v: repr(v)[:50],
)
def test_run_refuses_bad_arguments_with_command_error(source, args, words):
    source()
    make_transform("digital_takeup", TX, TAKEUP)
    with pytest.raises(CommandError) as caught:
        run_cli("run", *args)
    assert words in str(caught.value)
    assert Transform.objects.count() == 1


def test_unknown_action_is_a_command_error():
    with pytest.raises(CommandError):
        run_cli("explode")


def test_run_now_with_bad_source_data_is_a_command_error(source, client):
    source()
    write(
        client,
        "svc",
        TX,
        [{"_id": "bad-one", "_timestamp": day("2015-01-05"), "channel": "paper", "count": "12"}],
    )
    make_transform("digital_takeup", TX, TAKEUP)
    with pytest.raises(CommandError) as caught:
        run_cli("run", "--from", "2015-01-01", "--to", "2015-01-31", "--now")
    assert "bad-one" in str(caught.value)
    assert "count = '12'" in str(caught.value)
    assert by_start("svc", TAKEUP) == {}


def test_run_now_over_the_whole_calendar(source, client):
    source()
    write(client, "svc", TX, [{"_timestamp": day("2015-01-05"), "channel": "digital", "count": 3}])
    make_transform("digital_takeup", TX, TAKEUP)
    out = run_cli("run", "--from", "0001-01-01", "--to", "9999-12-31T23:59:59Z", "--now")
    assert "wrote 1" in out
    assert by_start("svc", TAKEUP)["2015-01-05T00:00:00+00:00"]["rate"] == 1.0


def test_model_clean_names_the_field():
    transform = Transform(
        type="digital_takeup",
        input_type=DataType.objects.create(name=TX),
        output_type=DataType.objects.create(name=TAKEUP),
        options={"channels": []},
    )
    with pytest.raises(ValidationError) as caught:
        transform.clean()
    assert set(caught.value.message_dict) == {"options"}
    transform.options = {}
    transform.query = {"end_at": "2015-01-01"}
    with pytest.raises(ValidationError) as caught:
        transform.clean()
    assert set(caught.value.message_dict) == {"query"}
    transform.query = {}
    transform.clean()  # sound now
