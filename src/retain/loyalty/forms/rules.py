"""The programme rules page's form: one row of fields per trigger (``rules.<trigger>.<field>``,
the names the service's refusals use) and per tier (``tiers.<rank>.<field>``, plus one empty row
to add a tier), the exclusions, and the programme's point value and goodwill caps. ``changes()``
turns the cleaned data into ``set_rules``'s arguments (amounts typed in yuan become cents)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from retain.customers.models import Classification, CustomerKind

from ..models import EVENTS, MAX_RESERVATION_HOURS, PURCHASES
from ..models.rules import MAX_CAP, MAX_EVENT_POINTS, MAX_MULTIPLIER, MAX_RATE, TRIGGERS
from ..services.rules import VALUE_FIELDS

LABELS = dict(TRIGGERS)


class RulesForm(forms.Form):
    # the programme's value and goodwill settings (``VALUE_FIELDS``: the service's names and bounds)
    point_value_cents = forms.IntegerField(
        label=_("Value of a point (cents)"), min_value=VALUE_FIELDS["point_value_cents"][0],
        max_value=VALUE_FIELDS["point_value_cents"][1],
        help_text=_("What an outstanding point is worth on the liability report."))
    goodwill_case_cap = forms.IntegerField(
        label=_("Most goodwill points for one case"), min_value=VALUE_FIELDS["goodwill_case_cap"][0],
        max_value=VALUE_FIELDS["goodwill_case_cap"][1])
    goodwill_month_cap = forms.IntegerField(
        label=_("Most goodwill points for one member in a month"), min_value=VALUE_FIELDS["goodwill_month_cap"][0],
        max_value=VALUE_FIELDS["goodwill_month_cap"][1],
        help_text=_("Goodwill from complaint cases, counted over the member's cases in the dealer's month."))
    excluded_customer_kinds = forms.MultipleChoiceField(label=_("Customer kinds that never earn"), required=False,
                                                        choices=CustomerKind.choices,
                                                        widget=forms.CheckboxSelectMultiple)
    excluded_classifications = forms.MultipleChoiceField(label=_("Classifications that never earn"), required=False,
                                                         choices=Classification.choices,
                                                         widget=forms.CheckboxSelectMultiple)
    excluded_tags = forms.CharField(label=_("Tags whose customers never earn (comma-separated)"), required=False,
                                    max_length=500)
    downgrade_grace_days = forms.IntegerField(label=_("Grace days after the anniversary before a tier is lowered"),
                                              min_value=0, max_value=365)
    reservation_hours = forms.IntegerField(label=_("Hours a reservation is held"), min_value=1,
                                           max_value=MAX_RESERVATION_HOURS,
                                           help_text=_("A reservation made without a voucher that is neither "
                                                       "redeemed nor released within this many hours times out: "
                                                       "its points go back to the member."))

    def __init__(self, *args, tier_count: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.tier_count = tier_count
        for trigger in (*PURCHASES, *EVENTS):
            key = f"rules.{trigger}"
            self.fields[f"{key}.active"] = forms.BooleanField(label=_("active"), required=False)
            if trigger in PURCHASES:
                self.fields[f"{key}.points_per_100_yuan"] = forms.IntegerField(
                    label=_("points per 100 yuan"), min_value=0, max_value=MAX_RATE, required=False)
                self.fields[f"{key}.min_amount"] = forms.DecimalField(
                    label=_("smallest amount (yuan)"), min_value=0, max_value=99_999_999, decimal_places=2,
                    required=False)
            else:
                self.fields[f"{key}.points"] = forms.IntegerField(label=_("points"), min_value=0,
                                                                  max_value=MAX_EVENT_POINTS, required=False)
            for cap, label in (("day_cap", _("most a day")), ("year_cap", _("most a year"))):
                self.fields[f"{key}.{cap}"] = forms.IntegerField(label=label, min_value=1, max_value=MAX_CAP,
                                                                 required=False)
        for rank in range(tier_count + 1):  # the last row adds a tier when named
            key, extra = f"tiers.{rank}", rank == tier_count
            self.fields[f"{key}.name"] = forms.CharField(label=_("name"), max_length=40, required=not extra)
            self.fields[f"{key}.threshold"] = forms.IntegerField(label=_("qualifying points"), min_value=0,
                                                                 max_value=MAX_CAP, required=False)
            self.fields[f"{key}.multiplier_percent"] = forms.IntegerField(
                label=_("multiplier %"), min_value=1, max_value=MAX_MULTIPLIER, required=False)
            self.fields[f"{key}.priority_booking"] = forms.BooleanField(label=_("priority booking"), required=False)
            self.fields[f"{key}.courtesy_car"] = forms.BooleanField(label=_("courtesy car"), required=False)
            self.fields[f"{key}.free_washes_per_year"] = forms.IntegerField(
                label=_("free washes a year"), min_value=0, max_value=365, required=False)
            self.fields[f"{key}.benefits"] = forms.CharField(label=_("other benefits (one a line)"), required=False,
                                                             max_length=2_000, widget=forms.Textarea(attrs={"rows": 3}))

    @staticmethod
    def initial_from(read: dict) -> dict:
        initial = {name: read[name] for name in ("excluded_customer_kinds", "excluded_classifications",
                                                 "downgrade_grace_days", "reservation_hours")}
        initial["excluded_tags"] = ", ".join(read["excluded_tags"])
        for rule in read["rules"]:
            key = f"rules.{rule['trigger']}"
            initial.update({f"{key}.active": rule["active"], f"{key}.points_per_100_yuan": rule["points_per_100_yuan"],
                            f"{key}.min_amount": rule["min_amount_cents"] / 100, f"{key}.points": rule["points"],
                            f"{key}.day_cap": rule["day_cap"], f"{key}.year_cap": rule["year_cap"]})
        for tier in read["tiers"]:
            initial.update({f"tiers.{tier['rank']}.{name}": value for name, value in tier.items() if name != "rank"})
        initial.update({name: read[name] for name in VALUE_FIELDS})
        return initial

    def rows(self):
        """The rule rows and tier rows as (label, [bound fields]) for the template's tables."""
        rules = [(LABELS[t], trigger_kind, [self[name] for name in self.fields if name.startswith(f"rules.{t}.")])
                 for trigger_kind, triggers in (("purchase", PURCHASES), ("event", EVENTS)) for t in triggers]
        tiers = [[self[name] for name in self.fields if name.startswith(f"tiers.{rank}.")]
                 for rank in range(self.tier_count + 1)]
        return {"rules": rules, "tiers": tiers}

    def changes(self) -> dict:
        data = self.cleaned_data
        rules = {}
        for trigger in (*PURCHASES, *EVENTS):
            key = f"rules.{trigger}"
            rule = {"active": data[f"{key}.active"], "day_cap": data[f"{key}.day_cap"],
                    "year_cap": data[f"{key}.year_cap"]}
            if trigger in PURCHASES:
                rule = {**rule, "points_per_100_yuan": data[f"{key}.points_per_100_yuan"] or 0,
                        "min_amount_cents": int(round((data[f"{key}.min_amount"] or 0) * 100))}
            else:
                rule["points"] = data[f"{key}.points"] or 0
            rules[trigger] = rule
        tiers = []
        for rank in range(self.tier_count + 1):
            key = f"tiers.{rank}"
            if rank == self.tier_count and not data.get(f"{key}.name"):
                continue
            tiers.append({"name": data.get(f"{key}.name") or "", "threshold": data.get(f"{key}.threshold"),
                          "multiplier_percent": data.get(f"{key}.multiplier_percent") or 100,
                          "priority_booking": data[f"{key}.priority_booking"], "courtesy_car": data[f"{key}.courtesy_car"],
                          "free_washes_per_year": data.get(f"{key}.free_washes_per_year") or 0,
                          "benefits": data.get(f"{key}.benefits") or ""})
        tags = [tag.strip() for tag in (data.get("excluded_tags") or "").replace("，", ",").split(",") if tag.strip()]
        return {**{name: data[name] for name in VALUE_FIELDS}, "rules": rules, "tiers": tiers,
                "excluded_customer_kinds": list(data["excluded_customer_kinds"]),
                "excluded_classifications": list(data["excluded_classifications"]), "excluded_tags": tags,
                "downgrade_grace_days": data["downgrade_grace_days"], "reservation_hours": data["reservation_hours"]}
