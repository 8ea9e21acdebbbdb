"""Message pages: the outbox, one message, the templates, a dealer's channel settings and the
user's own notices. Thin:
parse, call the door or a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import access_customer
from retain.org.policy import Action, allowed, dealers_in_scope, refusal
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, fold_form, form_errors_as_messages

from . import kinds, rules
from .access import access_message, access_template, dealer_in_scope, my_notices, visible_messages, visible_templates
from .forms import OutboxFilterForm, SettingsForm, TemplateForm, WriteForm
from .models import Channel, MessageStatus, settings_for
from .services import notices, outbox, templates, write_message
from .services.settings import FIELDS, update_settings

PAGE_SIZE = 25


@login_required
def outbox_list(request):
    """Messages in the user's scope, newest first, filtered by status, purpose and channel."""
    if not allowed(request.user, Action.VIEW_MESSAGES):
        raise PermissionDenied(refusal(Action.VIEW_MESSAGES))
    form = OutboxFilterForm(request.GET or None, actor=request.user)
    found = visible_messages(request.user)
    if form.is_bound and not form.is_valid():
        found = found.none()
    elif form.is_bound:
        chosen = {name: value for name, value in form.cleaned_data.items() if value not in ("", None)}
        lookups = {"status": "status", "purpose": "purpose", "channel": "channel", "dealer": "dealer_id",
                   "customer": "customer_id"}
        found = found.filter(**{lookups[name]: value for name, value in chosen.items()})
    page = keyset_page(found.select_related("customer", "dealer").defer("customer__national_id"), after=request.GET.get("after"),
                       before=request.GET.get("before"), size=PAGE_SIZE, ordering=["-id"])
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "channels/outbox.html", {
        "form": form, "page": page, "query": query.urlencode(), "queued": MessageStatus.QUEUED,
        "outbox": Channel.OUTBOX, "can_send": allowed(request.user, Action.SEND_MESSAGES),
        "several_dealers": "dealer" in form.fields,
    }, status=200 if not form.is_bound or form.is_valid() else 422)


@login_required
def message_detail(request, message_id):
    """One message: its text, where it went, its tries and errors, why it was suppressed."""
    message = access_message(request.user, message_id)
    may_send = visible_messages(request.user, Action.SEND_MESSAGES).filter(pk=message.pk).exists()
    waiting = message.status == MessageStatus.QUEUED and message.channel == Channel.OUTBOX
    settings = settings_for(message.dealer_id)
    now = timezone.now()
    # What the rules would say if it were sent now (read only: a GET changes nothing).
    verdict = rules.suppression_reason(message.customer, message.purpose, message.channel, settings, now,
                                       message) if waiting else None
    return render(request, "channels/message.html", {
        "message": message, "attempts": message.delivery_attempts.all(), "may_send": may_send,
        "waiting": waiting, "verdict": verdict, "quiet_until": rules.quiet_until(settings, now) if waiting else None,
        "dead": message.status == MessageStatus.DEAD,
    })


def _back(request, message_id):
    target = request.POST.get("next", "")
    return redirect(target) if target.startswith("/channels/") else redirect("channels:message", message_id=message_id)


