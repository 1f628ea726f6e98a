"""Users in import-config and export-config: roles per organisation and data sets, never a
password, a password hash or a token."""

import copy
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from performance_platform.accounts.models import AuditEvent, DataSetAccess, Membership, User
from performance_platform.configuration.checks import ConfigError
from performance_platform.configuration.exporter import export_config
from performance_platform.configuration.importer import import_config
from performance_platform.dashboards.models import Annotation, Dashboard, Module, Organisation
from performance_platform.datastore.models import DataSet, WriteToken
from performance_platform.kpis.models import Transform
from tests.dashboards.helpers import sample_doc

pytestmark = pytest.mark.django_db

USERS = [
    {"email": "admin@example.gov.uk", "name": "Ada Admin", "roles": [{"role": "platform_admin"}]},
    {
        "email": "manager@example.gov.uk",
        "name": "Manny Manager",
        "roles": [
            {"role": "service_manager", "organisation": "hm-passport-office"},
            {"role": "signer_off", "organisation": "home-office"},
        ],
    },
    {
        "email": "uploader@example.gov.uk",
        "roles": [{"role": "data_uploader", "organisation": "hm-passport-office"}],
        "data_sets": ["renew_passport_transactions_by_channel"],
    },
]


def doc_with_users(users=None) -> dict:
    doc = sample_doc()
    doc["data_sets"][0]["bearer_token"] = "a-config-token-that-is-long-enough-0123"
    doc["users"] = copy.deepcopy(USERS if users is None else users)
    return doc


def state() -> list:
    """Every user with their roles and data sets, as plain values."""
    return [
        (
            u.email,
            u.name,
            sorted(
                (m.role, m.organisation.slug if m.organisation else None)
                for m in u.memberships.all()
            ),
            sorted(a.data_set.name for a in u.data_set_access.all()),
        )
        for u in User.objects.order_by("email")
    ]


def test_users_are_created_with_their_roles_and_data_sets_and_no_usable_password():
    counts = import_config(doc_with_users())

    assert state() == [
        ("admin@example.gov.uk", "Ada Admin", [("platform_admin", None)], []),
        (
            "manager@example.gov.uk",
            "Manny Manager",
            [("service_manager", "hm-passport-office"), ("signer_off", "home-office")],
            [],
        ),
        (
            "uploader@example.gov.uk",
            "",
            [("data_uploader", "hm-passport-office")],
            ["renew_passport_transactions_by_channel"],
        ),
    ]
    assert all(not u.has_usable_password() for u in User.objects.all())
    assert counts["users created"] == 3 and counts["roles added"] == 4
    assert counts["access granted"] == 1
    assert len(AuditEvent.objects.filter(action="membership.add")) == 4
    assert len(AuditEvent.objects.filter(action="access.grant")) == 1


def test_memberships_are_replaced_to_match_the_file_and_others_are_left_alone(make_user):
    import_config(doc_with_users())
    bystander = make_user(email="bystander@example.gov.uk", roles=[("platform_admin", None)])
    manager = User.objects.get(email="manager@example.gov.uk")
    manager.set_password("kept secret")
    manager.save()
    users = copy.deepcopy(USERS)
    users[1]["email"] = "MANAGER@example.gov.uk"  # the same person, whatever the case
    users[1]["roles"] = [{"role": "signer_off", "organisation": "independent-body"}]
    users[2]["data_sets"] = []

    counts = import_config(doc_with_users(users))

    manager.refresh_from_db()
    assert sorted(manager.memberships.values_list("role", "organisation__slug")) == [
        ("signer_off", "independent-body")
    ]
    assert manager.check_password("kept secret")  # an import never touches a password
    assert not DataSetAccess.objects.filter(user__email="uploader@example.gov.uk").exists()
    assert bystander.memberships.count() == 1
    assert (counts["roles added"], counts["roles removed"], counts["access removed"]) == (1, 2, 1)
    removed = AuditEvent.objects.filter(action="membership.remove", target_repr=manager.email)
    assert sorted(e.detail["role"] for e in removed) == ["service_manager", "signer_off"]


def test_importing_the_same_users_twice_changes_nothing():
    import_config(doc_with_users())
    before = state()
    counts = import_config(doc_with_users())
    assert state() == before
    assert [
        counts[k] for k in ("users created", "users updated", "roles added", "roles removed")
    ] == [0, 0, 0, 0]


def test_the_export_round_trips_into_an_empty_database():
    import_config(doc_with_users())
    exported = json.loads(json.dumps(export_config()))
    before = state()

    for model in (DataSetAccess, Membership, User, Annotation, Module, Dashboard, Transform):
        model.objects.all().delete()
    Organisation.objects.filter(parent__isnull=False).delete()
    Organisation.objects.all().delete()
    WriteToken.objects.all().delete()
    DataSet.objects.all().delete()
    assert state() == [] and not Organisation.objects.exists()

    import_config(exported)

    assert state() == before
    assert export_config() == exported
    assert exported["users"] == [
        {
            "email": "admin@example.gov.uk",
            "name": "Ada Admin",
            "roles": [{"role": "platform_admin"}],
            "data_sets": [],
        },
        {
            "email": "manager@example.gov.uk",
            "name": "Manny Manager",
            "roles": [
                {"role": "service_manager", "organisation": "hm-passport-office"},
                {"role": "signer_off", "organisation": "home-office"},
            ],
            "data_sets": [],
        },
        {
            "email": "uploader@example.gov.uk",
            "roles": [{"role": "data_uploader", "organisation": "hm-passport-office"}],
            "data_sets": ["renew_passport_transactions_by_channel"],
        },
    ]


