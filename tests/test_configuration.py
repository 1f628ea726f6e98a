"""``import-config``, ``export-config`` and the ``tokens`` command, run as management
commands against the test database; tokens are checked by writing through the API."""

import io
import json

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from performance_platform.datastore.models import (
    DataGroup,
    DataSet,
    DataType,
    WriteToken,
    generate_token,
    hash_token,
)

pytestmark = pytest.mark.django_db

TOKEN_A = "config-token-aaaaaaaaaaaaaaaa"
TOKEN_B = "config-token-bbbbbbbbbbbbbbbb"
RECORD = [{"_timestamp": "2014-01-01T00:00:00Z", "channel": "web", "count": 1}]


@pytest.fixture(autouse=True)
def _any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def write_file(tmp_path, doc, *, fmt="json", name=None) -> str:
    path = tmp_path / (name or f"config.{fmt}")
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    elif isinstance(doc, str):
        path.write_text(doc, encoding="utf-8")
    elif fmt == "yaml":
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    else:
        path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def import_doc(tmp_path, doc, **kwargs) -> str:
    out, _ = run("import-config", write_file(tmp_path, doc, **kwargs))
    return out.strip()


def summary(created=0, updated=0, unchanged=0, tokens=0) -> str:
    return (
        f"Data sets: {created} created, {updated} updated, {unchanged} unchanged; "
        f"{tokens} token(s) added."
    )


def state() -> tuple:
    """Everything an import could change."""
    return (
        tuple(DataGroup.objects.order_by("id").values_list("id", "name")),
        tuple(DataType.objects.order_by("id").values_list("id", "name")),
        tuple(
            tuple(sorted((k, json.dumps(v, sort_keys=True, default=str)) for k, v in row.items()))
            for row in DataSet.objects.order_by("id").values()
        ),
        tuple(
            WriteToken.objects.order_by("id").values_list(
                "id", "data_set_id", "label", "token_hash", "revoked_at"
            )
        ),
    )


