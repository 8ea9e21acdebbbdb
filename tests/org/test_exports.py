"""The shared export writer: every CSV/XLSX export masked, formula-safe and audited (issue 7, A3).

The files are read back as a spreadsheet program would read them (the csv module, openpyxl)."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.utils import timezone

from retain.org import exports
from retain.org.models import AuditEvent
from retain.sales import services as sales
from tests.conftest import make_customer

FORMULA = '=HYPERLINK("http://127.0.0.1/x","click")'


@pytest.mark.parametrize("value", [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_that_a_spreadsheet_would_run_is_prefixed(value):
    assert exports.neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["王先生", "a=b", "", None, 42, -7, 3.5, dt.date(2025, 1, 2)])
def test_other_values_are_left_alone_and_numbers_stay_numbers(value):
    assert exports.neutralise(value) == value


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_customer_csv_shows_a_formula_name_as_inert_text_masked_and_audited(org, client):
    gm = org.staff["dealer_gm"]
    evil = make_customer(dealer=org.d1, name=FORMULA, mobile="+8613912344321", city="-上海")
    client.force_login(gm)
    response = client.get("/customers/export.csv", {"q": ""})
    assert response["Cache-Control"].startswith("max-age=0") and "no-store" in response["Cache-Control"]
    header, row = _csv(response)
    assert header[:3] == ["Number", "Name", "Mobile"]
    assert row[0] == str(evil.pk)                                  # a number stays a number
    assert row[1] == "'" + FORMULA and row[6] == "'-上海"           # inert text, shown as typed
    assert row[2] == "139****4321"                                 # masked by the writer
    event = AuditEvent.objects.get(action="customer.export")
    assert event.actor == gm and event.after["rows"] == 1 and event.note.startswith("customers-")


def test_customer_csv_filters_are_in_the_audit_row(org, client):
    make_customer(dealer=org.d1, name="钱七")
    make_customer(dealer=org.d1, name="赵八")
    client.force_login(org.staff["dealer_gm"])
    rows = _csv(client.get("/customers/export.csv", {"q": "钱"}))
    assert [row[1] for row in rows[1:]] == ["钱七"]
    assert AuditEvent.objects.get(action="customer.export").after == {"rows": 1, "filters": {"q": "钱"}}


def test_contact_status_xlsx_stores_a_formula_name_as_text(org, client):
    me = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=me, name=FORMULA)
    month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    sales.open_prospect(actor=me, customer_id=customer.pk, grade="C", model_of_interest="=1+1", source="walk_in",
                        first_contact=month.replace(day=3))
    client.force_login(me)
    response = client.get("/sales/prospects/contact-status.xlsx", {"month": f"{month:%Y-%m}"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    name, model = sheet["B4"], sheet["C4"]
    assert (name.value, name.data_type) == ("'" + FORMULA, "s")    # text, not a formula
    assert (model.value, model.data_type) == ("'=1+1", "s")
    assert sheet["E4"].value == 4 and sheet["E4"].data_type == "n"  # the source code stays a number
    event = AuditEvent.objects.get(action="contact_status.export")
    assert event.after == {"rows": 1, "filters": {"month": f"{month:%Y-%m}", "consultant": me.pk}}


def test_personal_columns_are_masked_unless_the_caller_unmasks_them(org):
    columns = [exports.Column("name", "Name"), exports.Column("mobile", "Mobile"),
               exports.Column("birthday", "Birthday")]
    rows = [["甲", "+8613812341234", "1990-01-02"]]
    assert list(exports.table_rows(columns, rows))[1] == ["甲", "138****1234", "***"]
    # unmasked, and still inert: a leading + would make Excel read the number as a formula
    assert list(exports.table_rows(columns, rows, frozenset({"mobile"})))[1] == ["甲", "'+8613812341234", "***"]
