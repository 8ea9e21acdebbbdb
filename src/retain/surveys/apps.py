"""Satisfaction surveys (DOMAIN.md section 5): versioned definitions, invitations with single-use
links, the public answer page, integrity flags, and scoring through ``retain.analytics``."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "retain.surveys"
    label = "surveys"
    verbose_name = _("Surveys")