def write(client, group, data_type, token):
    return client.post(
        f"/data/{group}/{data_type}",
        json.dumps(RECORD),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


FULL_ENTRY = {
    "data_group": "carers-allowance",
    "data_type": "transactions-by-channel",
    "bearer_token": TOKEN_A,
    "raw_queries_allowed": True,
    "published": False,
    "realtime": True,
    "queryable": True,
    "auto_ids": ["_timestamp", "channel"],
    "max_age_expected": 86400,
    "schema": {"type": "object", "required": ["_timestamp"]},
    "upload_format": "csv",
}


# --- import-config ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_import_creates_data_sets(tmp_path, fmt):
    doc = {
        "data_sets": [
            FULL_ENTRY,
            {"data_group": "g1", "data_type": "t-1"},
            {"data_group": "g1", "data_type": "t2", "name": "custom_name"},
        ]
    }
    assert import_doc(tmp_path, doc, fmt=fmt) == summary(created=3, tokens=1)
    full = DataSet.objects.get(name="carers_allowance_transactions_by_channel")
    assert (full.data_group.name, full.data_type.name) == (
        "carers-allowance",
        "transactions-by-channel",
    )
    assert full.raw_queries_allowed is True
    assert full.published is False
    assert full.realtime is True
    assert full.auto_ids == ["_timestamp", "channel"]
    assert full.max_age_expected == 86400
    assert full.schema == {"type": "object", "required": ["_timestamp"]}
    assert full.upload_format == "csv"
    plain = DataSet.objects.get(name="g1_t_1")
    assert (plain.published, plain.raw_queries_allowed, plain.auto_ids, plain.schema) == (
        True,
        False,
        [],
        None,
    )
    assert plain.max_age_expected is None
    assert DataSet.objects.get(name="custom_name").data_type.name == "t2"
    assert DataGroup.objects.count() == 2


def test_import_from_yaml_text(tmp_path):
    text = """
data_sets:
  - data_group: g1
    data_type: t1
    published: false   # a comment
    auto_ids: [key]
"""
    assert import_doc(tmp_path, text, fmt="yaml") == summary(created=1)
    data_set = DataSet.objects.get(name="g1_t1")
    assert data_set.published is False
    assert data_set.auto_ids == ["key"]


def test_empty_file_contents_import_nothing(tmp_path):
    assert import_doc(tmp_path, {"data_sets": []}) == summary()
    assert import_doc(tmp_path, {}) == summary()
    assert DataSet.objects.count() == 0


def test_second_import_is_unchanged(tmp_path):
    doc = {"data_sets": [FULL_ENTRY, {"data_group": "g1", "data_type": "t1"}]}
    assert import_doc(tmp_path, doc) == summary(created=2, tokens=1)
    before = state()
    assert import_doc(tmp_path, doc) == summary(unchanged=2)
    assert state() == before


def test_update_changes_settings(tmp_path):
    entry = {"data_group": "g1", "data_type": "t1"}
    import_doc(tmp_path, {"data_sets": [entry, {"data_group": "g2", "data_type": "t2"}]})
    changed = {
        **entry,
        "published": False,
        "auto_ids": ["key"],
        "max_age_expected": 60,
        "schema": {"type": "object"},
        "name": "renamed_set",
    }
    doc = {"data_sets": [changed, {"data_group": "g2", "data_type": "t2"}]}
    assert import_doc(tmp_path, doc) == summary(updated=1, unchanged=1)
    data_set = DataSet.objects.get(data_group__name="g1", data_type__name="t1")
    assert data_set.name == "renamed_set"
    assert data_set.published is False
    assert data_set.auto_ids == ["key"]
    assert data_set.max_age_expected == 60
    assert data_set.schema == {"type": "object"}
    # Leaving a setting out puts it back to its default.
    assert import_doc(tmp_path, {"data_sets": [entry]}) == summary(updated=1)
    data_set.refresh_from_db()
    assert (data_set.published, data_set.auto_ids, data_set.schema, data_set.name) == (
        True,
        [],
        None,
        "g1_t1",
    )


def test_null_auto_ids_means_none(tmp_path):
    import_doc(tmp_path, {"data_sets": [{"data_group": "g1", "data_type": "t1", "auto_ids": None}]})
    assert DataSet.objects.get().auto_ids == []


def test_bearer_token_is_stored_hashed_and_works(client, tmp_path):
    import_doc(tmp_path, {"data_sets": [FULL_ENTRY]})
    token = WriteToken.objects.get()
    assert token.label == "config"
    assert token.token_hash == hash_token(TOKEN_A)
    assert token.prefix == TOKEN_A[:6]
    for row in WriteToken.objects.values():
        assert TOKEN_A not in json.dumps(row, default=str)
    for row in DataSet.objects.values():
        assert TOKEN_A not in json.dumps(row, default=str)
    response = write(client, "carers-allowance", "transactions-by-channel", TOKEN_A)
    assert response.status_code == 200, response.content
    response = write(client, "carers-allowance", "transactions-by-channel", TOKEN_B)
    assert response.status_code == 401


def test_changing_the_token_revokes_the_old_config_token(client, tmp_path):
    entry = {"data_group": "g1", "data_type": "t1", "bearer_token": TOKEN_A}
    import_doc(tmp_path, {"data_sets": [entry]})
    data_set = DataSet.objects.get()
    _, cli_secret = WriteToken.issue(data_set, "collector")
    assert import_doc(tmp_path, {"data_sets": [{**entry, "bearer_token": TOKEN_B}]}) == summary(
        unchanged=1, tokens=1
    )
    assert write(client, "g1", "t1", TOKEN_A).status_code == 401
    assert write(client, "g1", "t1", TOKEN_B).status_code == 200
    # Tokens with other labels are left alone.
    assert write(client, "g1", "t1", cli_secret).status_code == 200
    assert WriteToken.objects.active().filter(label="config").count() == 1
    assert WriteToken.objects.filter(label="config", revoked_at__isnull=False).count() == 1


def test_leaving_the_token_out_keeps_the_current_one(client, tmp_path):
    entry = {"data_group": "g1", "data_type": "t1"}
    import_doc(tmp_path, {"data_sets": [{**entry, "bearer_token": TOKEN_A}]})
    assert import_doc(tmp_path, {"data_sets": [entry]}) == summary(unchanged=1)
    assert write(client, "g1", "t1", TOKEN_A).status_code == 200


def test_revoked_token_cannot_come_back(tmp_path):
    entry = {"data_group": "g1", "data_type": "t1", "bearer_token": TOKEN_A}
    import_doc(tmp_path, {"data_sets": [entry]})
    import_doc(tmp_path, {"data_sets": [{**entry, "bearer_token": TOKEN_B}]})
    before = state()
    with pytest.raises(CommandError) as excinfo:
        import_doc(tmp_path, {"data_sets": [entry]})
    assert str(excinfo.value) == (
        "Nothing was imported.\ndata set g1_t1: bearer_token was revoked; issue a new one"
    )
    assert state() == before


def test_token_of_another_data_set_is_refused(tmp_path):
    import_doc(
        tmp_path, {"data_sets": [{"data_group": "g1", "data_type": "t1", "bearer_token": TOKEN_A}]}
    )
    before = state()
    doc = {
        "data_sets": [
            {"data_group": "g0", "data_type": "t0"},
            {"data_group": "g2", "data_type": "t2", "bearer_token": TOKEN_A},
        ]
    }
    with pytest.raises(CommandError) as excinfo:
        import_doc(tmp_path, doc)
    assert "data set g2_t2: bearer_token is already used by another data set" in str(excinfo.value)
    assert state() == before


def test_name_clash_with_an_existing_data_set_rolls_back_everything(tmp_path):
    import_doc(tmp_path, {"data_sets": [{"data_group": "a1", "data_type": "b1", "name": "g1_t1"}]})
    before = state()
    doc = {
        "data_sets": [
            {"data_group": "new-group", "data_type": "new-type"},
            {"data_group": "g1", "data_type": "t1"},
        ]
    }
    with pytest.raises(CommandError) as excinfo:
        import_doc(tmp_path, doc)
    assert str(excinfo.value) == (
        "Nothing was imported.\ndata set g1/t1: name 'g1_t1' belongs to another data set"
    )
    assert state() == before
    assert not DataGroup.objects.filter(name="new-group").exists()


def _bad(entry_or_doc):
    if isinstance(entry_or_doc, dict) and "data_sets" not in entry_or_doc:
        return {"data_sets": [{"data_group": "ok", "data_type": "ok"}, entry_or_doc]}
    return entry_or_doc


@pytest.mark.parametrize(
    "doc,expected",
    [
        (
            {"data_group": "g1", "data_type": "t1", "published": "yes"},
            ["data_sets[1].published (g1/t1): 'yes' is not of type 'boolean'"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "max_age_expected": -1},
            ["data_sets[1].max_age_expected (g1/t1): -1 is less than the minimum of 0"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "auto_ids": "key"},
            [
                "data_sets[1].auto_ids (g1/t1): 'key' is not of type 'array', 'null'",
                "data_sets[1] (g1/t1): auto_ids: auto_ids must be a list of field names",
            ],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "colour": "red"},
            [
                "data_sets[1] (g1/t1): Additional properties are not allowed "
                "('colour' was unexpected)"
            ],
        ),
        (
            {"data_sets": [], "widgets": []},
            ["the file: Additional properties are not allowed ('widgets' was unexpected)"],
        ),
        (
            {"data_group": "G_1", "data_type": "t1"},
            ["data_sets[1].data_group (G_1/t1): 'G_1' does not match '^[a-z0-9][a-z0-9-]*$'"],
        ),
        (
            {"data_group": "g1", "data_type": "-t1"},
            ["data_sets[1].data_type (g1/-t1): '-t1' does not match '^[a-z0-9][a-z0-9-]*$'"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "name": "Bad-Name"},
            ["data_sets[1].name (g1/t1): 'Bad-Name' does not match '^[a-z][a-z0-9_]+$'"],
        ),
        (
            {"data_group": "g1"},
            ["data_sets[1] (g1/None): 'data_type' is a required property"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "bearer_token": "short"},
            ["data_sets[1].bearer_token (g1/t1): 'short' is too short"],
        ),
        (
            {"data_group": "ok", "data_type": "ok", "published": False},
            [
                "data_sets[1] (ok/ok): the same data set is also entry 0",
                "data_sets[1] (ok/ok): name 'ok_ok' is also used by entry 0",
            ],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "name": "ok_ok"},
            ["data_sets[1] (g1/t1): name 'ok_ok' is also used by entry 0"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "auto_ids": ["_updated_at"]},
            ["data_sets[1] (g1/t1): auto_ids: auto_ids cannot use the internal field _updated_at"],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "auto_ids": ["a"]},
            [
                "data_sets[1].auto_ids[0] (g1/t1): 'a' does not match '^[A-Za-z_][A-Za-z0-9_]+$'",
                "data_sets[1] (g1/t1): auto_ids: auto_ids has an invalid field name: 'a'",
            ],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "auto_ids": ["key", "key"]},
            [
                "data_sets[1].auto_ids (g1/t1): ['key', 'key'] has non-unique elements",
                "data_sets[1] (g1/t1): auto_ids: auto_ids lists a field more than once",
            ],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "schema": {"type": "nonsense"}},
            [
                "data_sets[1] (g1/t1): schema: schema is not valid JSON Schema: "
                "'nonsense' is not valid under any of the given schemas"
            ],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "schema": {"$ref": "#/definitions/nope"}},
            ["data_sets[1] (g1/t1): schema: schema cannot be used: "],
        ),
        (
            {"data_group": "g1", "data_type": "t1", "schema": []},
            ["data_sets[1].schema (g1/t1): [] is not of type 'object', 'null'"],
        ),
        (
            {"data_sets": {"data_group": "g1"}},
            ["data_sets: {'data_group': 'g1'} is not of type 'array'"],
        ),
        (
            [{"data_group": "g1", "data_type": "t1"}],
            ["the file must hold a JSON/YAML object with 'data_sets' and/or 'transforms' lists"],
        ),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_bad_files_change_nothing(tmp_path, doc, expected, fmt):
    import_doc(
        tmp_path,
        {"data_sets": [{"data_group": "ok", "data_type": "ok", "bearer_token": TOKEN_A}]},
        name="first.json",
    )
    before = state()
    with pytest.raises(CommandError) as excinfo:
        import_doc(tmp_path, _bad(doc), fmt=fmt)
    message = str(excinfo.value)
    assert message.startswith("Nothing was imported.\n")
    lines = message.splitlines()[1:]
    assert len(lines) == len(expected), lines
    for line, wanted in zip(lines, expected, strict=True):
        assert line.startswith(wanted), (line, wanted)
    assert state() == before


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"data_sets: [unclosed", "is neither valid JSON nor valid YAML"),
        (b"{not: json: nor: yaml", "is neither valid JSON nor valid YAML"),
        (b"\xff\xfe\x00d\x00a", "is not UTF-8 text"),
        (b"just some text", "the file must hold a JSON/YAML object"),
        (b"", "the file must hold a JSON/YAML object"),
    ],
)
def test_unreadable_files_change_nothing(tmp_path, content, expected):
    import_doc(tmp_path, {"data_sets": [{"data_group": "ok", "data_type": "ok"}]}, name="a.json")
    before = state()
    path = write_file(tmp_path, content, name="bad.conf")
    with pytest.raises(CommandError) as excinfo:
        run("import-config", path)
    assert str(excinfo.value).startswith("Nothing was imported.\n")
    assert expected in str(excinfo.value)
    assert state() == before


