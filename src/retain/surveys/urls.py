"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

from django.urls import path

from .views import definitions

app_name = "surveys"

urlpatterns = [
    # definitions (defs)
    path("", definitions.survey_list, name="list"),
    path("presets/", definitions.install_presets, name="install_presets"),
    path("<int:survey_id>/", definitions.survey_detail, name="survey"),
    path("<int:survey_id>/edit/", definitions.survey_edit, name="edit"),
    path("<int:survey_id>/copy/", definitions.survey_copy, name="copy"),
    path("<int:survey_id>/active/", definitions.survey_active, name="active"),
    path("<int:survey_id>/versions/<int:number>/", definitions.version_detail, name="version"),
]
