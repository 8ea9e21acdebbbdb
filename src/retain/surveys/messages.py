"""The survey reminder, a kind of message of the channels app (registered in ``SurveysConfig.ready``;
the invitation's kind, ``survey.invitation``, is one of the channels' own presets)."""

from django.utils.translation import gettext_lazy as _

from retain.channels.kinds import Kind
from retain.channels.models import Purpose

REMINDER = Kind(
    "survey.reminder", Purpose.SURVEY, _("Survey reminder"), _("A reminder from {dealer_name}"),
    _("Dear {customer_name}, a few days ago {dealer_name} asked how your visit went. If you have two minutes, "
      "your answer helps us do better: {survey_link}"),
    variables={"survey_link": _("the link to the survey")})
