"""The care pages' addresses, in one place (the views hold no urlpatterns)."""

from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/export.csv", views.task_export, {"fmt": "csv"}, name="task_export_csv"),
    path("tasks/export.xlsx", views.task_export, {"fmt": "xlsx"}, name="task_export_xlsx"),
    path("tasks/new/<int:customer_id>/", views.task_create, name="task_create"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("tasks/<int:task_id>/outcome/", views.task_outcome, name="task_outcome"),
    path("team/", views.team, name="team"),
    path("rules/", views.rules, name="rules"),
    path("rules/settings/", views.rules_settings, name="rules_settings"),
    path("vip/", views.vip_list, name="vip_list"),
    path("vip/new/", views.vip_create, name="vip_create"),
    path("vip/<int:customer_id>/", views.vip_detail, name="vip"),
    path("vip/<int:customer_id>/edit/", views.vip_edit, name="vip_edit"),
    path("vip/<int:customer_id>/referral/", views.vip_referral, name="vip_referral"),
]
