"""The loyalty pages' addresses (the member card section is the customer card's; the ledger itself
is reached through the services and the API)."""

from django.urls import path

from . import views

app_name = "loyalty"

urlpatterns: list = [
    path("rules/", views.programme_rules, name="rules"),
]
