"""Forms parse what a person typed; the channels services decide whether it is acceptable."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from retain.bounds import MAX_ID, form_limits
from retain.org.policy import Action, dealers_in_scope

from .models import MAX_BODY, MAX_SUBJECT, Channel, ChannelSettings, MessageStatus, Purpose


def _choices(enum, everything):
    return [("", everything)] + list(enum.choices)


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_choices(MessageStatus, _("Any status")))
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=_choices(Purpose, _("Any purpose")))
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=_choices(Channel, _("Any channel")))
    dealer = forms.TypedChoiceField(label=_("Dealer"), required=False, coerce=int, empty_value=None)
    customer = forms.IntegerField(label=_("Customer number"), required=False, min_value=1, max_value=MAX_ID,
                                  widget=forms.HiddenInput)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        dealers = list(dealers_in_scope(actor, Action.VIEW_MESSAGES))
        if len(dealers) > 1:
            self.fields["dealer"].choices = [("", _("All dealers"))] + [(d.pk, str(d)) for d in dealers]
        else:
            del self.fields["dealer"]


class WriteForm(forms.Form):
    """A one-off message to one customer (the card's "Write a message")."""

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.SERVICE)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.OUTBOX)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=MAX_SUBJECT,
                              help_text=_("Used by e-mail only."))
    body = forms.CharField(label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 3}))


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), required=False, max_length=MAX_SUBJECT,
                              help_text=_("Used by e-mail only."))
    body = forms.CharField(label=_("Text"), max_length=MAX_BODY, widget=forms.Textarea(attrs={"rows": 5}))


class SettingsForm(forms.Form):
    default_channel = forms.ChoiceField(label=_("Default channel"), choices=Channel.choices)
    default_language = forms.ChoiceField(label=_("Default language"), choices=settings.LANGUAGES)
    time_zone = forms.CharField(label=_("Time zone"), **form_limits(ChannelSettings, "time_zone"),
                                help_text=_("Quiet hours are read in this zone, e.g. Asia/Shanghai."))
    quiet_start = forms.TimeField(label=_("Quiet hours start"), widget=forms.TimeInput(attrs={"type": "time"}))
    quiet_end = forms.TimeField(label=_("Quiet hours end"), widget=forms.TimeInput(attrs={"type": "time"}),
                                help_text=_("The same start and end time means no quiet hours."))
    cap_days = forms.IntegerField(label=_("Frequency cap window (days)"), **form_limits(ChannelSettings, "cap_days"))
    marketing_cap = forms.IntegerField(label=_("Marketing messages per window"),
                                       **form_limits(ChannelSettings, "marketing_cap"))
    survey_cap = forms.IntegerField(label=_("Survey messages per window"), **form_limits(ChannelSettings, "survey_cap"))
    webhook_url = forms.URLField(label=_("Gateway URL"), required=False, assume_scheme="https",
                                 **form_limits(ChannelSettings, "webhook_url"))
    webhook_secret = forms.CharField(label=_("Gateway signing secret"), required=False, max_length=200,
                                     widget=forms.PasswordInput(render_value=False),
                                     help_text=_("Leave empty to keep the current secret."))
    clear_secret = forms.BooleanField(label=_("Remove the secret"), required=False)
    webhook_timeout = forms.IntegerField(label=_("Gateway timeout (seconds)"),
                                         **form_limits(ChannelSettings, "webhook_timeout"))
    max_attempts = forms.IntegerField(label=_("Tries before the dead letter"),
                                      **form_limits(ChannelSettings, "max_attempts"))
    retry_seconds = forms.IntegerField(label=_("First retry after (seconds)"),
                                       **form_limits(ChannelSettings, "retry_seconds"),
                                       help_text=_("Each further retry waits twice as long."))
    email_from = forms.EmailField(label=_("Sender address"), required=False,
                                  **form_limits(ChannelSettings, "email_from"),
                                  help_text=_("Empty: the server's sender (RETAIN_SMTP_FROM)."))

    def values(self) -> dict:
        """The cleaned values for ``update_settings`` (the secret: None keeps it, "" removes it)."""
        data = dict(self.cleaned_data)
        clear, secret = data.pop("clear_secret"), data.pop("webhook_secret")
        data["webhook_secret"] = "" if clear else (secret or None)
        return data
