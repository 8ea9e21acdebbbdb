from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("manager/", views.manager, name="manager"),
    path("service/", views.service, name="service"),
    path("marketing/", views.marketing, name="marketing"),
    path("dealers/", views.dealers, name="dealers"),
]
