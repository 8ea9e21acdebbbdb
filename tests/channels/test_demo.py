"""The demo's year of messages: every status and reason present, the consent rule kept, the
pages open for each kind of message."""

import numpy as np
from django.conf import settings
from django.db.models import Exists, OuterRef

from retain.bulk import load
from retain.channels import kinds, rendering
from retain.channels.access import visible_messages
from retain.channels.models import ChannelSettings, DeliveryAttempt, Message, Template
from retain.customers.models import Consent
from retain.demo import generate as g
from retain.demo import messages, truth
from retain.org.models import Staff

TINY = g.Scale(regions=2, dealers=3, customers=2_000)


def _build():
    data = g.generate(TINY, 1, "!", today=truth.OBSERVATION_END)
    messages.add_messages(data, np.random.default_rng(8), truth.OBSERVATION_END)
    load(data.tables)
    return data


def test_demo_messages_cover_every_status_and_reason(db):
    data = _build()
    assert Message.objects.count() == data.count("channels.Message") == int(2_000 * messages.MESSAGES_PER_CUSTOMER)
    assert set(Message.objects.values_list("status", flat=True)) == {
        "queued", "sent", "delivered", "failed", "dead", "suppressed"}
    assert set(Message.objects.exclude(suppression_code="").values_list("suppression_code", flat=True)) == {
        "no_consent", "consent_withdrawn", "no_address", "frequency_cap"}
    assert ChannelSettings.objects.count() == 3
    assert Template.objects.count() == 3 * len(kinds.KINDS) * len(settings.LANGUAGES)
    # The consent rule holds: no marketing message went to someone without granted marketing consent.
    granted = Consent.objects.filter(customer=OuterRef("customer"), purpose="marketing", granted=True)
    assert not Message.objects.filter(purpose="marketing").exclude(status="suppressed").exclude(
        Exists(granted)).exists()
    # Texts are the presets with the values filled in: no variable left.
    for body in Message.objects.values_list("body", flat=True)[:200]:
        assert rendering.variables(body) == [] and "{" not in body
    dead = Message.objects.filter(status="dead").first()
    assert DeliveryAttempt.objects.filter(message=dead).count() == messages.MAX_TRIES
    assert DeliveryAttempt.objects.filter(message=dead, outcome="dead").count() == 1


#: Per demo login: what the templates and settings pages answer (the policy's table).
PAGES = {"gm1": (200, 200), "consultant1": (403, 403), "marketing1": (200, 403), "admin": (200, 200)}


def test_every_kind_of_message_page_opens(db, client):
    _build()
    for username, (templates, channel_settings) in PAGES.items():
        user = Staff.objects.get(username=username)
        client.force_login(user)
        for url in ("/channels/outbox/", "/api/v1/messages", "/channels/outbox/?status=suppressed"):
            assert client.get(url).status_code == 200, (username, url)
        assert client.get("/channels/templates/").status_code == templates
        assert client.get("/channels/settings/").status_code == channel_settings
        first = {}
        for pk, status, channel in visible_messages(user).values_list("pk", "status", "channel"):
            first.setdefault((status, channel), pk)
        assert len(first) >= 6, username
        for pk in first.values():
            assert client.get(f"/channels/messages/{pk}/").status_code == 200, (username, pk)
            assert client.get(f"/api/v1/messages/{pk}").status_code == 200, (username, pk)
