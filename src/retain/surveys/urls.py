"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

app_name = "surveys"

urlpatterns = []
