"""Users in the configuration file: who they are, their roles and their data sets.

A user's entry names them by email, with their name, their roles (each in an organisation,
by slug; a platform admin's in none) and the data sets they may upload to (by name). It
never holds a password, a password hash or a token, and the exporter never writes one:
imported people get an unusable password and set their own through an invitation (or sign
in by single sign-on).

On import a listed user's roles and data sets become exactly those in the file (added and
removed, each audited); users not in the file are left alone.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from performance_platform.accounts import audit
from performance_platform.accounts.models import DataSetAccess, Membership, User
from performance_platform.dashboards.models import Organisation
from performance_platform.datastore.models import DataSet, default_name

ROLES = {choice.value for choice in Membership.Role}
PLATFORM_ADMIN = Membership.Role.PLATFORM_ADMIN.value


def _show(value) -> str:
    """A value as a message may quote it: short, on one line, every character visible."""
    text = str(value)[:100]
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _file_data_set_names(doc: dict) -> set[str]:
    names = set()
    for entry in _list(doc.get("data_sets")):
        if isinstance(entry, dict):
            group, dtype = entry.get("data_group"), entry.get("data_type")
            names.add(entry.get("name") or default_name(str(group), str(dtype)))
    return names


def _has_unstorable(value) -> bool:
    """NUL characters and lone surrogates: no database stores them."""
    return isinstance(value, str) and any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value)


def problems(doc: dict) -> list[str]:
    """Every problem with the file's users, as readable lines (the schema has run first)."""
    users = [(i, u) for i, u in enumerate(_list(doc.get("users"))) if isinstance(u, dict)]
    if not users:
        return []
    orgs = {o.get("slug") for o in _list(doc.get("organisations")) if isinstance(o, dict)}
    orgs |= set(Organisation.objects.values_list("slug", flat=True))
    data_sets = _file_data_set_names(doc) | set(DataSet.objects.values_list("name", flat=True))
    out: list[str] = []
    seen: dict[str, int] = {}
    for index, user in users:
        email = user.get("email")
        where = f"users[{index}] ({_show(email)})"
        if isinstance(email, str):
            try:
                if _has_unstorable(email) or email != email.strip():
                    raise ValidationError("bad characters")
                validate_email(email)
            except ValidationError:
                out.append(f"{where}: email: not a valid email address")
            key = email.lower()
            if key in seen:
                out.append(f"{where}: the same person is also entry {seen[key]}")
            seen.setdefault(key, index)
        if _has_unstorable(user.get("name")):
            out.append(f"{where}: name: contains a NUL character or an unpaired surrogate")
        held: set = set()
        for number, grant in enumerate(_list(user.get("roles"))):
            if not isinstance(grant, dict) or grant.get("role") not in ROLES:
                continue  # the schema has already said why
            role, org = grant["role"], grant.get("organisation")
            here = f"{where}: roles[{number}]"
            if role == PLATFORM_ADMIN and org is not None:
                out.append(f"{here}: a platform admin's role is in no organisation")
            elif role != PLATFORM_ADMIN and org is None:
                out.append(f"{here}: a {role} needs an organisation")
            elif org is not None and org not in orgs:
                out.append(f"{here}: organisation: no organisation {_show(org)!r}")
            if (role, org) in held:
                out.append(f"{here}: the same role is listed twice")
            held.add((role, org))
        names = [n for n in _list(user.get("data_sets")) if isinstance(n, str)]
        for name in names:
            if name not in data_sets:
                out.append(f"{where}: data_sets: no data set {_show(name)!r}")
        if len(set(names)) != len(names):
            out.append(f"{where}: data_sets: a data set is listed twice")
    return out


def import_(doc: dict) -> dict[str, int]:
    """Create or update the file's users; make their roles and data sets those in the file.

    Runs inside the import's transaction, after organisations and data sets are imported.
    """
    counts = {
        "users created": 0,
        "users updated": 0,
        "roles added": 0,
        "roles removed": 0,
        "access granted": 0,
        "access removed": 0,
    }
    for entry in _list(doc.get("users")):
        user = User.objects.filter(email__iexact=entry["email"]).first()
        name = entry.get("name", "")
        if user is None:
            # No password: an unusable one, so the person sets theirs through an invitation.
            user = User.objects.create_user(email=entry["email"], password=None, name=name)
            counts["users created"] += 1
        elif user.name != name:
            user.name = name
            user.save(update_fields=["name"])
            counts["users updated"] += 1
        _sync_roles(user, entry.get("roles") or [], counts)
        _sync_data_sets(user, entry.get("data_sets") or [], counts)
    return counts


def _sync_roles(user: User, roles: list[dict], counts: dict) -> None:
    slugs = {g.get("organisation") for g in roles} - {None}
    orgs = {o.slug: o for o in Organisation.objects.filter(slug__in=slugs)}
    wanted = {
        (g["role"], orgs[g["organisation"]].pk if g.get("organisation") else None) for g in roles
    }
    for membership in Membership.objects.filter(user=user).select_related("organisation"):
        if (membership.role, membership.organisation_id) in wanted:
            wanted.discard((membership.role, membership.organisation_id))
            continue
        audit.record(
            "membership.remove",
            target=user,
            organisation_id=membership.organisation_id,
            detail={"role": membership.role, "via": "import-config"},
        )
        membership.delete()
        counts["roles removed"] += 1
    for role, org_id in sorted(wanted, key=lambda w: (w[0], w[1] or 0)):
        Membership.objects.create(user=user, role=role, organisation_id=org_id)
        audit.record(
            "membership.add",
            target=user,
            organisation_id=org_id,
            detail={"role": role, "via": "import-config"},
        )
        counts["roles added"] += 1


def _sync_data_sets(user: User, names: list[str], counts: dict) -> None:
    wanted = set(names)
    for access in DataSetAccess.objects.filter(user=user).select_related("data_set"):
        if access.data_set.name in wanted:
            wanted.discard(access.data_set.name)
            continue
        audit.record(
            "access.revoke",
            target=user,
            detail={"data_set": access.data_set.name, "via": "import-config"},
        )
        access.delete()
        counts["access removed"] += 1
    for data_set in DataSet.objects.filter(name__in=wanted).order_by("name"):
        DataSetAccess.objects.create(user=user, data_set=data_set)
        audit.record(
            "access.grant",
            target=user,
            detail={"data_set": data_set.name, "via": "import-config"},
        )
        counts["access granted"] += 1


def export() -> list[dict]:
    """Every user, with their roles and data sets: email and name only, never a secret."""
    out = []
    users = User.objects.order_by("email").prefetch_related(
        "memberships__organisation", "data_set_access__data_set"
    )
    for user in users:
        entry: dict = {"email": user.email}
        if user.name:
            entry["name"] = user.name
        roles = []
        for m in sorted(
            user.memberships.all(),
            key=lambda m: (m.role, m.organisation.slug if m.organisation else ""),
        ):
            grant = {"role": m.role}
            if m.organisation is not None:
                grant["organisation"] = m.organisation.slug
            roles.append(grant)
        entry["roles"] = roles
        entry["data_sets"] = sorted(a.data_set.name for a in user.data_set_access.all())
        out.append(entry)
    return out