def test_missing_file(tmp_path):
    path = str(tmp_path / "nope.json")
    with pytest.raises(CommandError) as excinfo:
        run("import-config", path)
    assert str(excinfo.value) == (
        f"Nothing was imported.\ncannot read {path}: No such file or directory"
    )
    assert DataSet.objects.count() == 0


def test_a_directory_is_not_a_file(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run("import-config", str(tmp_path))
    assert str(excinfo.value).startswith(f"Nothing was imported.\ncannot read {tmp_path}:")


# --- export-config ------------------------------------------------------------------------


def _export(fmt: str):
    out, _ = run("export-config", format=fmt)
    return out, (json.loads(out) if fmt == "json" else yaml.safe_load(out))


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_has_no_secrets(tmp_path, fmt):
    doc = {
        "data_sets": [
            FULL_ENTRY,
            {"data_group": "g1", "data_type": "t1", "name": "custom_name", "bearer_token": TOKEN_B},
        ]
    }
    import_doc(tmp_path, doc)
    text, exported = _export(fmt)
    assert TOKEN_A not in text and TOKEN_B not in text
    for row in WriteToken.objects.all():
        assert row.token_hash not in text
    assert "bearer_token" not in text
    entries = {(e["data_group"], e["data_type"]): e for e in exported["data_sets"]}
    full = entries[("carers-allowance", "transactions-by-channel")]
    for key, value in FULL_ENTRY.items():
        if key != "bearer_token":
            assert full[key] == value, key
    assert "name" not in full  # the default name is left out
    assert entries[("g1", "t1")]["name"] == "custom_name"
    # Sorted by name.
    assert [e["data_group"] for e in exported["data_sets"]] == ["carers-allowance", "g1"]


def test_export_of_nothing(tmp_path):
    _, exported = _export("json")
    assert exported == {
        "data_sets": [],
        "transforms": [],
        "organisations": [],
        "dashboards": [],
        "users": [],
        "collectors": [],
    }


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_export_import_round_trip(tmp_path, fmt):
    doc = {
        "data_sets": [
            FULL_ENTRY,
            {"data_group": "g1", "data_type": "t1", "name": "custom_name"},
            {"data_group": "g2", "data_type": "t2", "schema": {"properties": {"é": {}}}},
        ]
    }
    import_doc(tmp_path, doc)
    before = state()
    text, exported = _export(fmt)
    path = write_file(tmp_path, text, name=f"exported.{fmt}")
    out, _ = run("import-config", path)
    assert out.strip() == summary(unchanged=3)
    assert state() == before
    # ...and the export validates against the file schema on its own.
    from performance_platform.configuration.checks import validate

    validate(exported)


def test_export_then_import_into_an_empty_database(tmp_path):
    import_doc(tmp_path, {"data_sets": [FULL_ENTRY, {"data_group": "g1", "data_type": "t1"}]})
    text, _ = _export("json")
    first = [
        row
        for row in DataSet.objects.order_by("name").values(
            "name", "published", "auto_ids", "schema", "max_age_expected", "upload_format"
        )
    ]
    WriteToken.objects.all().delete()
    DataSet.objects.all().delete()
    out, _ = run("import-config", write_file(tmp_path, text, name="again.json"))
    assert out.strip() == summary(created=2)
    again = [
        row
        for row in DataSet.objects.order_by("name").values(
            "name", "published", "auto_ids", "schema", "max_age_expected", "upload_format"
        )
    ]
    assert again == first
    assert WriteToken.objects.count() == 0


# --- collectors ---------------------------------------------------------------------------

COLLECTOR_SECRET = "collector-secret-9d41-never-shown"
JOURNEY = {"data_group": "carers-allowance", "data_type": "journey"}


def collector_entry(**overrides) -> dict:
    entry = {
        "name": "carers-matomo",
        "data_set": "carers_allowance_journey",
        "provider": "example",
        "endpoint": "https://analytics.example.org/",
        "frequency": "weekly",
        "every_seconds": 3600,
        "enabled": True,
        "query": {"site_id": 4},
        "mapping": {"add": {"stage": "start"}},
        "credentials": {"token_auth": COLLECTOR_SECRET},
    }
    entry.update(overrides)
    return {k: v for k, v in entry.items() if v is not None}


@pytest.fixture
def example_provider(monkeypatch):
    from tests.collectors import example

    example.register(monkeypatch)


def collector_state() -> list:
    from performance_platform.collectors.models import Collector

    return list(Collector.objects.order_by("name").values())


def test_import_creates_a_collector_with_encrypted_credentials(tmp_path, example_provider):
    from performance_platform.collectors import credentials
    from performance_platform.collectors.models import Collector

    out = import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry()]})
    assert "Collectors: 1 created, 0 updated; credentials saved for 1." in out
    collector = Collector.objects.get()
    assert collector.data_set.name == "carers_allowance_journey"
    assert (collector.provider, collector.frequency, collector.every_seconds) == (
        "example",
        "weekly",
        3600,
    )
    assert collector.query == {"site_id": 4}
    assert COLLECTOR_SECRET not in collector.credentials
    assert credentials.decrypt(collector.credentials) == {"token_auth": COLLECTOR_SECRET}
    # The same file again changes nothing (the credentials are compared, not re-encrypted).
    before = collector_state()
    out = import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry()]})
    assert "Collectors:" not in out
    assert collector_state() == before


