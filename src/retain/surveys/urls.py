"""The surveys app's pages (the public answer page is routed at the project's root: ``/s/``)."""

from django.urls import path

from .views import analysis, definitions, invitations, reviews

app_name = "surveys"

urlpatterns = [
    # definitions (defs)
    path("", definitions.survey_list, name="list"),
    path("presets/", definitions.install_presets, name="install_presets"),
    path("<int:survey_id>/", definitions.survey_detail, name="survey"),
    path("<int:survey_id>/edit/", definitions.survey_edit, name="edit"),
    path("<int:survey_id>/copy/", definitions.survey_copy, name="copy"),
    path("<int:survey_id>/active/", definitions.survey_active, name="active"),
    path("<int:survey_id>/versions/<int:number>/", definitions.version_detail, name="version"),
]

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

# analysis: the results pages and their downloads
urlpatterns += [
    path("results/", analysis.overview, name="results"),
    *[path(f"results/{key}/", analysis.results_page, {"page": key}, name=f"results_{key}") for key in analysis.PAGES],
    *[path(f"results/{key}/export.xlsx", analysis.results_export, {"page": key}, name=f"results_{key}_export")
      for key in analysis.PAGES],
    # answer: reviews of flagged answers
    path("reviews/", reviews.review_list, name="reviews"),
    path("reviews/<int:response_id>/", reviews.review_response, name="review"),
]
