"""People who sign in: platform staff today; service managers, uploaders and signers-off next.

The user model is our own from the start (``AUTH_USER_MODEL``), because Django cannot
swap it once other models refer to users. People sign in with their email address,
which is unique whatever its case: ``Jo@Example.gov.uk`` and ``jo@example.gov.uk`` are
one person.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class UserManager(BaseUserManager):
    """Creates users by email address (``createsuperuser`` uses it too)."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is needed")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)  # None gives an unusable password (sign-in by SSO only)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        """An ordinary user, with no staff rights."""
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        """A platform administrator: staff, with every permission."""
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        if fields["is_staff"] is not True or fields["is_superuser"] is not True:
            raise ValueError("A superuser must have is_staff=True and is_superuser=True")
        return self._create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        """The user with this email address, whatever its case (sign-in looks users up so)."""
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in, by email address."""

    email = models.EmailField("email address", max_length=254, unique=True)
    name = models.CharField("full name", max_length=200, blank=True)
    is_staff = models.BooleanField(
        "staff status",
        default=False,
        help_text="Whether the user can sign in to the Django admin (platform staff only).",
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Unselect this instead of deleting the account: its history is kept.",
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)

    def get_full_name(self) -> str:
        """The name to address the person by: their name, or their email address."""
        return self.name or self.email

    def get_short_name(self) -> str:
        """As :meth:`get_full_name`: names are not split into parts."""
        return self.get_full_name()


class Membership(models.Model):
    """A person's role in an organisation: what they may see and do there.

    Roles are held per organisation. A platform administrator's membership names no
    organisation: it covers every one. Organisations live in the ``dashboards`` app, above
    this one; the foreign key names it by string, so no import runs up the layers.
    """

    class Role(models.TextChoices):
        """What a member may do (``dashboards.permissions`` says exactly)."""

        PLATFORM_ADMIN = "platform_admin", "Platform admin"
        SERVICE_MANAGER = "service_manager", "Service manager"
        DATA_UPLOADER = "data_uploader", "Data uploader"
        SIGNER_OFF = "signer_off", "Signer-off"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        "dashboards.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="Empty only for a platform admin, whose role covers every organisation.",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["user__email", "organisation__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="accounts_membership_unique"
            ),
            # Every role but platform admin is held in an organisation.
            models.CheckConstraint(
                condition=models.Q(role="platform_admin") | models.Q(organisation__isnull=False),
                name="accounts_membership_has_organisation",
            ),
        ]

    def __str__(self) -> str:
        where = self.organisation.name if self.organisation_id else "every organisation"
        return f"{self.user.email}: {self.get_role_display()} ({where})"


class DataSetAccess(models.Model):
    """A data set a data uploader has been given: they may upload to it and manage its
    tokens. Data sets live in ``datastore``, named by string for the same reason as above."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="data_set_access")
    data_set = models.ForeignKey(
        "datastore.DataSet", on_delete=models.CASCADE, related_name="uploader_access"
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["data_set__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "data_set"], name="accounts_access_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user.email} → {self.data_set.name}"


class AuditEvent(models.Model):
    """Who did what, and when: one row per sign-in, change, upload or status move.

    Rows outlive what they describe: the thing acted on is named by type, id and a copy of
    its name, never by a foreign key, so deleting a data set or a dashboard keeps its
    history. The actor is kept by email too, for when their account is deleted.
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    # A dotted name, e.g. "sign_in", "sign_in.failed", "dashboard.status", "token.create".
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    # The organisation concerned, by id (no foreign key: the row outlives it too).
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.at:%Y-%m-%d %H:%M} {who} {self.action} {self.target_repr}"


def platform_admin_emails() -> set[str]:
    """The email addresses of every active platform admin (superusers count as admins):
    who is told of new dashboard requests and of publishing."""
    admins = User.objects.filter(is_active=True).filter(
        models.Q(is_superuser=True) | models.Q(memberships__role=Membership.Role.PLATFORM_ADMIN)
    )
    return set(admins.exclude(email="").values_list("email", flat=True))
