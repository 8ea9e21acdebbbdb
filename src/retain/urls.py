from django.contrib.auth import views as auth_views
from django.urls import include, path

from .api import api
from .surveys.views import public as survey_public
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
    path("cases/", include("retain.cases.urls")),
    path("loyalty/", include("retain.loyalty.urls")),
    # surveys (answer): the public answer page, at the short path of surveys.tokens.PUBLIC_PATH
    path("s/<str:token>/", survey_public.answer, name="survey_answer"),
    path("s/<str:token>/thanks/", survey_public.thanks, name="survey_thanks"),
]
