from .views import planning, reports, tables, work

app_name = "sales"
urlpatterns = work.urlpatterns + reports.urlpatterns + tables.urlpatterns + planning.urlpatterns
