"""Month-to-date figures per dealer (retain.sales.figures): counted right, shared through the
cache, and said to be as old as they are."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from retain.sales import figures, services
from retain.sales.models import ShowroomVisit
from tests.conftest import make_customer


def _visit(org, dealer, outcome, when):
    ShowroomVisit.objects.create(dealer=dealer, arrived_at=when, kind="walk_in", source="walk_in", outcome=outcome,
                                 recorded_by=org.staff["dealer_gm"])


def test_figures_count_each_dealer_apart(org):
    today = timezone.localdate()
    now = timezone.now()
    _visit(org, org.d1, "just_looking", now)
    _visit(org, org.d1, "service", now)  # an after-sales visit is not a walk-in
    _visit(org, org.d2, "just_looking", now)
    last_month = timezone.make_aware(dt.datetime.combine(today.replace(day=1) - dt.timedelta(days=3), dt.time(10)))
    _visit(org, org.d2, "just_looking", last_month)
    consultant = org.staff["consultant"]
    for i, late in enumerate((0, 10)):
        c = make_customer(dealer=org.d1, owner=consultant, name=f"客户{i}")
        services.open_prospect(actor=consultant, customer_id=c.pk, grade="H", model_of_interest="朗逸",
                               source="walk_in", first_contact=today - dt.timedelta(days=late))
    counted, as_of = figures.dealer_figures([org.d1.pk, org.d2.pk, org.d3.pk], today)
    assert counted[org.d1.pk]["walk_ins"] == 1 and counted[org.d2.pk]["walk_ins"] == 1
    assert counted[org.d1.pk]["open"] == 2 and counted[org.d1.pk]["overdue"] == 1
    new_this_month = sum(1 for late in (0, 10) if today - dt.timedelta(days=late) >= today.replace(day=1))
    assert counted[org.d1.pk]["new_prospects"] == new_this_month
    assert counted[org.d3.pk] == dict.fromkeys(figures.FIELDS, 0) | {"as_of": counted[org.d3.pk]["as_of"]}
    assert as_of <= timezone.now()


def test_figures_are_kept_per_dealer_and_day_then_counted_again(org):
    today = timezone.localdate()
    first, _ = figures.dealer_figures([org.d1.pk], today)
    _visit(org, org.d1, "just_looking", timezone.now())
    kept, _ = figures.dealer_figures([org.d1.pk, org.d2.pk], today)  # d1 from the cache, d2 counted now
    assert kept[org.d1.pk] == first[org.d1.pk]
    cache.delete(figures.key(org.d1.pk, today))  # what KEPT_FOR seconds do
    again, _ = figures.dealer_figures([org.d1.pk], today)
    assert again[org.d1.pk]["walk_ins"] == first[org.d1.pk]["walk_ins"] + 1


def test_stale_figures_are_counted_again_by_one_request_while_the_others_show_them(org, django_assert_num_queries):
    """Past ``FRESH_FOR`` the figures are shown as they were (with their time, and no query) by
    the requests that come while another one counts them again; without one counting, a request
    counts them, and lets go of the mark."""
    today = timezone.localdate()
    first, _ = figures.dealer_figures([org.d1.pk], today)
    _visit(org, org.d1, "just_looking", timezone.now())
    aged = cache.get(figures.key(org.d1.pk, today)) | {
        "as_of": timezone.now() - dt.timedelta(seconds=figures.FRESH_FOR + 1)}
    cache.set(figures.key(org.d1.pk, today), aged, figures.KEPT_FOR)
    assert cache.add(figures.counting_mark(today), True)  # another request is counting
    with django_assert_num_queries(0):
        shown, as_of = figures.dealer_figures([org.d1.pk], today)
    assert shown[org.d1.pk] == aged and as_of == aged["as_of"]
    cache.delete(figures.counting_mark(today))
    again, as_of = figures.dealer_figures([org.d1.pk], today)
    assert again[org.d1.pk]["walk_ins"] == first[org.d1.pk]["walk_ins"] + 1 and as_of > aged["as_of"]
    assert cache.get(figures.counting_mark(today)) is None
    assert figures.dealer_figures([org.d1.pk], today)[0] == again  # fresh again: kept


def test_the_dealers_page_says_how_old_its_figures_are(org, client):
    client.force_login(org.staff["group_admin"])
    page = client.get("/", follow=True).content.decode()
    assert "Figures as of" in page and "Dealer 1" in page and "Dealer 4" not in page
