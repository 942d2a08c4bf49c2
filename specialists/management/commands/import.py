import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.imports import registry, services
from specialists.imports.models import ImportJob
from specialists.management.arguments import add_place_arguments, place_option
from villages.errors import DomainError
from villages.imports.plans import ImportRefused


class Command(BaseCommand):
    help = (
        "Import a file: a division list, boundaries, or a roster (specialists, organisations, teams, village or "
        "industry assignments). Prints the preview: what would be created, changed and left unchanged, and every refused "
        "row. Without --dry-run, writes everything in one transaction, or nothing when a row is refused. Recorded in the "
        "history of imports. A place (--province/--city/--county) limits the rows to that place, as a coordinator's would be."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", help="one of: " + ", ".join(k.name for k in registry.all_kinds()))
        parser.add_argument("file", help="the file: .xlsx, .csv, .geojson, .gpkg, or a zipped Shapefile, as the kind reads")
        parser.add_argument("--dry-run", action="store_true", help="preview only: write nothing")
        parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                            help="an option of the kind (repeatable), e.g. encoding=gbk, crs=EPSG:4549, year=2023; "
                                 "a JSON value is read as JSON (villages={...})")
        add_place_arguments(parser, levels=("province", "city", "county"))

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}) from None
        kind_options = {}
        for pair in options["option"]:
            name, sep, value = pair.partition("=")
            if not sep:
                raise CommandError(_("--option must be NAME=VALUE, not %(value)r.") % {"value": pair})
            try:
                kind_options[name] = json.loads(value)
            except json.JSONDecodeError:
                kind_options[name] = value
        try:
            job = services.import_upload(user=None, kind_name=options["kind"], file_name=path.name, data=data,
                                         options=kind_options, place=place_option(options), queue=False)
            job = services.import_preview_run(job_id=job.pk)
            self._report(job.preview)
            if job.status != ImportJob.Status.READY:
                raise CommandError(_("Refused: nothing was written."))
            if options["dry_run"]:
                self.stdout.write(_("Dry run: nothing was written."))
                return
            job = services.import_confirm(user=None, job=job, queue=False)
            job = services.import_commit_run(job_id=job.pk)
        except ImportRefused as refused:
            for problem in refused.problems:
                self.stderr.write(str(problem))
            raise CommandError(_("Refused: nothing was written.")) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except DomainError as error:
            raise CommandError(str(error)) from None
        if job.status != ImportJob.Status.DONE:
            for problem in job.outcome.get("problems", []):
                self.stderr.write(_format(problem))
            raise CommandError(_("Refused: nothing was written."))
        self.stdout.write(_("Imported: %(summary)s (import %(id)s).") % {"summary": _summary(job.outcome), "id": job.pk})

    def _report(self, preview):
        for note in preview.get("notes", []):
            self.stdout.write(note)
        self.stdout.write(_("Rows read: %(rows)s; %(summary)s") % {"rows": preview.get("rows", 0), "summary": _summary(preview)})
        for problem in preview.get("problems", []):
            self.stderr.write(_format(problem))
        for name, values in preview.get("choices", {}).items():
            self.stderr.write(f"{name}: {json.dumps(values, ensure_ascii=False)}")


def _summary(plan):
    parts = []
    for model, actions in plan.get("summary", {}).items():
        parts.append(f"{model} " + ", ".join(f"{action} {count}" for action, count in sorted(actions.items())))
    return "; ".join(parts) or _("nothing to change")


def _format(problem):
    where = []
    if problem.get("row") is not None:
        where.append(_("row %(row)s") % {"row": problem["row"]})
    if problem.get("column"):
        where.append(_("column %(column)s") % {"column": problem["column"]})
    return (", ".join(where) + ": " if where else "") + problem["message"]
