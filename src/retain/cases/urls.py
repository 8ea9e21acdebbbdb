from django.urls import path

from .views import cases

app_name = "cases"

urlpatterns = [
    path("", cases.case_list, name="list"),
    path("<int:case_id>/", cases.case_detail, name="case"),
    path("<int:case_id>/step/", cases.case_step, name="step"),
    path("<int:case_id>/close/", cases.case_close, name="close"),
    path("<int:case_id>/assign/", cases.case_assign, name="assign"),
    path("open/<int:customer_id>/", cases.case_open, name="open"),
    path("settings/", cases.case_settings, name="settings"),
    path("analysis/", cases.analysis_page, name="analysis"),
]
