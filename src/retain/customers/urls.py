from django.urls import path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export.csv", views.customer_export, name="export"),
    path("reassign/", views.reassign, name="reassign"),
    path("recheck/", views.customer_recheck, name="recheck"),
    path("<int:customer_id>/", views.customer_card, name="card"),
    path("<int:customer_id>/forms/<slug:name>/", views.card_form, name="card_form"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/reveal/", views.customer_reveal, name="reveal"),
    path("<int:customer_id>/classify/", views.customer_classify, name="classify"),
    path("<int:customer_id>/consent/", views.customer_consent, name="consent"),
    path("<int:customer_id>/tags/", views.customer_tags, name="tags"),
    path("<int:customer_id>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("<int:customer_id>/transactions/new/", views.transaction_create, name="transaction_create"),
    path("<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("<int:customer_id>/verify/", views.customer_verify, name="verify"),
]
