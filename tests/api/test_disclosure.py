"""What a refusal tells about records outside the caller's scope (issue 7, A1 and A13): a
duplicate mobile or VIN outside the scope is said to exist (with whom to ask), never whose it is;
a name or code outside the scope answers exactly like one nobody has."""

import json

import pytest

from retain.customers.models import Customer, Vehicle
from tests.conftest import make_customer

from .conftest import fields_named

MOBILE = "+8613812341234"
VIN = "LSVAU2180N2183294"


@pytest.fixture
def colleagues_customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["colleague"], name="欧阳娜娜", mobile=MOBILE)


def _text(response) -> str:
    """The answer as a person would read it (JSON escapes Chinese characters)."""
    return json.dumps(response.json(), ensure_ascii=False)


def _mobile_error(response):
    return " ".join(e["msg"] for e in response.json()["detail"] if e["loc"][-1] == "mobile")


def test_api_duplicate_outside_scope_names_nobody(org, as_role, colleagues_customer):
    response = as_role("consultant").post("/customers", {"name": "x", "mobile": "13812341234"})
    assert response.status_code == 422
    text = _text(response)
    for secret in ("欧阳", "colleague", str(colleagues_customer.pk)):
        assert secret not in text
    assert "already on record at this dealer" in _mobile_error(response)
    assert "showroom manager or sales manager" in _mobile_error(response)
    assert Customer.objects.count() == 1


def test_api_duplicate_inside_scope_is_named(org, as_role, colleagues_customer):
    response = as_role("sales_manager").post("/customers", {"name": "x", "mobile": "13812341234"})
    assert response.status_code == 422 and "欧阳娜娜" in _mobile_error(response)


def test_api_patch_to_a_duplicate_outside_scope_names_nobody(org, as_role, colleagues_customer):
    mine = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王先生")
    response = as_role("consultant").patch(f"/customers/{mine.pk}", {"mobile": "13812341234"})
    assert response.status_code == 422 and "欧阳" not in _text(response)
    assert "mobile" in fields_named(response)


def test_form_duplicate_outside_scope_names_neither_customer_nor_owner(org, client, colleagues_customer):
    client.force_login(org.staff["consultant"])
    response = client.post("/customers/new/", {"name": "x", "mobile": "13812341234", "kind": "person",
                                               "source": "walk_in", "classification": "potential",
                                               "dealer": org.d1.pk})
    page = response.content.decode()
    assert response.status_code == 200 and 'id="duplicate-warning"' in page
    assert "欧阳" not in page and "colleague" not in page
    assert f"/customers/{colleagues_customer.pk}/" not in page
    assert "showroom manager or sales manager" in page
    assert Customer.objects.count() == 1


def test_form_duplicate_inside_scope_links_the_record(org, client, colleagues_customer):
    client.force_login(org.staff["sales_manager"])
    response = client.post("/customers/new/", {"name": "x", "mobile": "13812341234", "kind": "person",
                                               "source": "walk_in", "classification": "potential",
                                               "dealer": org.d1.pk})
    page = response.content.decode()
    assert "欧阳娜娜" in page and f"/customers/{colleagues_customer.pk}/" in page


def test_vin_in_another_group_is_not_revealed(org, as_role):
    other_group = make_customer(dealer=org.d4, owner=org.staff["d4_consultant"])
    Vehicle.objects.create(customer=other_group, vin=VIN, make="大众", model="迈腾")
    mine = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    response = as_role("consultant").post(f"/customers/{mine.pk}/vehicles",
                                          {"vin": VIN, "make": "大众", "model": "帕萨特"})
    assert response.status_code == 201, response.content  # as for a VIN nobody has
    assert Vehicle.objects.filter(vin=VIN).count() == 2


def test_vin_in_the_group_outside_scope_is_said_to_exist_not_whose(org, as_role):
    colleagues = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="欧阳娜娜")
    Vehicle.objects.create(customer=colleagues, vin=VIN, make="大众", model="迈腾")
    mine = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    response = as_role("consultant").post(f"/customers/{mine.pk}/vehicles",
                                          {"vin": VIN, "make": "大众", "model": "帕萨特"})
    assert response.status_code == 422 and "vin" in fields_named(response)
    assert "欧阳" not in _text(response) and "showroom manager" in _text(response)
    assert Vehicle.objects.filter(vin=VIN).count() == 1


@pytest.mark.parametrize("param, known_elsewhere, unknown", [
    ("owner", "d4_consultant", "nobody_at_all"),
    ("dealer", "D4", "XX9"),
    ("owner", "d3_consultant", "nobody_at_all"),  # same group, another region: outside gm1's scope
])
def test_filters_answer_alike_for_out_of_scope_and_unknown(as_role, param, known_elsewhere, unknown):
    client = as_role("dealer_gm")
    known = client.get("/customers", {param: known_elsewhere})
    missing = client.get("/customers", {param: unknown})
    assert known.status_code == missing.status_code == 422
    assert known.json()["detail"][0]["msg"].replace(known_elsewhere, "?") == \
        missing.json()["detail"][0]["msg"].replace(unknown, "?")


def test_create_for_an_out_of_scope_dealer_answers_like_an_unknown_one(as_role):
    client = as_role("dealer_gm")
    known = client.post("/customers", {"name": "x", "mobile": "13912345678", "dealer": "D4"})
    missing = client.post("/customers", {"name": "x", "mobile": "13912345678", "dealer": "XX9"})
    assert known.status_code == missing.status_code == 422
    assert known.json()["detail"][0]["msg"].replace("D4", "?") == missing.json()["detail"][0]["msg"].replace("XX9", "?")
    assert not Customer.objects.exists()


def test_reassign_to_someone_out_of_scope_answers_like_nobody(as_role, org):
    make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client = as_role("dealer_gm")
    answers = [client.post("/portfolios/reassign", {"from_owner": "consultant", "to_owners": [name], "note": "x"})
               for name in ("d4_consultant", "nobody_at_all")]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json()["detail"][0]["msg"].replace("d4_consultant", "?") == \
        answers[1].json()["detail"][0]["msg"].replace("nobody_at_all", "?")
