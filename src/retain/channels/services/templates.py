"""A dealer's message templates: the presets copied in, and a manager's edits (checked when saved)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from retain.bounds import no_nul
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import kinds, rendering
from ..access import access_template, dealer_in_scope
from ..models import MAX_BODY, MAX_SUBJECT, Template


def preset_rows(dealer_id: int, existing: set[tuple[str, str]] = frozenset()) -> list[Template]:
    """Unsaved templates holding every kind's preset in every language the dealer lacks."""
    rows = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            rows += [Template(dealer_id=dealer_id, code=kind.code, language=language, purpose=kind.purpose,
                              subject=str(kind.subject), body=str(kind.body))
                     for kind in kinds.KINDS.values() if (kind.code, language) not in existing]
    return rows


def install(*, actor, dealer_id: int) -> int:
    """Add the presets the dealer lacks (no permission check: ``queue_message`` calls it for a
    dealer's first message of a kind; ``install_presets`` is the staff's door to it)."""
    existing = set(Template.objects.filter(dealer_id=dealer_id).values_list("code", "language"))
    rows = preset_rows(dealer_id, existing)
    if rows:
        Template.objects.bulk_create(rows, ignore_conflicts=True)  # a concurrent install added the same rows
        audit.record(actor=actor, action=AuditCode.TEMPLATE_INSTALL, object_type="dealer", object_id=dealer_id,
                     dealer_id=dealer_id, after={"templates": sorted(f"{t.code} ({t.language})" for t in rows)})
    return len(rows)


@transaction.atomic
def install_presets(*, actor, dealer_id) -> int:
    """Give a dealer the preset templates it does not have yet; its own texts stay as they are."""
    dealer = dealer_in_scope(actor, Action.MANAGE_TEMPLATES, dealer_id=dealer_id)
    return install(actor=actor, dealer_id=dealer.pk)


def check_text(kind_code: str, *, subject: str, body: str) -> None:
    """Refuse a subject or text that does not parse, uses a variable the kind does not know,
    is too long or holds NUL characters, naming the field and the problem."""
    kind = kinds.get(kind_code)
    known = kind.known if kind else kinds.COMMON
    errors = {}
    for field, text, limit in (("subject", subject, MAX_SUBJECT), ("body", body, MAX_BODY)):
        if len(text) > limit:
            errors[field] = _("Use at most %(n)d characters.") % {"n": limit}
            continue
        try:
            no_nul(text)
            rendering.check(text, known)
        except (ValidationError, rendering.TemplateSyntaxError) as exc:
            errors[field] = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
    if not body.strip() and "body" not in errors:
        errors["body"] = _("Write the text of the message.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def update_template(*, actor, template_id, subject: str, body: str) -> Template:
    """Change a dealer's text of one kind in one language (the variables are checked now)."""
    template = access_template(actor, template_id, for_update=True)
    subject, body = (subject or "").strip(), (body or "").strip()
    check_text(template.code, subject=subject, body=body)
    before = {"subject": template.subject, "body": template.body}
    if before == {"subject": subject, "body": body}:
        return template
    template.subject, template.body, template.updated_by = subject, body, actor
    template.save()
    audit.record(actor=actor, action=AuditCode.TEMPLATE_UPDATE, obj=template, before=before,
                 after={"subject": subject, "body": body}, note=f"{template.code} ({template.language})")
    return template
