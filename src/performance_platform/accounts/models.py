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