def test_export_never_holds_credentials_and_a_reimport_keeps_them(tmp_path, example_provider):
    from performance_platform.collectors import credentials
    from performance_platform.collectors.models import Collector

    import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry()]})
    saved = Collector.objects.get().credentials
    for fmt in ("json", "yaml"):
        text, exported = _export(fmt)
        assert COLLECTOR_SECRET not in text
        assert saved not in text
        assert "credentials" not in text
        assert exported["collectors"] == [
            {
                "name": "carers-matomo",
                "data_set": "carers_allowance_journey",
                "provider": "example",
                "endpoint": "https://analytics.example.org/",
                "frequency": "weekly",
                "every_seconds": 3600,
                "enabled": True,
                "query": {"site_id": 4},
                "mapping": {"add": {"stage": "start"}},
            }
        ]
        out, _ = run("import-config", write_file(tmp_path, text, name=f"exported.{fmt}"))
        assert "Collectors:" not in out
        collector = Collector.objects.get()
        assert collector.credentials == saved
        assert credentials.decrypt(collector.credentials) == {"token_auth": COLLECTOR_SECRET}


def test_an_update_changes_settings_and_new_credentials_mend_a_broken_one(
    tmp_path, example_provider
):
    from performance_platform.collectors import credentials
    from performance_platform.collectors.models import Collector

    import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry()]})
    Collector.objects.update(state="broken")
    out = import_doc(
        tmp_path,
        {
            "data_sets": [JOURNEY],
            "collectors": [
                collector_entry(enabled=False, credentials={"token_auth": "a-new-token-1"})
            ],
        },
    )
    assert "Collectors: 0 created, 1 updated; credentials saved for 1." in out
    collector = Collector.objects.get()
    assert collector.enabled is False
    assert credentials.decrypt(collector.credentials) == {"token_auth": "a-new-token-1"}
    assert collector.state == "new"
    assert collector.next_run_at is not None


