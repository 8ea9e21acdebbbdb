"""The cases pages' addresses, in one place (the views hold no urlpatterns)."""

from django.urls import path

from .views import blacklist, cases, lost

app_name = "cases"

urlpatterns = [
    # cases
    path("", cases.case_list, name="list"),
    path("<int:case_id>/", cases.case_detail, name="case"),
    path("<int:case_id>/step/", cases.case_step, name="step"),
    path("<int:case_id>/close/", cases.case_close, name="close"),
    path("<int:case_id>/assign/", cases.case_assign, name="assign"),
    path("<int:case_id>/recurrence/", cases.case_recurrence, name="recurrence"),
    path("<int:case_id>/compensation/", cases.case_compensation, name="compensation"),
    path("<int:case_id>/compensation/<int:compensation_id>/decide/", cases.compensation_decide,
         name="compensation_decide"),
    path("open/<int:customer_id>/", cases.case_open, name="open"),
    path("settings/", cases.case_settings, name="settings"),
    path("analysis/", cases.analysis_page, name="analysis"),
    path("analysis/export.xlsx", cases.analysis_page, {"export": True}, name="analysis_export"),
    # blacklist
    path("blacklist/", blacklist.blacklist_list, name="blacklist"),
    path("blacklist/propose/<int:customer_id>/", blacklist.blacklist_propose, name="blacklist_propose"),
    path("blacklist/<int:entry_id>/", blacklist.blacklist_entry, name="blacklist_entry"),
    path("blacklist/<int:entry_id>/decide/", blacklist.blacklist_decide, name="blacklist_decide"),
    path("blacklist/<int:entry_id>/lift/", blacklist.blacklist_lift, name="blacklist_lift"),
    # lost owners and win-back
    path("lost/", lost.lost_list, name="lost_list"),
    path("lost/analysis/", lost.lost_analysis_page, name="lost_analysis"),
    path("lost/new/<int:customer_id>/", lost.lost_record, name="lost_record"),
    path("lost/<int:lost_id>/", lost.lost_detail, name="lost"),
    path("lost/<int:lost_id>/confirm/", lost.lost_confirm, name="lost_confirm"),
    path("lost/<int:lost_id>/dismiss/", lost.lost_dismiss, name="lost_dismiss"),
    path("lost/<int:lost_id>/steps/", lost.lost_step, name="lost_step"),
    path("lost/<int:lost_id>/won-back/", lost.lost_won_back, name="lost_won_back"),
]
