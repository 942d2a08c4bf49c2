import time

from django.core.management.base import BaseCommand, CommandError

from specialists.demo import scale


class Command(BaseCommand):
    help = "Add synthetic province- or national-scale data (for benchmarks) to an empty database of its own."

    def add_arguments(self, parser):
        parser.add_argument("scale", choices=sorted(scale.SCALES), help="city ~1,000, province 15,000 or national 490,000 villages")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--force", action="store_true", help="add even though the database already has villages")

    def handle(self, *args, **options):
        from villages.models import Village

        if Village.objects.exists() and not options["force"]:
            raise CommandError("The database already has villages: generate into an empty database (or pass --force).")
        started = time.perf_counter()
        counts = scale.generate(seed=options["seed"], **scale.SCALES[options["scale"]])
        self.stdout.write(
            f"{counts.counties} county-level units, {counts.towns} towns, {counts.villages} villages, "
            f"{counts.specialists} specialists, {counts.assignments} village assignments, {counts.teams} teams "
            f"in {time.perf_counter() - started:.1f} s"
        )
