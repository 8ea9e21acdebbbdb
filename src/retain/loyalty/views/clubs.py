"""The referral and club pages: the influence centres (ranked referrers, with what the GM does
next: a care task to thank or nurture them, an invitation into a club, the export), recording a
referral on a customer, a member's referral code, the owners' clubs and one club (members, events,
attendance). Thin: parse the form, call ``services.referrals`` / ``services.clubs``, render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.care.services import tasks as care_tasks
from retain.customers.access import access_customer
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column, export_table
from retain.org.policy import Action, allowed, dealers_in_scope, require
from retain.sales.models import Prospect
from retain.web.pages import apply_errors, form_errors_as_messages

from ..forms import ClubForm, EventForm, JoinForm, MembersForm, PeriodForm, ReferralForm, ThankForm
from ..services import clubs, referrals


def _period(request):
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    start, end = referrals.period(data.get("start"), data.get("end"))
    return form, data.get("dealer"), start, end


@login_required
def influence(request, export: str | None = None):
    """A dealer's influence centres: owners ranked by referrals won in the period."""
    require(request.user, Action.VIEW_REFERRALS)
    form, dealer_id, start, end = None, None, None, None
    try:
        form, dealer_id, start, end = _period(request)
    except ValidationError as exc:
        form = PeriodForm(request.GET)
        apply_errors(form, exc)
        start, end = referrals.period()
    dealer = referrals.dealer_for(request.user, dealer_id)
    rows = referrals.influence_centres(request.user, dealer=dealer, start=start, end=end)
    if export:
        require(request.user, Action.EXPORT)
        columns = [Column("rank", _("Rank")), Column("customer", _("Car owner")), Column("referred", _("Referred")),
                   Column("won", _("Took delivery")), Column("conversion", _("Conversion")),
                   Column("low", _("Lower bound (95%)")), Column("high", _("Upper bound (95%)")),
                   Column("points", _("Points earned"))]
        lines = ([r["rank"], r["customer"].name, r["referred"], r["won"], round(r["conversion"], 4),
                  round(r["low"], 4), round(r["high"], 4), r["points"]] for r in rows)
        return export_table(file_format=export, actor=request.user, action=AuditCode.REFERRAL_EXPORT,
                            object_type="referral", dealer_id=dealer.pk,
                            filters={"dealer": dealer.pk, "start": start.isoformat(), "end": end.isoformat()},
                            columns=columns, rows=lines, count=len(rows),
                            stem=f"influence-centres-{dealer.code}-{start:%Y%m%d}-{end:%Y%m%d}",
                            sheet_title=_("Influence centres")).response()
    dealers = dealers_in_scope(request.user, Action.VIEW_REFERRALS).order_by("code")
    return render(request, "loyalty/influence.html", {
        "form": form, "dealer": dealer, "dealers": dealers, "start": start, "end": end, "rows": rows,
        "may_thank": allowed(request.user, Action.WORK_TASKS),
        "clubs": list(clubs.visible_clubs(request.user).filter(dealer=dealer)) if allowed(
            request.user, Action.MANAGE_CLUBS) else [],
        "may_export": allowed(request.user, Action.EXPORT),
        "thank_form": ThankForm(initial={"due_on": timezone.localdate() + dt.timedelta(days=3),
                                         "notes": _("Thank them for the friends they brought, and ask how we can "
                                                    "serve them and their friends better.")}),
        "query": request.GET.urlencode()})


def _back_to_influence(request):
    return redirect(request.POST.get("next") or reverse("loyalty:influence"))


