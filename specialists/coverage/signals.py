"""Keep village coverage spans (and specialists' load spans) in step with every save and delete that can change them."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from specialists.assignments.models import VillageAssignment
from specialists.coverage.spans import rebuild_coverage_spans, recount_towns
from specialists.people.models import Specialist
from villages.models import Town, Village


@receiver(pre_save, sender=VillageAssignment)
def _remember_assignment_village(sender, instance, **kwargs):
    # A change of village (or specialist) leaves the old one's spans stale as well.
    previous = VillageAssignment.objects.filter(pk=instance.pk).values_list("village_id", "specialist_id").first() if instance.pk else None
    instance._previous_village_id, instance._previous_specialist_id = previous or (None, None)


@receiver(post_save, sender=VillageAssignment)
@receiver(post_delete, sender=VillageAssignment)
def _assignment_changed(sender, instance, **kwargs):
    villages = {instance.village_id, getattr(instance, "_previous_village_id", None)} - {None}
    specialists = {instance.specialist_id, getattr(instance, "_previous_specialist_id", None)} - {None}
    rebuild_coverage_spans(village_ids=villages, specialist_ids=specialists)


@receiver(pre_save, sender=Specialist)
def _remember_status(sender, instance, **kwargs):
    instance._previous_status = (
        Specialist.objects.filter(pk=instance.pk).values_list("status", flat=True).first() if instance.pk else None
    )


@receiver(post_save, sender=Specialist)
def _specialist_changed(sender, instance, created, **kwargs):
    if not created and instance._previous_status != instance.status:
        rebuild_coverage_spans(village_ids=instance.village_assignments.values_list("village_id", flat=True), specialist_ids=[instance.pk])


@receiver(post_save, sender=Village)
def _village_changed(sender, instance, **kwargs):
    # A new village starts uncovered; a change of kind, town, code or name changes what its spans say.
    # Loads count villages of any kind: they do not change.
    rebuild_coverage_spans(village_ids=[instance.pk], specialist_ids=())


@receiver(post_delete, sender=Village)
def _village_deleted(sender, instance, **kwargs):
    # Its spans went with it (cascade), so its town's count is fixed by the town's id.
    recount_towns("%(town)s", {"town": instance.town_id})


@receiver(post_save, sender=Town)
def _town_changed(sender, instance, created, **kwargs):
    # Spans carry the town's county-level unit, which a zone taking over the town changes.
    if not created:
        rebuild_coverage_spans(village_ids=instance.villages.values_list("pk", flat=True), specialist_ids=())
