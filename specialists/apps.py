from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SpecialistsConfig(AppConfig):
    name = "specialists"
    verbose_name = _("Specialists")

    def ready(self):
        # Connect the signal handlers: coverage spans follow assignments, staff follows the role.
        from specialists.access import signals as access_signals  # noqa: F401
        from specialists.coverage import signals as coverage_signals  # noqa: F401
