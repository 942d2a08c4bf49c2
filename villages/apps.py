from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Divisions and key industries")

    def ready(self):
        # The cached village layer (villages.layers) is dropped when a boundary is saved: its signal
        # handlers connect here.
        from villages import layers  # noqa: F401
