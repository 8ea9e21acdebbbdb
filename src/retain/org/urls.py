from django.urls import path

from . import views

app_name = "org"
urlpatterns = [
    path("reassign/", views.reassign, name="reassign"),
    path("audit/", views.audit_log, name="audit"),
]
