"""Admin for users and their roles: a coordinator manages roles here, never a power beyond their own role."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from specialists.access.models import UserRole
from villages.admin import CountyListFilter


User = get_user_model()


def users_coordinators_manage():
    """The users a coordinator (a non-superuser) may see, edit and give a role to in the admin.

    Not superusers, and not users holding Django permissions or groups of their own, which only a
    superuser gives: a coordinator may set the password of any user they manage, and must not reach
    a power beyond their own role by signing in as one.
    """
    return User.objects.filter(is_superuser=False).exclude(
        Exists(User.user_permissions.through.objects.filter(user=OuterRef("pk")))
    ).exclude(Exists(User.groups.through.objects.filter(user=OuterRef("pk"))))


@admin.register(UserRole)
class UserRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "province", "city", "county", "specialist"]
    list_filter = ["role", ("county", CountyListFilter)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "specialist__name", "county__name", "city__name",
                     "province__name"]
    autocomplete_fields = ["user", "province", "city", "county", "specialist"]
    list_select_related = ["user", "province", "city", "county", "specialist"]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("user", "province", "city", "county", "specialist").defer(
            "province__boundary", "city__boundary", "county__boundary",
        )
        if not request.user.is_superuser:
            rows = rows.filter(user__in=users_coordinators_manage().values("pk"))
        return rows

    def get_readonly_fields(self, request, obj=None):
        # A role belongs to its user: it is changed or taken away, never handed to someone else.
        return ["user"] if obj is not None else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and not request.user.is_superuser:
            kwargs["queryset"] = users_coordinators_manage()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserRoleInline(admin.StackedInline):
    """The user's role on the user's own page: what they are in Tepai, and where."""

    model = UserRole
    fields = ["role", "province", "city", "county", "specialist"]
    autocomplete_fields = ["province", "city", "county", "specialist"]


admin.site.unregister(User)


@admin.register(User)
class TepaiUserAdmin(UserAdmin):
    """Django's user admin, with each user's role, and closed to escalation for coordinators."""

    list_display = ["username", "first_name", "last_name", "role", "is_staff", "is_active"]
    list_select_related = ["tepai_role__province", "tepai_role__city", "tepai_role__county"]
    inlines = [UserRoleInline]

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("tepai_role__province", "tepai_role__city", "tepai_role__county").defer(
            "tepai_role__province__boundary", "tepai_role__city__boundary", "tepai_role__county__boundary",
        )
        if not request.user.is_superuser:
            # Superusers, and users with powers beyond a role, are not there for a coordinator: not in
            # the list, the search or the autocomplete, and their pages (password included) answer
            # as for a user that does not exist.
            rows = rows.filter(pk__in=users_coordinators_manage().values("pk"))
        return rows

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # is_staff follows the role (specialists/access/signals.py); the rest would outrank any role.
            fields += ["is_staff", "is_superuser", "groups", "user_permissions"]
        return fields

    def get_inlines(self, request, obj):
        # The add page is Django's two-step one (username and password, then the rest); the role
        # is given on the second.
        return self.inlines if obj is not None else []

    @admin.display(description=_("role"), ordering="tepai_role__role")
    def role(self, obj):
        role = getattr(obj, "tepai_role", None)  # a missing reverse one-to-one raises AttributeError
        if role is None:
            return None  # shown as the admin's empty value
        return f"{role.get_role_display()} · {role.node.name if role.node is not None else _('whole deployment')}"
