"""The sales pages' addresses, in one place (the views hold no urlpatterns)."""

from django.urls import path

from .views import planning, reports, tables, work

app_name = "sales"
urlpatterns = [
    # The day's work: today, prospects, the register.
    path("today/", work.today, name="today"),
    path("prospects/", work.prospect_list, name="prospects"),
    path("prospects/new/<int:customer_id>/", work.prospect_create, name="prospect_create"),
    path("prospects/<int:prospect_id>/", work.prospect_detail, name="prospect"),
    path("prospects/<int:prospect_id>/grade/", work.prospect_grade, name="prospect_grade"),
    path("prospects/<int:prospect_id>/contact/", work.prospect_contact, name="prospect_contact"),
    path("prospects/<int:prospect_id>/order/", work.prospect_order, name="prospect_order"),
    path("prospects/<int:prospect_id>/defeat/", work.prospect_defeat, name="prospect_defeat"),
    path("prospects/<int:prospect_id>/decision/", work.prospect_decision, name="prospect_decision"),
    path("prospects/<int:prospect_id>/delivery/", work.prospect_delivery, name="prospect_delivery"),
    path("visits/", work.visits, name="visits"),
    path("customers/<int:customer_id>/contact/", work.customer_contact, name="customer_contact"),
    path("customers/<int:customer_id>/contact/form/", work.customer_contact_form, name="customer_contact_form"),
    # The daily business report.
    path("reports/daily/", reports.report_today, name="daily_report"),
    path("reports/daily/list/", reports.report_list, name="daily_reports"),
    path("reports/daily/<int:report_id>/", reports.report_detail, name="daily_report_detail"),
    path("reports/daily/<int:report_id>/submit/", reports.report_submit, name="daily_report_submit"),
    path("reports/daily/<int:report_id>/sign/", reports.report_sign, name="daily_report_sign"),
    # The analysis tables.
    path("showroom/traffic/", tables.traffic, name="traffic"),
    path("prospects/contact-status/", tables.contact_status, name="contact_status"),
    path("prospects/contact-status.xlsx", tables.contact_status_export, name="contact_status_export"),
    path("lost-sales/", tables.lost_sales, name="lost_sales"),
    # Planning.
    path("cadence/", planning.cadence, name="cadence"),
    path("targets/", planning.targets, name="targets"),
    path("funnel/", planning.funnel, name="funnel"),
    path("events/", planning.events, name="events"),
    path("events/<int:event_id>/", planning.event, name="event"),
]
