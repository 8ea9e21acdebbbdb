"""The loyalty pages' addresses: coalition partners and their settlements, the points liability
(the ledger itself is reached through the services and the API)."""

from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns = [
    path("partners/", views.partner_list, name="partners"),
    path("partners/<int:partner_id>/", views.partner_page, name="partner"),
    path("partners/<int:partner_id>/movement/", views.partner_movement, name="partner_movement"),
    path("partners/<int:partner_id>/close/", views.close_month, name="partner_close"),
    path("liability/", views.liability_page, name="liability"),
]
