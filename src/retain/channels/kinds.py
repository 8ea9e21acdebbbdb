"""The kinds of message a dealer keeps templates for, the variables each knows, and their presets.

A kind is what a caller names as ``template_code`` (``care.birthday``, ``survey.invitation``):
it fixes the purpose (which decides the consent rule) and the variables a template of that kind
may use. Every kind knows ``{customer_name}`` and ``{dealer_name}``, which ``queue_message``
fills in itself; a kind about a car also knows ``{plate}`` and ``{vehicle_model}`` (from the
``vehicle`` passed to ``queue_message``); the rest come from the caller's ``context``.

The presets are the texts a dealer starts from, in every language of the interface: written
here in English and translated through the catalogues like any other string (translators keep
the ``{variables}``; ``tests/channels/test_templates.py`` checks every preset in every
language). ``services.templates.install_presets`` copies them into a dealer's templates; the
demo does the same for its dealers. Surveys, cases and loyalty add their kinds with
``register`` in their ``AppConfig.ready``.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .models import Purpose

#: Variables every kind knows, filled in by ``queue_message``.
COMMON = {"customer_name": _("the customer's name"), "dealer_name": _("the dealer's name")}
#: Variables of a kind about a car, filled in from the vehicle passed to ``queue_message``.
VEHICLE = {"plate": _("the car's plate"), "vehicle_model": _("the car's make and model")}


@dataclass(frozen=True)
class Kind:
    code: str
    purpose: str
    label: str
    subject: str  # the preset subject (e-mail)
    body: str  # the preset text
    about_vehicle: bool = False
    variables: dict = field(default_factory=dict)  # the caller's: name -> what it holds

    @property
    def known(self) -> dict:
        """Every variable a template of this kind may use, with what it holds."""
        return {**COMMON, **(VEHICLE if self.about_vehicle else {}), **self.variables}


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.code in KINDS and KINDS[kind.code] != kind:
        raise ValueError(f"message kind {kind.code!r} is registered twice")
    if kind.purpose not in Purpose.values:
        raise ValueError(f"message kind {kind.code!r}: unknown purpose {kind.purpose!r}")
    KINDS[kind.code] = kind
    return kind


def get(code: str) -> Kind | None:
    return KINDS.get(code)


_DUE_DATE = {"due_date": _("the date it is due")}

#: The care calendar's kinds (DOMAIN.md section 3) and the survey invitation.
PRESETS = (
    Kind("care.birthday", Purpose.MARKETING, _("Birthday greeting"), _("Happy birthday from {dealer_name}"),
         _("Dear {customer_name}, all of us at {dealer_name} wish you a very happy birthday!")),
    Kind("care.festival", Purpose.MARKETING, _("Festival greeting"), _("Happy {festival} from {dealer_name}"),
         _("Dear {customer_name}, {dealer_name} wishes you and your family a happy {festival} and safe travels!"),
         variables={"festival": _("the festival's name")}),
    Kind("care.after_delivery_d1", Purpose.SERVICE, _("After delivery: thank-you (day 1)"),
         _("Thank you for choosing {dealer_name}"),
         _("Dear {customer_name}, thank you for choosing your {vehicle_model} at {dealer_name}. If anything about "
           "the new car needs attention, call us any time."), about_vehicle=True),
    Kind("care.after_delivery_d7", Purpose.SERVICE, _("After delivery: usage check (day 7)"),
         _("How is your new {vehicle_model}?"),
         _("Dear {customer_name}, your {vehicle_model} has been with you for a week: is everything as it should "
           "be? {dealer_name} is happy to help with any question."), about_vehicle=True),
    Kind("care.after_delivery_d30", Purpose.SERVICE, _("After delivery: visit invitation (day 30)"),
         _("A free check for your {vehicle_model}"),
         _("Dear {customer_name}, we invite you back to {dealer_name} for a free check of your {vehicle_model} "
           "({plate})."), about_vehicle=True),
    Kind("care.service_due", Purpose.SERVICE, _("Service due"), _("Your car {plate} is due for service"),
         _("Dear {customer_name}, your car {plate} is due for service around {due_date}. Book your visit at "
           "{dealer_name} ahead of time."), about_vehicle=True, variables=_DUE_DATE),
    Kind("care.insurance_renewal", Purpose.MARKETING, _("Insurance renewal"),
         _("The insurance of {plate} expires on {expiry_date}"),
         _("Dear {customer_name}, the insurance of your car {plate} expires on {expiry_date} ({days_left} days "
           "from now). {dealer_name} can renew it for you."), about_vehicle=True,
         variables={"expiry_date": _("the day the insurance expires"), "days_left": _("days until then")}),
    Kind("care.annual_inspection", Purpose.SERVICE, _("Annual inspection due"),
         _("Periodic inspection of {plate} due by {due_date}"),
         _("Dear {customer_name}, your car {plate} must pass its periodic inspection by {due_date}. "
           "{dealer_name} can arrange it for you."), about_vehicle=True, variables=_DUE_DATE),
    Kind("care.replacement", Purpose.MARKETING, _("Replacement purchase invitation"),
         _("Trade-in offers at {dealer_name}"),
         _("Dear {customer_name}, your {vehicle_model} has been with you for {vehicle_age} years. {dealer_name} "
           "invites you to see our trade-in offers."), about_vehicle=True,
         variables={"vehicle_age": _("the car's age in years")}),
    Kind("care.accident_condolence", Purpose.SERVICE, _("Accident condolence"), _("We hope you are well"),
         _("Dear {customer_name}, we heard your car {plate} was in an accident and hope you are well. "
           "{dealer_name} is ready to help with the claim and the repair."), about_vehicle=True),
    Kind("survey.invitation", Purpose.SURVEY, _("Survey invitation"), _("How was your visit to {dealer_name}?"),
         _("Dear {customer_name}, thank you for visiting {dealer_name}. Please take two minutes to tell us how it "
           "went: {survey_link}"), variables={"survey_link": _("the link to the survey")}),
)
for preset in PRESETS:
    register(preset)
