"""Users, their roles and data sets, and the audit trail in the Django admin (platform
staff only). The audit trail is read-only: rows are written by the platform, never by hand."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm

from .models import AuditEvent, DataSetAccess, Membership, User


class UserCreateForm(UserCreationForm):
    """The admin's "add user" form, asking for an email address instead of a username."""

    class Meta:
        model = User
        fields = ("email", "name")


class UserEditForm(UserChangeForm):
    """The admin's user form."""

    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    """The person's roles, each in an organisation (none for a platform admin)."""

    model = Membership
    extra = 0
    fields = ("role", "organisation", "created_at")
    readonly_fields = ("created_at",)


class DataSetAccessInline(admin.TabularInline):
    """The data sets the person may upload to, as a data uploader."""

    model = DataSetAccess
    fk_name = "user"
    extra = 0
    fields = ("data_set", "granted_by", "created_at")
    readonly_fields = ("granted_by", "created_at")
    raw_id_fields = ("data_set",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Django's user admin, keyed by email address."""

    form = UserEditForm
    add_form = UserCreateForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("name",)}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    inlines = (MembershipInline, DataSetAccessInline)

    def get_inlines(self, request, obj):
        # Roles and data sets are given once the person exists: the add page asks only
        # for who they are (as Django's own user admin does with permissions).
        return self.inlines if obj is not None else ()


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit trail: filterable, searchable, and not to be added to, edited or deleted."""

    list_display = ("at", "actor_email", "action", "target_type", "target_repr", "ip_address")
    list_filter = ("action", "target_type", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_email", "target_repr", "target_id", "action")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