@login_required
@require_POST
def message_sent(request, message_id):
    """Mark an outbox message as sent by hand (after the rules are applied again)."""
    try:
        message = outbox.mark_sent(actor=request.user, message_id=message_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _back(request, message_id)
    if message.status == MessageStatus.SUPPRESSED:
        messages.warning(request, _("Not sent: %(reason)s. Do not send this message.")
                         % {"reason": message.suppression_reason})
    else:
        messages.success(request, _("Marked as sent."))
    return _back(request, message_id)


@login_required
@require_POST
def message_retry(request, message_id):
    try:
        outbox.retry(actor=request.user, message_id=message_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Queued again."))
    return redirect("channels:message", message_id=message_id)


@login_required
def customer_write_form(request, customer_id):
    """The card's one-off message form, fetched when its fold opens."""
    customer = access_customer(request.user, customer_id, Action.SEND_MESSAGES)
    return fold_form(request, title=_("Write a message"), form=WriteForm(), submit=_("Queue"),
                     target=reverse("channels:write", args=[customer.pk]),
                     back_url=reverse("customers:card", args=[customer.pk]), back_label=customer.name)


@login_required
@require_POST
def customer_write(request, customer_id):
    """The card's one-off message: queued through the same rules as any other."""
    customer = access_customer(request.user, customer_id)
    form = WriteForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect("customers:card", customer_id=customer.pk)
    try:
        message = write_message(actor=request.user, customer_id=customer.pk, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:card", customer_id=customer.pk)
    if message.status == MessageStatus.SUPPRESSED:
        messages.warning(request, _("Not sent: %(reason)s.") % {"reason": message.suppression_reason})
    else:
        messages.success(request, _("Message queued."))
    return redirect("channels:message", message_id=message.pk)


def _chosen_dealer(request, action):
    """The dealer named by ``?dealer=CODE`` (404 outside scope), else the user's own or the first."""
    code = request.GET.get("dealer")
    if code:
        return dealer_in_scope(request.user, action, code=code)
    dealers = dealers_in_scope(request.user, action)
    if not dealers.exists():
        raise PermissionDenied(refusal(action))
    return dealers.filter(pk=request.user.dealer_id).first() or dealers.order_by("code").first()


@login_required
def template_list(request):
    """A dealer's templates, per kind and language; the presets it lacks can be added."""
    dealer = _chosen_dealer(request, Action.MANAGE_TEMPLATES)
    if request.method == "POST":
        added = templates.install_presets(actor=request.user, dealer_id=dealer.pk)
        messages.success(request, _("%(n)d preset templates added.") % {"n": added})
        return redirect(f"{request.path}?dealer={dealer.code}")
    rows = visible_templates(request.user).filter(dealer=dealer)
    present = {(t.code, t.language) for t in rows}
    missing = len(templates.preset_rows(dealer.pk, present))
    dealers = dealers_in_scope(request.user, Action.MANAGE_TEMPLATES).order_by("code")
    return render(request, "channels/templates.html", {
        "dealer": dealer, "dealers": dealers if dealers.count() > 1 else None, "missing": missing,
        "rows": [(t, kinds.get(t.code)) for t in rows],
    })


@login_required
def template_edit(request, template_id):
    template = access_template(request.user, template_id)
    form = TemplateForm(request.POST or None, initial={"subject": template.subject, "body": template.body})
    if request.method == "POST" and form.is_valid():
        try:
            templates.update_template(actor=request.user, template_id=template.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Template saved."))
            return redirect(f"{reverse('channels:templates')}?dealer={template.dealer.code}")
    kind = kinds.get(template.code)
    return render(request, "channels/template_edit.html", {
        "template": template, "kind": kind, "form": form,
        "variables": sorted((kind.known if kind else kinds.COMMON).items()),
    }, status=422 if form.errors else 200)


@login_required
def channel_settings(request):
    """A dealer's channels and send-time rules; the dealer's general manager (and above) sets them."""
    dealer = _chosen_dealer(request, Action.SET_CHANNELS)
    current = settings_for(dealer.pk)
    form = SettingsForm(request.POST or None, initial={name: getattr(current, name) for name in FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            update_settings(actor=request.user, dealer_id=dealer.pk, **form.values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect(f"{request.path}?dealer={dealer.code}")
    dealers = dealers_in_scope(request.user, Action.SET_CHANNELS).order_by("code")
    return render(request, "channels/settings.html", {
        "dealer": dealer, "dealers": dealers if dealers.count() > 1 else None, "form": form,
        "has_secret": bool(current.webhook_secret), "saved": current.pk is not None,
    }, status=422 if form.errors else 200)


@login_required
def notice_list(request):
    """The user's notices from the system (a case escalated to them, ...), newest first, the
    unread marked; opening the list changes nothing (marking read is a POST)."""
    page = keyset_page(my_notices(request.user), after=request.GET.get("after"), before=request.GET.get("before"),
                       size=PAGE_SIZE, ordering=["-created_at", "-id"])
    return render(request, "channels/notices.html", {"page": page})


@login_required
@require_POST
def notices_read(request):
    """Mark one notice (``notice``) or all of the user's notices read."""
    chosen = request.POST.get("notice", "")
    ids = [int(chosen)] if chosen.isdigit() and len(chosen) < 12 else None
    notices.mark_read(actor=request.user, notice_ids=ids)
    return redirect("channels:notices")