def test_an_entry_without_credentials_keeps_the_saved_ones(tmp_path, example_provider):
    from performance_platform.collectors.models import Collector

    import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry()]})
    saved = Collector.objects.get().credentials
    out = import_doc(
        tmp_path,
        {
            "data_sets": [JOURNEY],
            "collectors": [collector_entry(credentials=None, every_seconds=60)],
        },
    )
    assert "Collectors: 0 created, 1 updated; credentials saved for 0." in out
    collector = Collector.objects.get()
    assert collector.every_seconds == 60
    assert collector.credentials == saved


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"provider": "nope"}, "collectors[0] (carers-matomo): provider: no provider 'nope'"),
        ({"data_set": "missing"}, "collectors[0] (carers-matomo): data_set: no data set 'missing'"),
        ({"query": {"site": 4}}, "collectors[0] (carers-matomo): query: the query: 'site_id' is"),
        (
            {"query": {"site_id": "four"}},
            "collectors[0] (carers-matomo): query: site_id: 'four' is not of type 'integer'",
        ),
        (
            {"mapping": {"rename": {}}},
            "collectors[0] (carers-matomo): mapping: Unknown mapping keys: rename",
        ),
        ({"endpoint": "ftp://x.example.org/"}, "collectors[0] (carers-matomo): endpoint: The"),
        ({"endpoint": None}, "collectors[0] (carers-matomo): endpoint: a Example analytics"),
        ({"credentials": {"user": "x"}}, "collectors[0] (carers-matomo): credentials: token_auth"),
        ({"name": "Bad Name"}, "collectors[0].name: 'Bad Name' does not match"),
        ({"frequency": "hourly"}, "collectors[0].frequency: 'hourly' is not one of"),
        ({"query": [1]}, "collectors[0].query: [1] is not of type 'object'"),
    ],
)
def test_bad_collectors_are_reported_with_their_place(
    tmp_path, example_provider, overrides, expected
):
    before = collector_state()
    with pytest.raises(CommandError) as excinfo:
        import_doc(tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry(**overrides)]})
    lines = str(excinfo.value).splitlines()
    assert lines[0] == "Nothing was imported."
    assert any(line.startswith(expected) for line in lines[1:]), lines
    assert collector_state() == before
    assert not DataSet.objects.exists()  # nothing at all, not even the data set


