from django.urls import path

from . import views

app_name = "channels"
urlpatterns = [
    path("outbox/", views.outbox_list, name="outbox"),
    path("messages/<int:message_id>/", views.message_detail, name="message"),
    path("messages/<int:message_id>/sent/", views.message_sent, name="message_sent"),
    path("messages/<int:message_id>/retry/", views.message_retry, name="message_retry"),
    path("customers/<int:customer_id>/write/", views.customer_write, name="write"),
    path("customers/<int:customer_id>/write/form/", views.customer_write_form, name="write_form"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:template_id>/", views.template_edit, name="template"),
    path("settings/", views.channel_settings, name="settings"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
]
