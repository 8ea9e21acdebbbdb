"""The import batch on real messy files: what it imports, what it refuses (row, column, reason),
duplicates in the file and against the database, modes, strict, dry run and undo."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from openpyxl import load_workbook

from retain.customers import services as customer_services
from retain.customers.imports import services
from retain.customers.imports.reading import FileRefused
from retain.customers.models import (
    ClassificationChange,
    Customer,
    ImportBatch,
    ImportedRecord,
    Vehicle,
)
from retain.org.models import AuditEvent
from tests.conftest import make_customer

from .import_files import HEADER_ZH, csv_bytes, national_id, person, vin, xlsx_bytes


def _run(org, data, *, actor=None, mode="create", name="客户.csv", **options):
    actor = org.staff["dealer_gm"] if actor is None else actor
    return services.run_import(actor=actor, dealer_id=org.d1.pk, file_name=name, data=data, mode=mode, **options)


def _problems(report):
    return sorted((p.row, p.column) for p in report.problems)


def _table_counts():
    models = (Customer, Vehicle, ClassificationChange, ImportBatch, ImportedRecord, AuditEvent)
    return {model.__name__: model.objects.count() for model in models}


MESSY = [
    person(1, name="张伟"),
    person(2, name="欧阳娜娜", **{"身份证号": national_id()}),
    person(3, **{"手机号码": "1381234"}),  # too short: not a phone number
    person(4, **{"身份证号": "110105199003071230"}),  # wrong check digit (it is 9)
    person(5, **{"车架号": "LSVAU2180N218329I"}),  # I is not used in VINs
    person(6, **{"出生日期": "07/03/1985"}),  # ambiguous
    person(7, name="张伟", **{"手机号码": "13812340001", "车架号": vin(77)}),  # row 1's customer, a second car
    person(8, name="李娜", **{"手机号码": "13812340001"}),  # row 1's mobile, another name
    person(9, **{"车架号": vin(1)}),  # row 1's VIN
    person(10, name="𠮷田😀"),
    person(11, name="=HYPERLINK(\"http://evil\",\"点我\")"),
    person(12, **{"出生日期": "1985年7月3日", "购车日期": "25/03/2021", "保险到期日": "2027-01-31"}),
]


def test_a_messy_gbk_file_reports_every_bad_row_and_imports_the_rest(org):
    report = _run(org, csv_bytes(MESSY[:9] + MESSY[11:], encoding="gbk"))
    assert report.encoding == "gb18030" and report.written
    assert _problems(report) == [(4, "手机号码"), (5, "身份证号"), (6, "车架号"), (7, "出生日期"), (9, "客户姓名"),
                                 (10, "车架号")]
    reasons = {p.row: p.reason for p in report.problems}
    assert "not a valid phone number" in reasons[4] or "not a phone number" in reasons[4]
    assert "check digit" in reasons[5] and "A–Z" in reasons[6] and "ambiguous" in reasons[7]
    assert "row 2" in reasons[9] and "row 2" in reasons[10]
    assert (report.created, report.vehicles_created, report.refused) == (3, 4, 6)
    zhang = Customer.objects.get(name="张伟")
    assert zhang.mobile == "+8613812340001" and zhang.gender == "M" and zhang.birthday == dt.date(1985, 7, 3)
    assert sorted(zhang.vehicles.values_list("vin", flat=True)) == [vin(1), vin(77)]
    assert zhang.source == "import" and zhang.classification == "base" and zhang.owner is None
    assert Customer.objects.get(name="欧阳娜娜").national_id == national_id()
    late = Customer.objects.get(mobile="+8613812340012")
    assert late.birthday == dt.date(1985, 7, 3)
    assert late.vehicles.get().purchase_date == dt.date(2021, 3, 25)
    assert late.vehicles.get().insurance_expiry == dt.date(2027, 1, 31)


def test_lower_case_x_check_code_is_stored_as_capital_x(org):
    number = "11010519491231002X"
    report = _run(org, csv_bytes([person(1, **{"身份证号": number.lower()})]))
    assert report.created == 1 and Customer.objects.get().national_id == number


def test_utf8_bom_file_with_a_title_row(org):
    report = _run(org, csv_bytes([person(1, name="周新志")], bom=True, title="2024年保有客户名单"))
    assert report.encoding == "utf-8-sig" and report.created == 1
    assert Customer.objects.get().name == "周新志"


def test_xlsx_numbers_that_are_text_and_dates_in_both_systems(org):
    rows = []
    for n in (1, 2, 3):
        row = person(n)
        row[HEADER_ZH.index("手机号码")] = 13812340000 + n  # a number cell
        row[HEADER_ZH.index("出生日期")] = dt.date(1985, 7, n)  # a date cell
        row[HEADER_ZH.index("行驶里程")] = 35000.0
        rows.append(row)
    bad_id = person(4)
    bad_id[HEADER_ZH.index("身份证号")] = 110105199003071230  # an ID card number in a number cell
    for system in (False, True):
        Customer.objects.all().delete()
        report = _run(org, xlsx_bytes(rows + [bad_id], epoch_1904=system), name="保有.xlsx")
        assert report.file_format == "xlsx" and report.created == 3
        assert _problems(report) == [(5, "身份证号")] and "15 digits" in report.problems[0].reason
        assert sorted(Customer.objects.values_list("birthday", flat=True)) == [dt.date(1985, 7, n) for n in (1, 2, 3)]
        assert Vehicle.objects.filter(mileage_km=35000).count() == 3
        assert Customer.objects.filter(mobile="+8613812340002").exists()


def test_serial_numbers_in_a_date_column_follow_the_workbook_date_system(org):
    for system, serial in ((False, 31231), (True, 31231 - 1462)):
        Customer.objects.all().delete()
        row = person(1)
        row[HEADER_ZH.index("出生日期")] = serial  # a General-formatted number, not a date cell
        _run(org, xlsx_bytes([row], epoch_1904=system), name="serial.xlsx")
        assert Customer.objects.get().birthday == dt.date(1985, 7, 3)


def test_names_outside_the_basic_plane_and_formulas_round_trip_and_export_escaped(org, client):
    _run(org, csv_bytes([MESSY[9], MESSY[10]]))
    assert set(Customer.objects.values_list("name", flat=True)) == {"𠮷田😀", '=HYPERLINK("http://evil","点我")'}
    client.force_login(org.staff["dealer_gm"])
    content = b"".join(client.get("/customers/export.csv").streaming_content).decode("utf-8-sig")
    assert "𠮷田😀" in content and "'=HYPERLINK" in content
    book = load_workbook(io.BytesIO(client.get("/customers/export.xlsx").content))
    names = [row[1] for row in book.active.iter_rows(values_only=True)]
    assert "𠮷田😀" in names and "'=HYPERLINK(\"http://evil\",\"点我\")" in names


# -- duplicates against the database, and the modes ----------------------------------------------

def test_create_mode_refuses_customers_on_record(org):
    existing = make_customer(dealer=org.d1, name="老客户", mobile="+8613812340001")
    report = _run(org, csv_bytes([person(1), person(2)]))
    assert _problems(report) == [(2, "手机号码")]
    assert f"customer {existing.pk}" in report.problems[0].reason
    assert report.created == 1


def test_update_and_upsert(org):
    existing = make_customer(dealer=org.d1, name="老客户", mobile="+8613812340001", city="上海")
    rows = [person(1, name="老客户", **{"出生日期": "1980-01-02"}), person(2)]
    update = _run(org, csv_bytes(rows), mode="update")
    assert (update.updated, update.created, update.vehicles_created) == (1, 0, 1)
    assert _problems(update) == [(3, "手机号码")]
    existing.refresh_from_db()
    assert existing.birthday == dt.date(1980, 1, 2) and existing.city == "上海"  # empty cells change nothing
    again = _run(org, csv_bytes(rows), mode="upsert")
    assert (again.updated, again.unchanged, again.created, again.vehicles_created) == (0, 1, 1, 1)


def test_a_customer_found_by_id_card_number_gets_the_new_mobile(org):
    existing = make_customer(dealer=org.d1, name="老客户", mobile="+8613900000000", national_id=national_id())
    report = _run(org, csv_bytes([person(1, name="老客户", **{"身份证号": national_id()})]), mode="upsert")
    assert report.updated == 1
    existing.refresh_from_db()
    assert existing.mobile == "+8613812340001" and existing.mobile_suffix == "0001"


def test_vin_on_record_in_the_group_is_refused_but_not_another_groups(org):
    elsewhere = make_customer(dealer=org.d3, name="外店客户")
    Vehicle.objects.create(customer=elsewhere, vin=vin(1), make="大众", model="帕萨特")
    other_group = make_customer(dealer=org.d4, name="别的集团")
    Vehicle.objects.create(customer=other_group, vin=vin(2), make="大众", model="帕萨特")
    report = _run(org, csv_bytes([person(1), person(2)]))
    assert _problems(report) == [(2, "车架号")] and "another dealer of your group" in report.problems[0].reason
    assert report.created == 1


# -- strict, dry run ---------------------------------------------------------------------------

def test_strict_is_all_or_nothing(org):
    before = _table_counts()
    report = _run(org, csv_bytes([person(1), person(2, **{"手机号码": "123"})]), strict=True)
    assert report.refused_by_strict and not report.written and report.batch_id is None
    assert _table_counts() == before
    assert _run(org, csv_bytes([person(1), person(2)]), strict=True).created == 2


def test_dry_run_writes_nothing_and_reports_exactly_what_the_import_does(org):
    make_customer(dealer=org.d1, name="老客户", mobile="+8613812340001")
    data = csv_bytes(MESSY)
    before = _table_counts()
    dry = _run(org, data, mode="upsert", dry_run=True)
    assert _table_counts() == before and not dry.written
    real = _run(org, data, mode="upsert")
    assert real.written
    for name in ("rows", "created", "updated", "unchanged", "vehicles_created", "vehicles_updated", "refused",
                 "problems", "columns"):
        assert getattr(dry, name) == getattr(real, name), name


# -- file-level refusals through the service: nothing written ------------------------------------

@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    ("随便写点什么\n没有表头\n".encode(), "no_header"),
    (csv_bytes([]), "empty"),
    (csv_bytes([person(1)], header=["备注", "手机号码"] + HEADER_ZH[2:]), "no_key"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 8, "not_spreadsheet"),
])
def test_file_level_refusals_write_nothing(org, data, code):
    before = _table_counts()
    with pytest.raises(FileRefused) as caught:
        _run(org, data)
    assert caught.value.reason_code == code and caught.value.message_dict["file"]
    assert _table_counts() == before


def test_zip_bomb_and_oversized_files_write_nothing(org, settings):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (30 * 1024 * 1024))
    before = _table_counts()
    with pytest.raises(FileRefused, match="zip bomb"):
        _run(org, buffer.getvalue(), name="bomb.xlsx")
    settings.IMPORT_MAX_BYTES = 4096
    with pytest.raises(FileRefused, match="larger than the limit of 4.0"):
        _run(org, csv_bytes([person(n) for n in range(100)]))
    assert _table_counts() == before


def test_a_column_mapped_by_hand(org):
    data = csv_bytes([["赵六", "13812340001", "VIP", "女"]], header=["联系人", "手机号码", "备注", "性别"])
    with pytest.raises(FileRefused, match="No column for: name"):
        _run(org, data)  # the name column is not recognised
    report = _run(org, data, mapping={0: "name", 2: ""})
    assert report.created == 1 and Customer.objects.get().name == "赵六"


def test_permission_and_scope(org):
    with pytest.raises(PermissionDenied):
        _run(org, csv_bytes([person(1)]), actor=org.staff["consultant"])
    with pytest.raises(ValidationError):
        services.run_import(actor=org.staff["dealer_gm"], dealer_id=org.d2.pk, file_name="x.csv",
                            data=csv_bytes([person(1)]))
    with pytest.raises(ValidationError):
        _run(org, csv_bytes([person(1)]), owner_id=org.staff["d2_consultant"].pk)
    report = _run(org, csv_bytes([person(1)]), owner_id=org.staff["consultant"].pk)
    assert Customer.objects.get(pk__in=ImportedRecord.objects.filter(batch_id=report.batch_id).values(
        "object_id")).owner == org.staff["consultant"]


# -- the batch and undo ------------------------------------------------------------------------

def test_batch_is_audited_once_and_undo_restores_everything(org):
    existing = make_customer(dealer=org.d1, name="老客户", mobile="+8613812340001", city="上海")
    untouched = _table_counts()
    snapshot = {f: getattr(existing, f) for f in ("name", "birthday", "classification", "updated_at")}
    rows = [person(1, name="老客户改名", **{"出生日期": "1980-01-02"}), person(2), person(3)]
    rows[0] += ["VIP客户"]
    report = _run(org, csv_bytes(rows, header=HEADER_ZH + ["客户类别"]), mode="upsert")
    assert (report.created, report.updated) == (2, 1)
    batch = ImportBatch.objects.get(pk=report.batch_id)
    assert AuditEvent.objects.filter(action="import.run", object_id=str(batch.pk)).count() == 1
    existing.refresh_from_db()
    assert existing.classification == "vip" and existing.name == "老客户改名"
    assert services.touched_since(batch) == []
    services.undo_import(actor=org.staff["sales_manager"], batch_id=batch.pk)
    existing.refresh_from_db()
    assert {f: getattr(existing, f) for f in ("name", "birthday", "classification")} == {
        k: v for k, v in snapshot.items() if k != "updated_at"}
    assert not Customer.objects.filter(mobile__in=["+8613812340002", "+8613812340003"]).exists()
    assert not Vehicle.objects.exists() and existing.classification_changes.count() == 0
    counts = _table_counts()
    assert counts["Customer"] == untouched["Customer"] and counts["AuditEvent"] == untouched["AuditEvent"] + 2
    batch.refresh_from_db()
    assert batch.status == "undone" and batch.undone_by == org.staff["sales_manager"]
    with pytest.raises(ValidationError, match="already been undone"):
        services.undo_import(actor=org.staff["sales_manager"], batch_id=batch.pk)


@pytest.mark.parametrize("touch", ["edit", "transaction", "vehicle_edit", "tags", "merge", "later_import"])
def test_undo_is_refused_once_anything_else_touched_the_records(org, touch):
    actor = org.staff["dealer_gm"]
    report = _run(org, csv_bytes([person(1), person(2)]))
    customer = Customer.objects.get(mobile="+8613812340001")
    if touch == "edit":
        customer_services.update_customer(actor=actor, customer_id=customer.pk, city="苏州")
    elif touch == "transaction":
        customer_services.add_transaction(actor=actor, customer_id=customer.pk, kind="service",
                                          date=dt.date(2024, 1, 5), amount_cents=100)
    elif touch == "vehicle_edit":
        customer_services.update_vehicle(actor=actor, vehicle_id=customer.vehicles.get().pk, mileage_km=40000)
    elif touch == "tags":
        customer_services.set_tags(actor=actor, customer_id=customer.pk, names=["车友会"])
    elif touch == "merge":
        other = make_customer(dealer=org.d1, name="重复")
        customer_services.merge_customers(actor=actor, survivor_id=other.pk, duplicate_id=customer.pk)
    elif touch == "later_import":
        _run(org, csv_bytes([person(1, **{"出生日期": "1970-01-01"})]), mode="update")
    before = _table_counts()
    with pytest.raises(ValidationError, match="can no longer be undone"):
        services.undo_import(actor=actor, batch_id=report.batch_id)
    assert _table_counts() == before


def test_undo_is_a_managers_act_within_scope(org):
    report = _run(org, csv_bytes([person(1)]))
    with pytest.raises(PermissionDenied):
        services.undo_import(actor=org.staff["consultant"], batch_id=report.batch_id)
    other = services.run_import(actor=org.staff["group_admin"], dealer_id=org.d3.pk, file_name="d3.csv",
                                data=csv_bytes([person(2)]))
    from django.http import Http404

    with pytest.raises(Http404):
        services.undo_import(actor=org.staff["dealer_gm"], batch_id=other.batch_id)
    services.undo_import(actor=None, batch_id=other.batch_id)  # the command line
    assert not Customer.objects.filter(dealer=org.d3).exists()


def test_error_file_in_the_format_imported(org, client):
    client.force_login(org.staff["dealer_gm"])
    bad = [person(1, **{"手机号码": "=1+2"}), person(2)]
    csv_report = _run(org, csv_bytes(bad))
    content = b"".join(client.get(f"/customers/imports/{csv_report.batch_id}/errors/").streaming_content)
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Row,Column,Reason" and text.splitlines()[1].startswith("2,手机号码,")
    assert "=1+2" in text.splitlines()[1]
    Customer.objects.all().delete()
    xlsx_report = _run(org, xlsx_bytes(bad), name="bad.xlsx")
    response = client.get(f"/customers/imports/{xlsx_report.batch_id}/errors/")
    assert response["Content-Disposition"].endswith('bad-errors.xlsx"')
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("Row", "Column", "Reason") and rows[1][:2] == (2, "手机号码")
    assert AuditEvent.objects.filter(action="import.export_errors").count() == 2


def test_validation_runs_no_query_per_row(org, django_assert_max_num_queries):
    rows = [person(n) for n in range(1, 301)]
    with django_assert_max_num_queries(60):
        report = _run(org, csv_bytes(rows))
    assert report.created == 300 and connection.vendor in ("sqlite", "postgresql")