@pytest.mark.parametrize("value", [COLLECTOR_SECRET, [COLLECTOR_SECRET], {"token_auth": "short"}])
def test_a_bad_credentials_message_never_quotes_them(tmp_path, example_provider, value):
    with pytest.raises(CommandError) as excinfo:
        import_doc(
            tmp_path, {"data_sets": [JOURNEY], "collectors": [collector_entry(credentials=value)]}
        )
    message = str(excinfo.value)
    assert "credentials" in message
    assert COLLECTOR_SECRET not in message and "short" not in message


def test_two_collectors_with_one_name_are_refused(tmp_path, example_provider):
    with pytest.raises(CommandError) as excinfo:
        import_doc(
            tmp_path,
            {"data_sets": [JOURNEY], "collectors": [collector_entry(), collector_entry()]},
        )
    assert "collectors[1] (carers-matomo): the same collector is also entry 0" in str(excinfo.value)


# --- tokens -------------------------------------------------------------------------------


@pytest.fixture
def data_set(make_data_set):
    ds, _ = make_data_set(group="g1", data_type="t1", token=None)
    return ds


def create_token(label="ci") -> str:
    out, err = run("tokens", "create", "g1", "t1", "--label", label)
    assert "It is shown only this once" in err
    assert "g1_t1" in err
    return out.strip()


