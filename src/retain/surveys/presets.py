"""The seven preset surveys a dealer group starts from (DOMAIN.md sections 5 and 9; seed 000).

Codes are a contract: integrators, the analysis pages and the demo read answers by question
code, across versions (``docs/surveys.md`` lists them; ``tests/surveys/test_presets.py`` checks
that page against this module). Texts are written here in English and translated through the
catalogues like any other string: ``install`` renders each one under every language of the site
and stores ``{"zh-hans": …, "en": …}``, so the zh wording lives in the zh catalogue and follows
``docs/glossary.md``. Once installed, a survey's texts are the dealer's: editing the catalogue
later does not change a survey already installed.

- ``css_sales``: the sales CSS items and outcomes (DOMAIN section 5), equal CSI weights
  (``retain.analytics.csi.sales_css_weights``);
- ``css_after_sales``: the eight after-sales items with the seed's weights (19/17/14/12/11/11/8/8
  per cent), overall satisfaction, the NPS question, a 100-point importance allocation over the
  eight items (stated importance for the quadrant) and a comment;
- ``nps``: relational NPS with the reason for the score;
- ``loyalty``: the five "definitely will" questions (seed 000), 1-5;
- ``touchpoint``: one 1-10 rating per step of the customer journey, in journey order (DOMAIN
  section 9), none required: the customer rates what they lived through;
- ``kano``: functional / dysfunctional pairs for five candidate service features;
- ``staff``: the sales CSS items rated by the staff member about their own work (the seeds'
  first rollout step: staff assess themselves before customers are asked).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from retain.analytics.csi import sales_css_weights

from .models import Audience, QuestionKind, QuestionRole, Survey, SurveyKind


@dataclass(frozen=True)
class Option:
    """A choice, an allocation item or one side of a Kano pair."""

    code: str
    text: str


@dataclass(frozen=True)
class PresetQuestion:
    code: str
    kind: str
    role: str
    text: str
    required: bool = True
    scale: tuple[int, int] | None = None
    labels: tuple[str, str] | None = None
    weight: float | None = None
    touchpoint: str = ""
    choices: tuple[Option, ...] = ()
    items: tuple[Option, ...] = ()


@dataclass(frozen=True)
class Preset:
    code: str
    kind: str
    name: str
    intro: str
    questions: tuple[PresetQuestion, ...] = field(default_factory=tuple)
    audience: str = Audience.CUSTOMERS

    def codes(self) -> list[str]:
        return [question.code for question in self.questions]


# -- the scales' end labels -------------------------------------------------------------------

SATISFIED = (_("Very dissatisfied"), _("Very satisfied"))
LIKELY = (_("Not at all likely"), _("Extremely likely"))
COMPARED = (_("Much worse"), _("Much better"))
DEFINITELY = (_("Definitely will not"), _("Definitely will"))
SELF = (_("Very poor"), _("Excellent"))

RECOMMEND_DEALER = _("How likely are you to recommend this dealer to a friend or colleague?")


def _rating(code, text, *, role=QuestionRole.ITEM, scale=(1, 10), labels=SATISFIED, **extra) -> PresetQuestion:
    return PresetQuestion(code, QuestionKind.RATING, role, text, scale=scale, labels=labels, **extra)


def _nps(code="recommend", text=RECOMMEND_DEALER) -> PresetQuestion:
    return PresetQuestion(code, QuestionKind.NPS, QuestionRole.OUTCOME, text, scale=(0, 10), labels=LIKELY)


def _comment(text, code="comment") -> PresetQuestion:
    return PresetQuestion(code, QuestionKind.TEXT, QuestionRole.REASON, text, required=False)


# -- sales CSS (DOMAIN section 5) ---------------------------------------------------------------

SALES_ITEMS = (
    ("attitude", _("How satisfied are you with the sales consultant's attitude?")),
    ("product_knowledge", _("How satisfied are you with the sales consultant's product knowledge?")),
    ("needs_advised", _("How satisfied are you with how the sales consultant asked about the equipment and "
                        "accessories you needed, and advised you?")),
    ("test_drive_offered", _("How satisfied are you with how the sales consultant offered you a test drive?")),
    ("pleasant_delivery", _("How satisfied are you with the delivery of your car as a whole?")),
    ("contacted_after", _("How satisfied are you with how we contacted you after the delivery to ask whether "
                          "you are happy with the car?")),
    ("advisor_introduced", _("How satisfied are you with how we introduced your service advisor and gave you "
                             "their contact details?")),
)
_SALES_WEIGHTS = sales_css_weights([code for code, _text in SALES_ITEMS])

CSS_SALES = Preset(
    "css_sales", SurveyKind.CSS_SALES, _("Sales satisfaction survey (CSS)"),
    _("Thank you for buying your car with us. Your answers help us serve you better; they take about two "
      "minutes."),
    (
        *(_rating(code, text, weight=_SALES_WEIGHTS[code]) for code, text in SALES_ITEMS),
        _rating("revisit", _("How likely are you to come back to this dealer?"), role=QuestionRole.OUTCOME,
                labels=LIKELY),
        _rating("overall", _("Overall, how satisfied are you with this dealer?"), role=QuestionRole.OUTCOME),
        _rating("relative_advantage", _("Compared with other dealers, how would you rate this dealer?"),
                role=QuestionRole.OUTCOME, labels=COMPARED),
        _nps(),
        _comment(_("Is there anything else you would like to tell us?")),
    ),
)

# -- after-sales CSS, with the seed's weights ---------------------------------------------------

AFTER_SALES_ITEMS = (
    # code, weight, the question, the item's short name (the importance allocation)
    ("fixed_first_time", 0.19, _("How satisfied are you that the work was done right the first time?"),
     _("Work done right the first time")),
    ("no_rework", 0.17, _("How satisfied are you that your car did not have to come back for the same problem?"),
     _("No return for the same problem")),
    ("value", 0.14, _("How satisfied are you with the value for money of the service?"), _("Value for money")),
    ("friendliness", 0.12, _("How satisfied are you with the friendliness of our staff?"), _("Friendly staff")),
    ("explained_why", 0.11, _("How satisfied are you with how we explained why the work was needed?"),
     _("Explained why the work was needed")),
    ("listened", 0.11, _("How satisfied are you with how we listened to your requests and answered your "
                         "questions?"), _("Listened and answered")),
    ("explained_invoice", 0.08, _("How satisfied are you with how we explained the invoice?"),
     _("Explained the invoice")),
    ("returned_clean", 0.08, _("How satisfied are you with how clean your car was when we returned it?"),
     _("Car returned clean")),
)

CSS_AFTER_SALES = Preset(
    "css_after_sales", SurveyKind.CSS_AFTER_SALES, _("After-sales satisfaction survey (CSS)"),
    _("Thank you for visiting our service department. Your answers help us serve you better; they take about "
      "two minutes."),
    (
        *(_rating(code, text, weight=weight) for code, weight, text, _name in AFTER_SALES_ITEMS),
        _rating("overall", _("Overall, how satisfied are you with this visit to our service department?"),
                role=QuestionRole.OUTCOME),
        _nps(),
        PresetQuestion("importance", QuestionKind.ALLOCATION, QuestionRole.OTHER,
                       _("Share 100 points across these aspects according to how much each matters to you."),
                       required=False, items=tuple(Option(code, name) for code, _w, _t, name in AFTER_SALES_ITEMS)),
        _comment(_("Is there anything else you would like to tell us?")),
    ),
)

# -- relational NPS -----------------------------------------------------------------------------

NPS = Preset(
    "nps", SurveyKind.NPS, _("Relational NPS survey"),
    _("One question, and the reason for your answer if you wish."),
    (_nps(), _comment(_("What is the main reason for your score?"), code="reason")),
)

# -- dealer loyalty: the five "definitely will" questions (seed 000) ------------------------------

LOYALTY = Preset(
    "loyalty", SurveyKind.LOYALTY, _("Dealer loyalty survey"),
    _("Five short questions about what you plan to do."),
    tuple(_rating(code, text, role=QuestionRole.OUTCOME, scale=(1, 5), labels=DEFINITELY) for code, text in (
        ("recommend_dealer", _("Will you recommend this dealer to others?")),
        ("buy_again_dealer", _("Will you buy your next car from this dealer?")),
        ("service_at_dealer", _("Will you have your car serviced at the dealer that sold it to you?")),
        ("recommend_make", _("Will you recommend this make to others?")),
        ("buy_again_make", _("Will you buy this make again?")),
    )),
)

# -- touchpoints, in journey order (DOMAIN section 9) ---------------------------------------------

TOUCHPOINTS = (
    ("first_contact", _("How satisfied were you with your first contact with us (by phone, online or in "
                        "person)?")),
    ("showroom", _("How satisfied were you with your visit to our showroom?")),
    ("test_drive", _("How satisfied were you with the test drive?")),
    ("negotiation", _("How satisfied were you with the price negotiation and the contract?")),
    ("delivery", _("How satisfied were you with the delivery of your car?")),
    ("first_service", _("How satisfied were you with your car's first service?")),
    ("repair", _("How satisfied were you with repairs at our service department?")),
    ("complaint", _("How satisfied were you with how we handled your complaint?")),
    ("renewal", _("How satisfied were you with renewing your insurance or buying your next car with us?")),
)

TOUCHPOINT = Preset(
    "touchpoint", SurveyKind.TOUCHPOINT, _("Customer experience by touchpoint"),
    _("Rate only the steps you have been through with us; leave the others blank."),
    tuple(_rating(f"tp_{step}", text, role=QuestionRole.TOUCHPOINT, touchpoint=step, required=False)
          for step, text in TOUCHPOINTS),
)

# -- Kano: candidate service features -----------------------------------------------------------

KANO_SIDES = (
    Option("functional", _("How would you feel if the dealer offered this?")),
    Option("dysfunctional", _("How would you feel if the dealer did not offer this?")),
)

KANO = Preset(
    "kano", SurveyKind.KANO, _("Kano study of service features"),
    _("For each service, tell us how you would feel if we offered it, and if we did not."),
    tuple(PresetQuestion(code, QuestionKind.KANO, QuestionRole.ITEM, text, items=KANO_SIDES) for code, text in (
        ("kano_pickup", _("Pick-up of your car from your home or office, and its return after the service")),
        ("kano_online_booking", _("Booking a service online")),
        ("kano_video_diagnosis", _("A video of the diagnosis of your car sent to your phone")),
        ("kano_loaner_car", _("A loaner car while yours is in the workshop")),
        ("kano_lounge", _("A comfortable customer lounge with Wi-Fi and drinks")),
    )),
)

# -- staff self-assessment: the sales items about one's own work -------------------------------

STAFF = Preset(
    "staff", SurveyKind.STAFF, _("Staff self-assessment"),
    _("Rate your own work honestly: your answers are compared with your customers' and are not a test."),
    (
        *(_rating(code, text, labels=SELF) for code, text in (
            ("attitude", _("How would you rate your own attitude towards customers?")),
            ("product_knowledge", _("How would you rate your own product knowledge?")),
            ("needs_advised", _("How well do you ask customers about the equipment and accessories they need, "
                                "and advise them?")),
            ("test_drive_offered", _("How consistently do you offer customers a test drive?")),
            ("pleasant_delivery", _("How pleasant do you make the delivery of the car for your customers?")),
            ("contacted_after", _("How well do you contact customers after the delivery to ask whether they are "
                                  "happy with the car?")),
            ("advisor_introduced", _("How well do you introduce customers to their service advisor and give "
                                     "them the contact details?")),
        )),
        _comment(_("What would help you serve customers better?")),
    ),
    audience=Audience.STAFF,
)

#: Preset code -> definition, in the order the survey list shows them.
PRESETS: dict[str, Preset] = {preset.code: preset for preset in (
    CSS_SALES, CSS_AFTER_SALES, NPS, LOYALTY, TOUCHPOINT, KANO, STAFF)}


# -- installing ----------------------------------------------------------------------------------

def texts(message) -> dict[str, str]:
    """A translatable string rendered in every language of the site: ``{"zh-hans": …, "en": …}``."""
    rendered = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rendered[language] = str(message)
    return rendered


def _options(options) -> list[dict]:
    return [{"code": option.code, "text": texts(option.text)} for option in options]


def question_rows(preset: Preset) -> list[dict]:
    """The preset's questions as the canonical question dicts (``surveys.definitions``), texts in
    every language."""
    rows = []
    for position, question in enumerate(preset.questions, start=1):
        low, high = question.labels or (None, None)
        rows.append({
            "position": position, "code": question.code, "kind": question.kind, "role": question.role,
            "text": texts(question.text), "required": question.required,
            "scale_min": question.scale[0] if question.scale else None,
            "scale_max": question.scale[1] if question.scale else None,
            "low_label": texts(low) if low else {}, "high_label": texts(high) if high else {},
            "choices": _options(question.choices), "items": _options(question.items),
            "weight": question.weight, "touchpoint": question.touchpoint,
        })
    return rows


def install(group, *, dealer=None, actor=None) -> list[Survey]:
    """Every preset as a survey of the group (``dealer`` None: used by each dealer without a copy
    of its own) or of one dealer, once: a preset the owner already has (by its ``preset`` code,
    active or not) is left as it is. Answers the owner's preset surveys, in ``PRESETS`` order.

    No permission check and no audit row (the demo and tests call it; staff go through
    ``services.definitions.install_presets``, which audits); the writing is the service's."""
    from .services.definitions import install_unchecked

    return install_unchecked(actor=actor, group=group, dealer=dealer)
