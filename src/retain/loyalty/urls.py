"""The loyalty pages' addresses (the member card's sections are registered with the customer card;
the ledger itself is reached through the services and the API)."""

from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    # referrals and influence centres
    path("influence-centres/", views.influence, name="influence"),
    path("influence-centres/export.csv", views.influence, {"export": "csv"}, name="influence_export"),
    path("influence-centres/export.xlsx", views.influence, {"export": "xlsx"}, name="influence_export_xlsx"),
    path("influence-centres/<int:customer_id>/thank/", views.influence_thank, name="influence_thank"),
    path("influence-centres/<int:customer_id>/join/", views.influence_join, name="influence_join"),
    path("members/<int:customer_id>/referral/", views.referral_record, name="referral_record"),
    path("members/<int:customer_id>/referral-code/", views.referral_code, name="referral_code"),
    # owners' clubs
    path("clubs/", views.club_list, name="clubs"),
    path("clubs/<int:club_id>/", views.club_detail, name="club"),
    path("clubs/<int:club_id>/members/", views.club_members, name="club_members"),
    path("clubs/<int:club_id>/members/<int:customer_id>/leave/", views.club_leave, name="club_leave"),
    path("clubs/<int:club_id>/events/", views.club_event, name="club_event"),
    path("clubs/<int:club_id>/events/<int:event_id>/attend/<int:customer_id>/", views.club_attend,
         name="club_attend"),
]