def test_tokens_create_prints_a_working_token(client, data_set):
    secret = create_token("ci")
    assert len(secret) >= 40
    row = WriteToken.objects.get(data_set=data_set)
    assert (row.label, row.prefix, row.token_hash) == ("ci", secret[:6], hash_token(secret))
    assert row.revoked_at is None
    response = write(client, "g1", "t1", secret)
    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_tokens_are_different_each_time(data_set):
    assert create_token("one") != create_token("two")


def test_tokens_list_never_prints_secrets(client, data_set, make_data_set):
    first = create_token("ci")
    second = create_token("collector")
    other, other_secret = make_data_set(group="g2", data_type="t2", token="other-secret-0123456789")
    write(client, "g1", "t1", first)
    out, _ = run("tokens", "list")
    for secret in (first, second, other_secret):
        assert secret not in out
    for row in WriteToken.objects.all():
        assert row.token_hash not in out
    lines = out.strip().splitlines()
    assert len(lines) == 3
    by_label = {line.split("\t")[1]: line.split("\t") for line in lines}
    assert by_label["ci"][0] == "g1_t1"
    assert by_label["ci"][2] == first[:6] + "…"
    assert by_label["ci"][4].startswith("last used 2")
    assert by_label["collector"][4] == "last used never"
    assert by_label["ci"][5] == "active"
    assert by_label["test"][0] == "g2_t2"
    only, _ = run("tokens", "list", "g1", "t1")
    assert len(only.strip().splitlines()) == 2
    assert "g2_t2" not in only


