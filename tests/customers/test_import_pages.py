"""The import as a person does it: upload, the columns with sample rows, the trial run, confirm,
the batch with its refused rows, undo; and the ``retain import`` command."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from retain.cli import main
from retain.customers.models import Customer, ImportBatch
from retain.org.models import AuditEvent

from .import_files import csv_bytes, person, xlsx_bytes

FIELDS = ["name", "mobile", "national_id", "gender", "birthday", "vin", "plate", "make", "model", "purchase_date",
          "mileage_km", "insurance_expiry"]
MAPPING = {f"column_{index}": field for index, field in enumerate(FIELDS)}


def _upload(client, org, data, name="保有客户.csv", **fields):
    return client.post("/customers/imports/", {"file": SimpleUploadedFile(name, data), "dealer": org.d1.pk,
                                               "mode": "create", **fields})


def test_upload_preview_trial_run_confirm_and_undo(org, client):
    client.force_login(org.staff["showroom_manager"])
    data = csv_bytes([person(1, name="周新志"), person(2, **{"出生日期": "07/03/1985"})], encoding="gbk")
    response = _upload(client, org, data)
    assert response.status_code == 302 and response["Location"].endswith("/customers/imports/preview/")
    preview = client.get("/customers/imports/preview/").content.decode()
    assert "客户姓名" in preview and "周新志" in preview and 'value="name" selected' in preview
    trial = client.post("/customers/imports/check/", MAPPING)
    text = trial.content.decode()
    assert trial.status_code == 200 and "Dry run" in text and "ambiguous" in text
    assert not Customer.objects.exists()
    errors = client.post("/customers/imports/check/errors/", MAPPING)
    assert errors["Content-Disposition"].endswith('保有客户-errors.csv"') or "errors.csv" in errors["Content-Disposition"]
    assert "ambiguous" in b"".join(errors.streaming_content).decode("utf-8-sig")
    done = client.post("/customers/imports/run/", MAPPING)
    batch = ImportBatch.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/customers/imports/{batch.pk}/")
    assert Customer.objects.get().name == "周新志" and batch.run_by == org.staff["showroom_manager"]
    page = client.get(f"/customers/imports/{batch.pk}/").content.decode()
    assert "Undo this import" in page and "ambiguous" in page
    assert "保有客户.csv" in client.get("/customers/imports/").content.decode()
    assert client.post("/customers/imports/run/", MAPPING).status_code == 302  # the file no longer waits
    assert ImportBatch.objects.count() == 1
    client.post(f"/customers/imports/{batch.pk}/undo/")
    batch.refresh_from_db()
    assert batch.status == "undone" and not Customer.objects.exists()
    assert "Undo this import" not in client.get(f"/customers/imports/{batch.pk}/").content.decode()


def test_a_column_chosen_by_hand_on_the_preview(org, client):
    client.force_login(org.staff["dealer_gm"])
    data = xlsx_bytes([["赵六", 13812340001, "女"]], header=["联系人", "手机号码", "性别"])
    assert _upload(client, org, data, name="名单.xlsx").status_code == 302
    client.post("/customers/imports/run/", {"column_0": "name", "column_1": "mobile", "column_2": "gender"})
    assert Customer.objects.get().name == "赵六"


@pytest.mark.parametrize("data, message", [
    (b"", "The submitted file is empty."),
    ("只有一行字\n".encode(), "No recognisable header"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a spreadsheet"),
])
def test_upload_refusals_are_shown_on_the_file_field(org, client, data, message):
    client.force_login(org.staff["dealer_gm"])
    response = _upload(client, org, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert client.get("/customers/imports/preview/").status_code == 302  # nothing waits


def test_oversized_upload(org, client, settings):
    settings.IMPORT_MAX_BYTES = 1000
    client.force_login(org.staff["dealer_gm"])
    response = _upload(client, org, csv_bytes([person(n) for n in range(40)]))
    assert "larger than the limit" in response.content.decode()


def test_menu_and_refusals(org, client):
    client.force_login(org.staff["dealer_gm"])
    assert "/customers/imports/" in client.get("/customers/").content.decode()
    client.force_login(org.staff["consultant"])
    assert "/customers/imports/" not in client.get("/customers/").content.decode()
    assert client.get("/customers/imports/").status_code == 403
    assert client.post("/customers/imports/run/", MAPPING).status_code == 403


def test_exports_of_customers_and_vehicles(org, client):
    from retain.customers.imports import services

    services.run_import(actor=None, dealer_id=org.d1.pk, file_name="a.csv",
                        data=csv_bytes([person(1, name="周新志", **{"身份证号": "11010519491231002X"})]))
    client.force_login(org.staff["marketing"])
    masked = b"".join(client.get("/customers/export.csv").streaming_content).decode("utf-8-sig")
    assert "138****0001" in masked and "11**************2X" in masked and "13812340001" not in masked
    assert client.get("/customers/export.csv?reveal=1").status_code == 403  # marketing may not reveal
    vehicles = client.get("/customers/vehicles/export.xlsx")
    assert vehicles.status_code == 200 and vehicles["Content-Disposition"].endswith('.xlsx"')
    client.force_login(org.staff["dealer_gm"])
    full = b"".join(client.get("/customers/export.csv?reveal=1").streaming_content).decode("utf-8-sig")
    assert "+8613812340001" in full and "11010519491231002X" in full
    exported = AuditEvent.objects.filter(action__in=["customer.export", "vehicle.export"]).order_by("id")
    assert [e.action for e in exported] == ["customer.export", "vehicle.export", "customer.export"]
    assert exported.last().after["unmasked"] == ["address", "birthday", "email", "mobile", "national_id"]


# -- the command line ------------------------------------------------------------------------------

def test_retain_import_customers_and_undo(org, tmp_path, capsys):
    path = tmp_path / "保有客户.xlsx"
    path.write_bytes(xlsx_bytes([person(1), person(2, **{"手机号码": "123"})]))
    main(["import", "customers", str(path), "--dealer", "D1", "--dry-run"])
    out = capsys.readouterr().out
    assert "Dry run" in out and "row 3, 手机号码" in out and not Customer.objects.exists()
    errors = tmp_path / "errors.xlsx"
    main(["import", "customers", str(path), "--dealer", "D1", "--owner", "consultant", "--errors", str(errors)])
    out = capsys.readouterr().out
    batch = ImportBatch.objects.get()
    assert f"batch {batch.pk}" in out and errors.read_bytes().startswith(b"PK")
    assert Customer.objects.get().owner == org.staff["consultant"] and batch.run_by is None
    main(["import", "undo", str(batch.pk)])
    assert "undone" in capsys.readouterr().out and not Customer.objects.exists()
    with pytest.raises(SystemExit) as exited:
        main(["import", "customers", str(path), "--dealer", "D1", "--strict"])
    assert exited.value.code == 1 and not Customer.objects.exists()
    for arguments, message in ((["--dealer", "NOPE"], "NOPE"), (["--dealer", "D1", "--owner", "nobody"], "nobody")):
        with pytest.raises(SystemExit) as exited:
            main(["import", "customers", str(path), *arguments])
        assert message in str(exited.value)
    with pytest.raises(SystemExit) as exited:
        main(["import", "customers", str(tmp_path / "missing.csv"), "--dealer", "D1"])
    assert "missing.csv" in str(exited.value)
