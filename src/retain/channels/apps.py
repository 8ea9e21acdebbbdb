"""Outbound messages to customers: the outbox (default), SMTP e-mail and a signed webhook to any
SMS/WeChat gateway, with the send-time rules (consent, quiet hours, frequency cap, suppression)."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "retain.channels"
    label = "channels"
    verbose_name = _("Messages")

    def ready(self):
        from retain.customers import cards, moves

        from . import jobs  # noqa: F401 (registers channels.deliver)
        from .cards import messages_section
        from .models import Message
        from .services.moves import merge

        cards.register(messages_section, reads=((Message, "customer"),))
        moves.register(merge=merge)
