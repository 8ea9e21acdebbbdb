"""``POST /api/v1/imports``: a multipart file and the options as form fields, answered with the
report; the batch read and undone. Bad input answers 4xx in the one error shape, writing nothing."""

from retain.customers.models import Customer, ImportBatch
from retain.org.models import AuditEvent
from tests.customers.import_files import csv_bytes, person, xlsx_bytes


def _post(client, data, name="客户.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/api/v1/imports", {"file": SimpleUploadedFile(name, data), **fields})


def test_dry_run_then_import_then_undo(org, client):
    client.force_login(org.staff["dealer_gm"])
    data = csv_bytes([person(1), person(2, **{"手机号码": "123"})], encoding="gbk")
    dry = _post(client, data, dry_run="true")
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert body["dry_run"] and not body["written"] and body["created"] == 1 and body["batch_id"] is None
    assert body["problems"] == [{"row": 3, "column": "手机号码", "reason": body["problems"][0]["reason"]}]
    assert {"heading": "客户姓名", "field": "name"} in body["columns"]
    assert not Customer.objects.exists()
    real = _post(client, data, dealer="D1", mode="upsert")
    assert real.status_code == 201 and real.json()["written"]
    batch_id = real.json()["batch_id"]
    assert client.get(f"/api/v1/imports/{batch_id}").json()["created"] == 1
    undone = client.post(f"/api/v1/imports/{batch_id}/undo")
    assert undone.status_code == 200 and undone.json()["status"] == "undone"
    assert not Customer.objects.exists()


def test_xlsx_and_strict(org, client):
    client.force_login(org.staff["sales_manager"])
    response = _post(client, xlsx_bytes([person(1), person(2, **{"手机号码": "123"})]), name="a.xlsx", strict="1")
    assert response.status_code == 200 and response.json()["refused_by_strict"]
    assert not Customer.objects.exists() and not ImportBatch.objects.exists()


def _refused(response, field="file"):
    assert response.status_code == 422, response.content
    assert any(error["loc"][-1] == field for error in response.json()["detail"]), response.json()
    return " ".join(error["msg"] for error in response.json()["detail"])


def test_bad_files_are_refused_naming_the_file_and_write_nothing(org, client, settings):
    client.force_login(org.staff["dealer_gm"])
    audit_rows = AuditEvent.objects.count()
    assert "empty" in _refused(_post(client, b""))
    assert "header" in _refused(_post(client, "只是一些文字\n".encode()))
    assert "not a spreadsheet" in _refused(_post(client, b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, name="x.png"))
    settings.IMPORT_MAX_BYTES = 2048
    assert "2.0\u00a0KB" in _refused(_post(client, csv_bytes([person(n) for n in range(80)])))
    assert not Customer.objects.exists() and AuditEvent.objects.count() == audit_rows


def test_bad_options(org, client):
    client.force_login(org.staff["dealer_gm"])
    data = csv_bytes([person(1)])
    _refused(_post(client, data, dealer="D2"), "dealer")  # outside the caller's scope: like an unknown code
    _refused(_post(client, data, owner="d2_consultant"), "owner")
    assert client.post("/api/v1/imports", {"dealer": "D1"}).status_code == 422  # no file
    assert _post(client, data, mode="replace").status_code == 422
    assert not Customer.objects.exists()


def test_refusals(org, client):
    data = csv_bytes([person(1)])
    assert _post(client, data).status_code == 401
    client.force_login(org.staff["consultant"])
    assert _post(client, data).status_code == 403
    client.force_login(org.staff["group_admin"])
    _refused(_post(client, data), "dealer")  # the group has no dealer of its own: say which
    assert _post(client, data, dealer="D3").status_code == 201
    client.force_login(org.staff["dealer_gm"])
    batch = ImportBatch.objects.get()
    assert client.get(f"/api/v1/imports/{batch.pk}").status_code == 404
    assert client.post(f"/api/v1/imports/{batch.pk}/undo").status_code == 404
