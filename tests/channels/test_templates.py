"""Templates per dealer and language: presets valid in every language, edits checked when saved."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import translation

from retain.channels import kinds, rendering
from retain.channels.models import Template
from retain.channels.services import templates
from retain.org.models import AuditEvent


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("code", sorted(kinds.KINDS))
def test_every_preset_is_valid_in_every_language(code, language):
    """A translator who dropped or renamed a {variable} fails here, not in a customer's message."""
    kind = kinds.get(code)
    with translation.override(language):
        for text in (str(kind.subject), str(kind.body)):
            rendering.check(text, kind.known)
        assert "{customer_name}" in str(kind.body)


def test_presets_are_translated():
    with translation.override("zh-hans"):
        assert "生日" in str(kinds.get("care.birthday").body)


def test_install_presets_adds_each_kind_in_each_language_once(org):
    gm = org.staff["dealer_gm"]
    assert templates.install_presets(actor=gm, dealer_id=org.d1.pk) == len(kinds.KINDS) * len(settings.LANGUAGES)
    assert templates.install_presets(actor=gm, dealer_id=org.d1.pk) == 0
    zh = Template.objects.get(dealer=org.d1, code="care.birthday", language="zh-hans")
    assert zh.purpose == "marketing" and "生日" in zh.body
    assert AuditEvent.objects.filter(action="template.install", dealer=org.d1).count() == 1


def test_install_presets_outside_scope_is_404(org):
    with pytest.raises(Http404):
        templates.install_presets(actor=org.staff["dealer_gm"], dealer_id=org.d2.pk)


@pytest.fixture
def birthday(org):
    with transaction.atomic():
        templates.install(actor=None, dealer_id=org.d1.pk)
    return Template.objects.get(dealer=org.d1, code="care.birthday", language="zh-hans")


def test_update_saves_and_audits(org, birthday):
    marketing = org.staff["marketing"]
    templates.update_template(actor=marketing, template_id=birthday.pk, subject="生日快乐",
                              body="{customer_name}，{dealer_name}祝您生日快乐！")
    birthday.refresh_from_db()
    assert birthday.body == "{customer_name}，{dealer_name}祝您生日快乐！" and birthday.updated_by == marketing
    row = AuditEvent.objects.get(action="template.update")
    assert row.after["body"] == birthday.body and row.actor == marketing


@pytest.mark.parametrize("field, text, says", [
    ("body", "{customer_name}，{festival}快乐！", "Unknown variable {festival}"),  # another kind's variable
    ("body", "{custmer_name}您好", "Unknown variable {custmer_name}"),
    ("body", "您好 {customer_name", "is not closed"),
    ("body", "{customer.name}", "attribute and index access"),
    ("body", "   ", "Write the text"),
    ("body", "好" * 2001, "at most 2000"),
    ("body", "您好\x00", "Null characters are not allowed"),
    ("subject", "{plate} 保养", "Unknown variable {plate}"),  # birthday greetings are not about a car
    ("subject", "好" * 201, "at most 200"),
])
def test_update_refuses_naming_the_field(org, birthday, field, text, says):
    before = birthday.body
    values = {"subject": "", "body": "{customer_name}您好"} | {field: text}
    with pytest.raises(ValidationError) as caught:
        templates.update_template(actor=org.staff["marketing"], template_id=birthday.pk, **values)
    assert says in " ".join(caught.value.message_dict[field])
    birthday.refresh_from_db()
    assert birthday.body == before and not AuditEvent.objects.filter(action="template.update").exists()


def test_kind_about_a_car_knows_the_car(org):
    with transaction.atomic():
        templates.install(actor=None, dealer_id=org.d1.pk)
    due = Template.objects.get(dealer=org.d1, code="care.service_due", language="zh-hans")
    templates.update_template(actor=org.staff["dealer_gm"], template_id=due.pk, subject="{plate}",
                              body="{customer_name}：{vehicle_model}（{plate}）将于{due_date}到期保养。")


def test_other_dealers_templates_are_404(org, birthday):
    with transaction.atomic():
        templates.install(actor=None, dealer_id=org.d2.pk)
    other = Template.objects.get(dealer=org.d2, code="care.birthday", language="en")
    with pytest.raises(Http404):
        templates.update_template(actor=org.staff["marketing"], template_id=other.pk, subject="", body="{customer_name}")


def test_edit_page_shows_the_error_and_the_variables(org, client, birthday):
    client.force_login(org.staff["marketing"])
    page = client.get(f"/channels/templates/{birthday.pk}/")
    assert page.status_code == 200 and "{customer_name}" in page.content.decode()
    refused = client.post(f"/channels/templates/{birthday.pk}/", {"subject": "", "body": "{customer_nam}好"})
    assert refused.status_code == 422 and "Unknown variable {customer_nam}" in refused.content.decode()
    saved = client.post(f"/channels/templates/{birthday.pk}/", {"subject": "", "body": "{customer_name}好"})
    assert saved.status_code == 302
    birthday.refresh_from_db()
    assert birthday.body == "{customer_name}好"


def test_list_page_offers_the_missing_presets(org, client):
    client.force_login(org.staff["dealer_gm"])
    page = client.get("/channels/templates/")
    assert page.status_code == 200 and "preset templates are missing" in page.content.decode()
    assert client.post("/channels/templates/").status_code == 302
    assert Template.objects.filter(dealer=org.d1).count() == len(kinds.KINDS) * len(settings.LANGUAGES)
    assert "missing" not in client.get("/channels/templates/").content.decode()


def test_pages_of_another_dealer_are_404(org, client):
    client.force_login(org.staff["dealer_gm"])
    assert client.get(f"/channels/templates/?dealer={org.d2.code}").status_code == 404
    assert client.get(f"/channels/settings/?dealer={org.d4.code}").status_code == 404
    client.force_login(org.staff["consultant"])
    assert client.get("/channels/templates/").status_code == 403
