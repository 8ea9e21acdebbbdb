from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api
from .web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("home/", include("retain.web.urls")),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("customers/", include("retain.customers.urls")),
    path("org/", include("retain.org.urls")),
    path("sales/", include("retain.sales.urls")),
    path("channels/", include("retain.channels.urls")),
    path("care/", include("retain.care.urls")),
    path("surveys/", include("retain.surveys.urls")),
]
