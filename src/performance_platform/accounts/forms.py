"""The sign-in, password-reset and set-password forms: Django's, with GOV.UK wording and
limits on what they accept (a megabyte "password" is refused, not hashed)."""

from django import forms
from django.contrib.auth import forms as auth_forms

from .models import User

# Longer than any password a person types or a manager generates; short enough that
# hashing it costs nothing.
PASSWORD_MAX_LENGTH = 1024


def _password_field(label: str, autocomplete: str, required_message: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={
            "required": required_message,
            "max_length": f"Password must be {PASSWORD_MAX_LENGTH} characters or fewer",
        },
    )


def _email_field(required_message: str) -> forms.EmailField:
    return forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={
            "required": required_message,
            "invalid": "Enter an email address in the correct format, like name@example.gov.uk",
            "max_length": "Email address must be 254 characters or fewer",
        },
    )


class SignInForm(auth_forms.AuthenticationForm):
    """Email address and password. The field keeps Django's name, ``username``, which
    django-axes reads to count failures per person."""

    username = _email_field("Enter your email address")
    password = _password_field("Password", "current-password", "Enter your password")

    error_messages = {
        "invalid_login": "Enter a correct email address and password",
        "inactive": "This account cannot sign in. Ask your platform admin.",
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Asks for an email address and, if an active account has it, emails a reset link.

    The answer is the same whether or not the address has an account.
    """

    email = _email_field("Enter your email address")

    def get_users(self, email):
        """Active accounts with this address, whatever its case: including invited people
        who never set a password, so a lapsed invitation can be replaced by a reset."""
        return User.objects.filter(email__iexact=email, is_active=True)


class SetPasswordForm(auth_forms.SetPasswordForm):
    """A new password, twice, checked by the project's password validators."""

    new_password1 = _password_field("New password", "new-password", "Enter a new password")
    new_password2 = _password_field(
        "Confirm new password", "new-password", "Enter the new password again"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].help_text = (
            "At least 8 characters. Not a common password, not only numbers, and not like "
            "your email address or name."
        )
        self.error_messages = {
            **self.error_messages,
            "password_mismatch": "The two passwords do not match",
        }
