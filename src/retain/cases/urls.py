from django.urls import path

from .views import lost

app_name = "cases"

urlpatterns = [
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
