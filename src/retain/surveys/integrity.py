"""Integrity flags: answers that may have been coached or gamed are kept but not counted until a
manager has looked at them (issue 9, item 4; ``Response.flags``, ``counted``, ``review``).

The flags (``models.Flag``) and their rules, each applied at the final submit:

- **staff_network**: the client address lies in one of the dealer's own networks
  (``SurveySettings.staff_networks``, one CIDR a line). The address is the connection's
  (``REMOTE_ADDR``), as the audit log and the login throttle take it: behind a reverse proxy
  that does not pass the client's address on, every answer comes from the proxy.
- **staff_session**: the answer was sent from a browser signed in as staff (the customer's phone
  handed to the consultant, the consultant answering for the customer) -- except a staff
  survey, which staff answer signed in or not.
- **too_fast**: less than ``SECONDS_PER_ANSWER`` (2) seconds per answered question between the
  moment the form was served and the submit. The page embeds when it served the form as a
  signed stamp (GET writes nothing, so the time cannot be kept in the database); a partial
  save's ``started_at`` counts as well, the earlier of the two is the start. A page post whose
  stamp is missing or does not verify (forged, or made for another link) is flagged too: the
  page always sends a genuine one, so only a script answering without reading posts without it.
  The JSON API has no served form: an API submit is timed from its first partial save, and a
  one-shot API submit is not timed (an integrator's kiosk collects the answers elsewhere).
- **straight_lined**: at least ``STRAIGHT_LINE_ITEMS`` (5) rated item questions (role item)
  answered, all with the same score.
- **second_answer**: another submitted response for the same transaction (repair order, sale).
"""

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.core import signing
from django.utils import timezone

from .models import Audience, Flag, QuestionKind, QuestionRole, Response, SurveySettings

SECONDS_PER_ANSWER = 2
STRAIGHT_LINE_ITEMS = 5
#: Salt of the served-at stamp (so no other signed value of the site passes for one).
_STAMP_SALT = "retain.surveys.served"


@dataclass(frozen=True)
class RequestInfo:
    """What the integrity rules need to know about the request that sent the answers.

    ``stamp`` is the served-at stamp the page posted back ("" if none); ``from_page`` says the
    answers came from the public page (which always sends a stamp), not the JSON API."""

    address: str | None = None
    staff_id: int | None = None
    stamp: str = ""
    from_page: bool = False
    language: str = ""


def request_info(request, *, from_page: bool, stamp: str = "", language: str = "") -> RequestInfo:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return RequestInfo(address=request.META.get("REMOTE_ADDR"), staff_id=user.pk if signed_in else None,
                       stamp=stamp, from_page=from_page, language=language)


# -- the served-at stamp ------------------------------------------------------------------------

def stamp(token_digest: str, now: dt.datetime | None = None) -> str:
    """A signed "served at" for the form of one link (tied to the link: it cannot time another)."""
    now = now or timezone.now()
    return signing.dumps({"l": token_digest[:16], "t": round(now.timestamp(), 3)}, salt=_STAMP_SALT)


def served_at(value: str, token_digest: str) -> dt.datetime | None:
    """When the form was served, if ``value`` is a genuine stamp for this link; else None."""
    if not value or len(value) > 200:
        return None
    try:
        data = signing.loads(value, salt=_STAMP_SALT)
        if data["l"] != token_digest[:16]:
            return None
        return dt.datetime.fromtimestamp(float(data["t"]), tz=dt.UTC)
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None


# -- the rules ----------------------------------------------------------------------------------

def networks(dealer_id: int) -> list:
    """The dealer's own networks; a line that is not a CIDR is skipped (the settings form checks)."""
    text = SurveySettings.objects.filter(dealer_id=dealer_id).values_list("staff_networks", flat=True).first()
    found = []
    for line in (text or "").splitlines():
        try:
            found.append(ipaddress.ip_network(line.strip(), strict=False))
        except ValueError:
            continue
    return found


def in_networks(address: str | None, nets: list) -> bool:
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return False
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in nets)


def too_fast(answered: int, started: dt.datetime | None, submitted: dt.datetime) -> bool:
    """Less than two seconds per answered question since ``started``."""
    if started is None or not answered:
        return False
    return (submitted - started).total_seconds() < SECONDS_PER_ANSWER * answered


def straight_lined(cleaned: dict) -> bool:
    """The same score for every rated item question, when at least five were answered."""
    scores = [c.number for c in cleaned.values()
              if c.question.kind == QuestionKind.RATING and c.question.role == QuestionRole.ITEM
              and c.number is not None]
    return len(scores) >= STRAIGHT_LINE_ITEMS and len(set(scores)) == 1


def flags_for(*, response: Response, cleaned: dict, info: RequestInfo, token_digest: str,
              now: dt.datetime) -> list[str]:
    """The flags of a response about to be submitted (``cleaned``: its answers by code)."""
    found = []
    if in_networks(info.address, networks(response.dealer_id)):
        found.append(Flag.STAFF_NETWORK)
    if info.staff_id is not None and response.survey.audience != Audience.STAFF:
        found.append(Flag.STAFF_SESSION)
    served = served_at(info.stamp, token_digest)
    starts = [moment for moment in (served, response.started_at) if moment is not None]
    answered = sum(1 for c in cleaned.values() if not c.empty)
    if info.from_page and served is None:
        found.append(Flag.TOO_FAST)  # the page always posts a genuine stamp
    elif response.pk is not None or served is not None:
        # A response saved before (a partial save) carries its first save's time.
        if too_fast(answered, min(starts) if starts else None, now):
            found.append(Flag.TOO_FAST)
    if straight_lined(cleaned):
        found.append(Flag.STRAIGHT_LINED)
    if response.transaction_id and Response.objects.filter(
            transaction_id=response.transaction_id, submitted_at__isnull=False).exclude(pk=response.pk).exists():
        found.append(Flag.SECOND_ANSWER)
    return [str(flag) for flag in found]
