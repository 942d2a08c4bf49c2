from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from specialists.coverage.models import VillageCoverageSpan
from specialists.coverage.spans import rebuild_coverage_spans

_FIELDS = ("village_id", "town_id", "county_id", "start_date", "end_date", "covered", "last_end")


class Command(BaseCommand):
    help = (
        "Rebuild every village's coverage spans from the assignments (after writes that bypassed the "
        "app, such as raw SQL or QuerySet.update); with --check, only report whether they are stale."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 if the stored spans differ from a rebuild; change nothing")

    def handle(self, *args, **options):
        if not options["check"]:
            count = rebuild_coverage_spans()
            self.stdout.write(f"Rebuilt {count} coverage spans.")
            return
        stored = sorted(VillageCoverageSpan.objects.values_list(*_FIELDS))
        with transaction.atomic():
            rebuild_coverage_spans()
            fresh = sorted(VillageCoverageSpan.objects.values_list(*_FIELDS))
            transaction.set_rollback(True)
        if stored != fresh:
            raise CommandError(f"The coverage spans are stale ({len(set(stored) ^ set(fresh))} rows differ): run rebuild_coverage_spans.")
        self.stdout.write(f"The {len(stored)} coverage spans are in step with the assignments.")
