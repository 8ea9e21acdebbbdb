"""The loyalty reports as spreadsheets, through ``org.exports`` (formula-safe, audited)."""

from django.utils.translation import gettext as _

from retain.org.audit_codes import AuditCode
from retain.org.exports import Column, export_table


def _rate(value):
    return round(value, 4) if value is not None else ""


def export_settlements(actor, partner, rows, *, file_format: str = "csv"):
    columns = [Column("month", _("Month")), Column("issued", _("Points issued by the partner")),
               Column("issued_reversed", _("Issued points reversed")),
               Column("accepted", _("Points accepted at the partner")),
               Column("accepted_reversed", _("Accepted points reversed")), Column("movements", _("Movements")),
               Column("due_from", _("Due from the partner (yuan)")), Column("due_to", _("Due to the partner (yuan)")),
               Column("net", _("Net (yuan, positive: the partner pays)")),
               Column("ledger", _("Ledger: accepted minus issued")), Column("balanced", _("Balances to the ledger")),
               Column("closed", _("Closed"))]
    lines = [[f"{r['month']:%Y-%m}", r["issued_points"], r["issued_reversed_points"], r["accepted_points"],
              r["accepted_reversed_points"], r["transfers"],
              r["due_from_partner_cents"] / 100, r["due_to_partner_cents"] / 100, r["net_cents"] / 100,
              r["ledger_net_points"], _("yes") if r["balanced"] else _("no"),
              f"{r['settlement'].closed_at:%Y-%m-%d}" if r["settlement"] else ""] for r in rows]
    return export_table(file_format=file_format, actor=actor, action=AuditCode.PARTNER_SETTLEMENT_EXPORT,
                        object_type="partner", dealer_id=partner.programme.dealer_id,
                        filters={"partner": partner.code}, columns=columns, rows=lines, count=len(lines),
                        stem=f"partner-{partner.code}", sheet_title=_("Settlements"))


def export_liability(actor, report, *, dealer_id=None, file_format: str = "csv"):
    columns = [Column("dealer", _("Dealer")), Column("month", _("Month end")), Column("spendable", _("Spendable")),
               Column("pending", _("Pending")), Column("reserved", _("Reserved")),
               Column("outstanding", _("Outstanding (spendable + pending)")), Column("value", _("Value (yuan)")),
               Column("issued", _("Issued")), Column("redeemed", _("Redeemed")), Column("expired", _("Expired")),
               Column("breakage", _("Breakage rate (12 months)")),
               Column("redemption", _("Redemption rate (12 months)"))]
    lines = [[r["dealer"], f"{r['month']:%Y-%m}", r["spendable"], r["pending"], r["reserved"], r["outstanding"],
              r["value_cents"] / 100, r["issued"], r["redeemed"], r["expired"], _rate(r["breakage_rate"]),
              _rate(r["redemption_rate"])] for r in report["rows"]]
    return export_table(file_format=file_format, actor=actor, action=AuditCode.LIABILITY_EXPORT,
                        object_type="liability", dealer_id=dealer_id,
                        filters={"start": f"{report['start']:%Y-%m}", "end": f"{report['end']:%Y-%m}",
                                 "dealer": dealer_id}, columns=columns, rows=lines, count=len(lines),
                        stem=f"points-liability-{report['end']:%Y-%m}", sheet_title=_("Liability"))
