"""The project's ``{% url %}`` (``retain.web.templatetags.fast_url``) answers what Django's does."""

import pytest
from django.template import engines
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from retain.web.templatetags.fast_url import FastURLNode, fast_reverse


def _named_patterns(patterns=None, namespace=""):
    """(name, number of path arguments) of every named URL of the project."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            outer = len(entry.pattern.converters)
            for name, arity in _named_patterns(entry.url_patterns, inner):
                yield name, arity + outer
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", len(entry.pattern.converters)


NAMED = sorted({(name, arity) for name, arity in _named_patterns() if arity})


def test_there_are_urls_with_arguments_to_compare():
    assert len(NAMED) > 50
    assert ("customers:card", 1) in NAMED


@pytest.mark.parametrize("ids", [(0,), (7,), (123456,), (2**40,)])
def test_every_named_url_reverses_as_django_does(ids):
    for name, arity in NAMED:
        args = list(ids) * arity
        try:
            expected = reverse(name, args=args)
        except NoReverseMatch:
            with pytest.raises(NoReverseMatch):
                fast_reverse(name, args)
        else:
            assert fast_reverse(name, args) == expected, name


def test_paths_without_arguments_and_with_names_reverse_as_django_does():
    fixed = sorted({name for name, arity in _named_patterns() if not arity})
    assert "home" in fixed and "sales:today" in fixed
    for name in fixed:
        assert fast_reverse(name, []) == reverse(name) == fast_reverse(name, []), name
    for form in ("tags", "consent", "merge"):
        assert fast_reverse("customers:card_form", [12, form]) == reverse("customers:card_form", args=[12, form])
        assert fast_reverse("customers:card_form", [13, form]) == reverse("customers:card_form", args=[13, form])
    assert fast_reverse("customers:card_form", [734_019_526_810_000, "734019526810000"]) == \
        reverse("customers:card_form", args=[734_019_526_810_000, "734019526810000"])  # a marker in a name
    with pytest.raises(NoReverseMatch):
        fast_reverse("customers:card_form", [12, "no/such"])


def test_other_arguments_go_to_django():
    assert fast_reverse("customers:card", ["15"]) == reverse("customers:card", args=["15"])
    with pytest.raises(NoReverseMatch):
        fast_reverse("customers:card", [-1])
    with pytest.raises(NoReverseMatch):
        fast_reverse("customers:card", [True])  # a bool is not an id


def test_a_script_prefix_is_part_of_the_path():
    try:
        set_script_prefix("/retain/")
        assert fast_reverse("customers:card", [5]) == "/retain/customers/5/" == reverse("customers:card", args=[5])
    finally:
        set_script_prefix("/")
    assert fast_reverse("customers:card", [5]) == "/customers/5/"


def test_a_template_reads_the_prefix_of_its_own_render():
    """The tag looks the script prefix up once per template render, never from an earlier one."""
    template = engines["django"].from_string("{% for pk in pks %}{% url 'customers:card' pk %} {% endfor %}")
    try:
        set_script_prefix("/retain/")
        assert template.render({"pks": [5, 6]}) == "/retain/customers/5/ /retain/customers/6/ "
    finally:
        set_script_prefix("/")
    assert template.render({"pks": [5, 6]}) == "/customers/5/ /customers/6/ "


def test_templates_use_it_without_loading_it():
    template = engines["django"].from_string("{% url 'customers:card' pk %}|{% url 'customers:card' pk as u %}{{ u }}"
                                             "|{% url 'no-such-page' as missing %}[{{ missing }}]")
    assert any(isinstance(node, FastURLNode) for node in template.template.nodelist)
    assert template.render({"pk": 42}) == "/customers/42/|/customers/42/|[]"


@pytest.mark.parametrize("code", ["V-123", "it's", "a&b<c>"])
def test_a_link_is_escaped_as_djangos_tag_escapes_it(code):
    """A path is marked safe only where escaping would not change it; else the tag escapes it."""
    template = engines["django"].from_string("{% url 'loyalty:voucher' code %}|{% url 'customers:card' 7 %}")
    expected = f"{conditional_escape(reverse('loyalty:voucher', args=[code]))}|/customers/7/"
    assert template.render({"code": code}) == expected
    assert isinstance(fast_reverse("customers:card", [7]), SafeString)
    assert isinstance(fast_reverse("loyalty:voucher", [code]), SafeString) == (code == "V-123")


def test_a_string_literal_in_a_template_takes_the_cached_path(monkeypatch):
    """A template's literal is a SafeString; the card's form names are such literals."""
    from retain.web.templatetags import fast_url

    template = engines["django"].from_string("{% url 'customers:card_form' pk 'tags' %}")
    assert template.render({"pk": 12}) == reverse("customers:card_form", args=[12, "tags"])

    def refuse(*args, **kwargs):
        raise AssertionError("reversed by Django on every call")

    monkeypatch.setattr(fast_url, "reverse", refuse)
    assert template.render({"pk": 13}) == "/customers/13/forms/tags/"
