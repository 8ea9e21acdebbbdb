from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "retain.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self):
        from . import jobs  # noqa: F401 (registers jobs.prune)
