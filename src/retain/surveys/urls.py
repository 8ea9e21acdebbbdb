"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

from django.urls import path

from .views import invitations

app_name = "surveys"

urlpatterns = []

# invite: invitations, the card's form, the QR code of a repair order, a dealer's rules
urlpatterns += [
    path("invitations/", invitations.invitation_list, name="invitations"),
    path("invitations/<int:invitation_id>/", invitations.invitation_detail, name="invitation"),
    path("invitations/<int:invitation_id>/withdraw/", invitations.invitation_withdraw, name="invitation_withdraw"),
    path("customers/<int:customer_id>/invite/", invitations.invite, name="invite"),
    path("customers/<int:customer_id>/invite/form/", invitations.invite_form, name="invite_form"),
    path("customers/<int:customer_id>/repair-qr/", invitations.repair_qr, name="repair_qr"),
    path("staff/invite/", invitations.staff_invite, name="staff_invite"),
    path("rules/", invitations.rules, name="rules"),
]