def test_the_export_holds_no_password_or_token_material(make_user, make_data_set):
    import_config(doc_with_users())
    user = make_user(email="has-a-login@example.gov.uk", password="hunter2-but-longer")
    _, secret = WriteToken.issue(DataSet.objects.get(), "extra")
    out = io.StringIO()
    call_command("export-config", stdout=out)
    text = out.getvalue()
    yaml_out = io.StringIO()
    call_command("export-config", "--format", "yaml", stdout=yaml_out)

    for exported in (text, yaml_out.getvalue()):
        assert "has-a-login@example.gov.uk" in exported
        assert user.password not in exported
        for forbidden in (
            "hunter2",
            "argon2",
            "pbkdf2",
            "password",
            "token_hash",
            secret,
            secret[:6],
        ):
            assert forbidden not in exported, forbidden
        assert "a-config-token-that-is-long-enough-0123" not in exported
        for row in WriteToken.objects.all():
            assert row.token_hash not in exported
    keys = {key for entry in json.loads(text)["users"] for key in entry}
    assert keys <= {"email", "name", "roles", "data_sets"}


HOSTILE = [
    (
        {
            "email": "a@example.gov.uk",
            "roles": [{"role": "overlord", "organisation": "home-office"}],
        },
        "users[0].roles[0].role",
    ),
    (
        {
            "email": "a@example.gov.uk",
            "roles": [{"role": "service_manager", "organisation": "nowhere"}],
        },
        "no organisation 'nowhere'",
    ),
    (
        {"email": "a@example.gov.uk", "roles": [{"role": "service_manager"}]},
        "a service_manager needs an organisation",
    ),
    (
        {
            "email": "a@example.gov.uk",
            "roles": [{"role": "platform_admin", "organisation": "home-office"}],
        },
        "a platform admin's role is in no organisation",
    ),
    ({"email": "not an email"}, "email: not a valid email address"),
    ({"email": "jo@example.gov.uk\n"}, "email: not a valid email address"),
    ({"email": "x" * 300 + "@example.gov.uk"}, "users[0].email: "),
    ({"email": "a@example.gov.uk", "password": "hunter2"}, "'password' was unexpected"),
    (
        {"email": "a@example.gov.uk", "password_hash": "argon2$..."},
        "'password_hash' was unexpected",
    ),
    (
        {"email": "a@example.gov.uk", "data_sets": ["no_such_data_set"]},
        "no data set 'no_such_data_set'",
    ),
    ({"email": "a@example.gov.uk", "name": "Nul\x00"}, "NUL"),
    ({"email": "a@example.gov.uk", "roles": "admin"}, "is not of type 'array'"),
    ("just a string", "is not of type 'object'"),
]


@pytest.mark.parametrize(("entry", "message"), HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_user_entry_is_refused_and_nothing_is_stored(entry, message):
    with pytest.raises(ConfigError) as caught:
        import_config(doc_with_users([entry]))
    assert message in str(caught.value)
    assert not User.objects.exists()
    assert not Dashboard.objects.exists() and not DataSet.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_problem_is_listed_at_once_and_nothing_is_stored(tmp_path):
    users = [
        {"email": "dup@example.gov.uk"},
        {"email": "DUP@example.gov.uk", "roles": [{"role": "wizard"}]},
        {"email": "bad-email", "roles": [{"role": "signer_off", "organisation": "atlantis"}]},
        {"email": "ok@example.gov.uk", "data_sets": ["missing", "missing"]},
        {
            "email": "twice@example.gov.uk",
            "roles": [{"role": "platform_admin"}, {"role": "platform_admin"}],
        },
    ]
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc_with_users(users)))

    with pytest.raises(CommandError) as caught:
        call_command("import-config", str(path), stdout=io.StringIO())

    text = str(caught.value)
    assert text.startswith("Nothing was imported.")
    for expected in (
        "users[1] (DUP@example.gov.uk): the same person is also entry 0",
        "users[1].roles[0].role",
        "users[2] (bad-email): email: not a valid email address",
        "users[2] (bad-email): roles[0]: organisation: no organisation 'atlantis'",
        "users[3] (ok@example.gov.uk): data_sets: no data set 'missing'",
        "users[3] (ok@example.gov.uk): data_sets: a data set is listed twice",
        "users[4] (twice@example.gov.uk): roles[1]: the same role is listed twice",
    ):
        assert expected in text, expected
    assert not User.objects.exists() and not Membership.objects.exists()
    assert not DataSet.objects.exists() and not AuditEvent.objects.exists()


def test_the_command_prints_what_it_did_to_users(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(doc_with_users()))
    out = io.StringIO()
    call_command("import-config", str(path), stdout=out)
    assert (
        "Users: 3 created, 0 updated; roles: 4 added, 0 removed; "
        "data set access: 1 given, 0 taken away." in out.getvalue()
    )