def test_tokens_list_shows_revoked(data_set):
    create_token("old")
    run("tokens", "revoke", "g1", "t1", "--label", "old")
    out, _ = run("tokens", "list", "g1", "t1")
    assert out.strip().split("\t")[5].startswith("revoked 2")


def test_tokens_revoke_by_label(client, data_set):
    ci = create_token("ci")
    keep = create_token("keep")
    out, _ = run("tokens", "revoke", "g1", "t1", "--label", "ci")
    assert out.strip() == "Revoked 1 token(s) of g1_t1."
    response = write(client, "g1", "t1", ci)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "bearer"
    assert write(client, "g1", "t1", keep).status_code == 200
    with pytest.raises(CommandError, match="No active token matches"):
        run("tokens", "revoke", "g1", "t1", "--label", "ci")


def test_tokens_revoke_every_token_with_a_label(client, data_set):
    one, two = create_token("dup"), create_token("dup")
    out, _ = run("tokens", "revoke", "g1", "t1", "--label", "dup")
    assert out.strip() == "Revoked 2 token(s) of g1_t1."
    assert write(client, "g1", "t1", one).status_code == 401
    assert write(client, "g1", "t1", two).status_code == 401


def test_tokens_revoke_by_prefix(client, data_set):
    secret = create_token("ci")
    keep = create_token("keep")
    out, _ = run("tokens", "revoke", "g1", "t1", "--prefix", secret[:6])
    assert out.strip() == "Revoked 1 token(s) of g1_t1."
    assert write(client, "g1", "t1", secret).status_code == 401
    assert write(client, "g1", "t1", keep).status_code == 200


def test_generated_tokens_never_start_with_a_dash():
    # A prefix with a leading dash would be read as an option by `tokens revoke --prefix`.
    assert not any(generate_token().startswith("-") for _ in range(2000))


def test_tokens_revoke_by_a_prefix_starting_with_a_dash(client, data_set):
    # Tokens set in the config file may start with anything; `--prefix=` takes them.
    secret = "-dash-token-0123456789abcdef"
    WriteToken.issue(data_set, "dash", secret)
    out, _ = run("tokens", "revoke", "g1", "t1", f"--prefix={secret[:6]}")
    assert out.strip() == "Revoked 1 token(s) of g1_t1."
    assert write(client, "g1", "t1", secret).status_code == 401


def test_tokens_revoke_only_within_the_data_set(client, data_set, make_data_set):
    make_data_set(group="g2", data_type="t2", token="other-secret-0123456789")
    with pytest.raises(CommandError, match="No active token matches"):
        run("tokens", "revoke", "g1", "t1", "--label", "test")
    assert write(client, "g2", "t2", "other-secret-0123456789").status_code == 200


def test_tokens_revoke_needs_label_or_prefix(data_set):
    with pytest.raises(CommandError):
        run("tokens", "revoke", "g1", "t1")


@pytest.mark.parametrize(
    "args",
    [
        ("create", "nope", "nope", "--label", "x"),
        ("revoke", "nope", "nope", "--label", "x"),
        ("list", "nope", "nope"),
        ("create", "g1", "nope", "--label", "x"),
    ],
)
def test_tokens_unknown_data_set(data_set, args):
    before = WriteToken.objects.count()
    with pytest.raises(CommandError) as excinfo:
        run("tokens", *args)
    assert str(excinfo.value) == f"No data set {args[1]}/{args[2]}"
    assert WriteToken.objects.count() == before


@pytest.mark.parametrize("label", ["", "   ", "x" * 101])
def test_tokens_create_label_rules(data_set, label):
    with pytest.raises(CommandError) as excinfo:
        run("tokens", "create", "g1", "t1", "--label", label)
    assert str(excinfo.value) == "--label must be 1 to 100 characters"
    assert WriteToken.objects.count() == 0


def test_tokens_create_strips_the_label(data_set):
    create_token("  spaced  ")
    assert WriteToken.objects.get().label == "spaced"


def test_tokens_list_needs_group_and_type_together(data_set):
    with pytest.raises(CommandError) as excinfo:
        run("tokens", "list", "g1")
    assert str(excinfo.value) == "Give both GROUP and TYPE, or neither"
