"""Keep a user's staff flag in step with their role."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from specialists.access.models import UserRole

# The admin site is for city coordinators (specialists/access/backends.py gives them its permissions),
# and is_staff is what lets a user into it at all and shows its link in the pages' menu. It follows
# the role, whichever way the role is written (the admin, the demo, a shell), so that nobody has to
# set both and a coordinator, who may not set is_staff, can still make another city coordinator.
# Superusers are staff by their own flag and are left alone.

@receiver(pre_save, sender=UserRole)
def _remember_role_user(sender, instance, **kwargs):
    # A role moved to another user leaves the previous one without a role.
    instance._previous_user_id = (
        UserRole.objects.filter(pk=instance.pk).values_list("user_id", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=UserRole)
def _role_saved(sender, instance, **kwargs):
    previous = getattr(instance, "_previous_user_id", None)
    if previous is not None and previous != instance.user_id:
        _set_staff(previous, False)
    is_city_coordinator = instance.role == UserRole.Role.COORDINATOR and instance.node is None
    _set_staff(instance.user_id, is_city_coordinator, instance)


@receiver(post_delete, sender=UserRole)
def _role_deleted(sender, instance, **kwargs):
    _set_staff(instance.user_id, False, instance)


def _set_staff(user_id, staff, role=None):
    get_user_model().objects.filter(pk=user_id, is_superuser=False).exclude(is_staff=staff).update(is_staff=staff)
    # The caller's user object too, so that saving it later does not put the old flag back.
    if role is not None and UserRole.user.is_cached(role) and not role.user.is_superuser:
        role.user.is_staff = staff
