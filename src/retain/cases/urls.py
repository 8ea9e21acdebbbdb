"""The cases pages' addresses, in one place (the views hold no urlpatterns)."""

from django.urls import path

from .views import blacklist

app_name = "cases"

urlpatterns = [
    # blacklist
    path("blacklist/", blacklist.blacklist_list, name="blacklist"),
    path("blacklist/propose/<int:customer_id>/", blacklist.blacklist_propose, name="blacklist_propose"),
    path("blacklist/<int:entry_id>/", blacklist.blacklist_entry, name="blacklist_entry"),
    path("blacklist/<int:entry_id>/decide/", blacklist.blacklist_decide, name="blacklist_decide"),
    path("blacklist/<int:entry_id>/lift/", blacklist.blacklist_lift, name="blacklist_lift"),
]
