"""``performance-platform tokens create|revoke|list``: manage write tokens.

Creating and revoking are audited (``token.create``, ``token.revoke``) with no actor: the
command line is the platform's operators, not a signed-in person.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from performance_platform.accounts import audit
from performance_platform.datastore.models import DataSet, WriteToken


def _data_set(group: str, data_type: str) -> DataSet:
    found = DataSet.objects.filter(data_group__name=group, data_type__name=data_type).first()
    if found is None:
        raise CommandError(f"No data set {group}/{data_type}")
    return found


def _detail(token: WriteToken) -> dict:
    """What the audit row says about a token: never the secret, only its label and prefix."""
    return {
        "data_set": token.data_set.name,
        "label": token.label,
        "prefix": token.prefix,
        "via": "command line",
    }


class Command(BaseCommand):
    help = "Create, revoke or list the write tokens of data sets."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (shown once).")
        create.add_argument("group")
        create.add_argument("type")
        create.add_argument("--label", required=True)
        revoke = sub.add_parser("revoke", help="Revoke tokens by label or by prefix.")
        revoke.add_argument("group")
        revoke.add_argument("type")
        which = revoke.add_mutually_exclusive_group(required=True)
        which.add_argument("--label")
        which.add_argument("--prefix", help="The first characters shown by `tokens list`.")
        listing = sub.add_parser("list", help="List tokens (never the secrets).")
        listing.add_argument("group", nargs="?")
        listing.add_argument("type", nargs="?")

    def handle(self, *args, action, **options):
        if action == "create":
            label = options["label"].strip()
            if not label or len(label) > 100:
                raise CommandError("--label must be 1 to 100 characters")
            data_set = _data_set(options["group"], options["type"])
            with transaction.atomic():
                token, secret = WriteToken.issue(data_set, label)
                audit.record("token.create", target=token, detail=_detail(token))
            self.stderr.write(f"Token for {data_set.name} ({label}). It is shown only this once:")
            self.stdout.write(secret)
        elif action == "revoke":
            data_set = _data_set(options["group"], options["type"])
            tokens = WriteToken.objects.active().filter(data_set=data_set)
            if options.get("label") is not None:
                tokens = tokens.filter(label=options["label"])
            else:
                tokens = tokens.filter(prefix=options["prefix"])
            rows = list(tokens)
            if not rows:
                raise CommandError("No active token matches")
            if options.get("prefix") is not None and len(rows) > 1:
                labels = ", ".join(sorted(r.label for r in rows))
                raise CommandError(
                    f"{len(rows)} active tokens start with that prefix ({labels}); "
                    "revoke by --label instead"
                )
            with transaction.atomic():
                for row in rows:
                    row.revoke()
                    audit.record("token.revoke", target=row, detail=_detail(row))
            self.stdout.write(f"Revoked {len(rows)} token(s) of {data_set.name}.")
        else:
            tokens = WriteToken.objects.select_related("data_set")
            if options.get("group"):
                if not options.get("type"):
                    raise CommandError("Give both GROUP and TYPE, or neither")
                tokens = tokens.filter(data_set=_data_set(options["group"], options["type"]))
            for row in tokens:
                used = row.last_used_at.isoformat() if row.last_used_at else "never"
                state = f"revoked {row.revoked_at.isoformat()}" if row.revoked_at else "active"
                self.stdout.write(
                    f"{row.data_set.name}\t{row.label}\t{row.prefix}…\t"
                    f"created {row.created_at.isoformat()}\tlast used {used}\t{state}"
                )
