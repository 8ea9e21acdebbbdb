from django.urls import path

from . import views
from .imports import views as imports

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export.csv", views.customer_export, name="export"),
    path("export.xlsx", views.customer_export, {"file_format": "xlsx"}, name="export_xlsx"),
    path("vehicles/export.csv", views.vehicle_export, name="vehicle_export"),
    path("vehicles/export.xlsx", views.vehicle_export, {"file_format": "xlsx"}, name="vehicle_export_xlsx"),
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
    # imports (customers/imports)
    path("imports/", imports.batches, name="imports"),
    path("imports/preview/", imports.preview, name="import_preview"),
    path("imports/check/", imports.check, name="import_check"),
    path("imports/check/errors/", imports.check_errors, name="import_check_errors"),
    path("imports/run/", imports.run, name="import_run"),
    path("imports/<int:batch_id>/", imports.batch, name="import_batch"),
    path("imports/<int:batch_id>/errors/", imports.batch_errors, name="import_errors"),
    path("imports/<int:batch_id>/undo/", imports.batch_undo, name="import_undo"),
]
