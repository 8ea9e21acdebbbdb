from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "org"
urlpatterns = [
    # The reassignment page moved to the customers app (org imports no other app); old links
    # and the name ``org:reassign`` keep working.
    path("reassign/", RedirectView.as_view(pattern_name="customers:reassign", permanent=True), name="reassign"),
    path("audit/", views.audit_log, name="audit"),
]
