import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from specialists.demo.bengbu import DemoConflict, load_demo


class Command(BaseCommand):
    help = "Load the Bengbu demo (real divisions, synthetic villages, the city's 2022 specialist figures) into an empty database."

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            report = load_demo()
        except DemoConflict as error:
            raise CommandError(str(error)) from None
        seconds = time.perf_counter() - started
        counts = report.counts
        summary = _(
            "%(county_units)s county-level units, %(towns)s towns, %(villages)s administrative villages and "
            "%(communities)s communities (synthetic), %(key_industries)s key industries, %(specialists)s specialists, "
            "%(teams)s teams, %(village_assignments)s village assignments, %(enterprises)s economic entities."
        ) % counts
        if report.loaded:
            self.stdout.write(_("Loaded the Bengbu demo in %(seconds).1f s: %(summary)s") % {"seconds": seconds, "summary": summary})
        else:
            self.stdout.write(_("The Bengbu demo is already loaded; nothing changed. %(summary)s") % {"summary": summary})
        self.stdout.write(_("Logins, all with the password %(password)s:") % {"password": report.password})
        width = max(len(username) for username, _what in report.logins)
        for username, what in report.logins:
            self.stdout.write(f"  {username.ljust(width)}  {what}")
