"""Staff follows the role from now on (specialists/signals.py): a city-wide coordinator is staff, any
other role is not. Existing databases made county coordinators (and anyone the demo marked) staff
before; this brings them in line once. Superusers, and users with no role, are left as they are."""

from django.conf import settings
from django.db import migrations
from django.db.models import Q


def staff_from_roles(apps, schema_editor):
    UserRole = apps.get_model("specialists", "UserRole")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    city_coordinators = UserRole.objects.filter(role="coordinator", county__isnull=True).values("user_id")
    other_roles = UserRole.objects.filter(~Q(role="coordinator") | Q(county__isnull=False)).values("user_id")
    User.objects.filter(is_superuser=False, pk__in=city_coordinators).update(is_staff=True)
    User.objects.filter(is_superuser=False, pk__in=other_roles).update(is_staff=False)


class Migration(migrations.Migration):

    dependencies = [
        ("specialists", "0007_achievements"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(staff_from_roles, migrations.RunPython.noop),
    ]
