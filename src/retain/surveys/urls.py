"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

from django.urls import path

from .views import analysis

app_name = "surveys"

urlpatterns = []

# analysis: the results pages and their downloads
urlpatterns += [
    path("results/", analysis.overview, name="results"),
    *[path(f"results/{key}/", analysis.results_page, {"page": key}, name=f"results_{key}") for key in analysis.PAGES],
    *[path(f"results/{key}/export.xlsx", analysis.results_export, {"page": key}, name=f"results_{key}_export")
      for key in analysis.PAGES],
]