@login_required
@require_POST
def influence_thank(request, customer_id):
    """A care task on the referrer (to thank or nurture them), through the care app's service."""
    form = ThankForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back_to_influence(request)
    try:
        care_tasks.create_task(actor=request.user, customer_id=customer_id, due_on=form.cleaned_data["due_on"],
                               notes=form.cleaned_data["notes"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Care task created."))
    return _back_to_influence(request)


@login_required
@require_POST
def influence_join(request, customer_id):
    """Invite a referrer into one of the dealer's clubs (they join it)."""
    form = JoinForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back_to_influence(request)
    try:
        clubs.add_members(actor=request.user, club_id=form.cleaned_data["club"], customer_ids=[customer_id])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Added to the club."))
    return _back_to_influence(request)


@login_required
def referral_record(request, customer_id):
    """Record who referred this customer: the referrer's code, or their customer number."""
    customer = access_customer(request.user, customer_id, Action.RECORD_REFERRALS)
    prospects = Prospect.objects.filter(customer=customer).order_by("-first_contact", "-id")[:20]
    form = ReferralForm(request.POST or None, prospects=prospects)
    if request.method == "POST" and form.is_valid():
        try:
            referrals.record_referral(actor=request.user, customer_id=customer.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("customers:card", customer_id=customer.pk)
    return render(request, "loyalty/referral.html", {"form": form, "customer": customer},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def referral_code(request, customer_id):
    """Give the member their referral code (the same one if they have it)."""
    made = referrals.referral_code(actor=request.user, customer_id=customer_id)
    messages.success(request, _("Referral code: %(code)s") % {"code": made.code})
    return redirect(reverse("customers:card", args=[customer_id]) + "#referrals")


@login_required
def club_list(request):
    """The owners' clubs in sight, and a new club for those who manage them."""
    form = ClubForm(request.POST or None)
    managed = dealers_in_scope(request.user, Action.MANAGE_CLUBS).order_by("code")
    if request.method == "POST":
        require(request.user, Action.MANAGE_CLUBS)
        if form.is_valid():
            try:
                club = clubs.create_club(actor=request.user, dealer_id=form.cleaned_data["dealer"],
                                         name=form.cleaned_data["name"],
                                         vehicle_model=form.cleaned_data["vehicle_model"])
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Club created."))
                return redirect("loyalty:club", club_id=club.pk)
    return render(request, "loyalty/clubs.html", {"clubs": clubs.clubs_overview(request.user), "form": form,
                                                  "managed": managed}, status=422 if form.errors else 200)


def _club_page(request, club, *, forms=None, status=200):
    may_manage = allowed(request.user, Action.MANAGE_CLUBS) and dealers_in_scope(
        request.user, Action.MANAGE_CLUBS).filter(pk=club.dealer_id).exists()
    forms = {"members_form": MembersForm(), "event_form": EventForm(), **(forms or {})}
    members = clubs.active_members(club).select_related("customer").order_by("joined_on", "id")
    events = clubs.club_events(club)
    attended = {}
    for invitation in clubs.Invitation.objects.filter(event__club_link__club=club).select_related("customer"):
        attended.setdefault(invitation.event_id, []).append(invitation)
    for row in events:
        row["invitations"] = sorted(attended.get(row["event"].pk, []), key=lambda i: i.customer.name)
    return render(request, "loyalty/club.html", {
        "club": club, "members": members, "events": events, "attendance": clubs.attendance(club),
        "may_manage": may_manage, "today": timezone.localdate(), **forms}, status=status)


@login_required
def club_detail(request, club_id):
    return _club_page(request, clubs.access_club(request.user, club_id))


@login_required
@require_POST
def club_members(request, club_id):
    club = clubs.access_club(request.user, club_id, Action.MANAGE_CLUBS)
    form = MembersForm(request.POST)
    if form.is_valid():
        try:
            done = clubs.add_members(actor=request.user, club_id=club.pk, customer_ids=form.cleaned_data["customer_ids"],
                                     joined_on=form.cleaned_data["joined_on"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("%(n)s joined the club.") % {"n": len(done["joined"])})
            return redirect("loyalty:club", club_id=club.pk)
    return _club_page(request, club, forms={"members_form": form}, status=422)


@login_required
@require_POST
def club_leave(request, club_id, customer_id):
    club = clubs.access_club(request.user, club_id, Action.MANAGE_CLUBS)
    try:
        clubs.remove_member(actor=request.user, club_id=club.pk, customer_id=customer_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The member left the club."))
    return redirect("loyalty:club", club_id=club.pk)


@login_required
@require_POST
def club_event(request, club_id):
    club = clubs.access_club(request.user, club_id, Action.MANAGE_CLUBS)
    form = EventForm(request.POST)
    if form.is_valid():
        try:
            made = clubs.create_club_event(actor=request.user, club_id=club.pk, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Event created; %(n)s members invited.") % {"n": len(made["invited"])})
            return redirect("loyalty:club", club_id=club.pk)
    return _club_page(request, club, forms={"event_form": form}, status=422)


@login_required
@require_POST
def club_attend(request, club_id, event_id, customer_id):
    club = clubs.access_club(request.user, club_id, Action.MANAGE_CLUBS)
    try:
        clubs.record_attendance(actor=request.user, club_id=club.pk, event_id=event_id, customer_id=customer_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Attendance recorded."))
    return redirect("loyalty:club", club_id=club.pk)
