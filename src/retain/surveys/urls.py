"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

from django.urls import path

from .views import reviews

app_name = "surveys"

urlpatterns = [
    # answer: reviews of flagged answers
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:response_id>/", reviews.review_response, name="review"),
]
