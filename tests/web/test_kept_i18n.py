"""``{% load i18n %}`` (``retain.web.templatetags.kept_i18n``) writes what Django's library writes,
in either language, whichever language rendered the tag first."""

import pytest
from django.template import Context, Engine, engines
from django.utils import translation

from retain.web.templatetags import kept_i18n
from retain.web.templatetags.kept_i18n import KeptTranslateNode

SOURCE = ("{% load i18n %}[{% translate 'Customers' %}][{% trans \"Log out\" %}][{% translate 'Menu' as menu %}{{ menu }}]"
          "[{% translate 'Marketing' context 'department' %}][{% translate 'Sales' noop %}][{% translate '100% & <b>' %}]"
          "[{% translate 'Customers'|upper %}][{% translate word %}][{% translate 'Marketing' context kind %}]"
          "[{% blocktranslate count n=n %}{{ n }} transaction{% plural %}{{ n }} transactions{% endblocktranslate %}]")
CONTEXT = {"word": "Customers", "kind": "role", "n": 3}


def _django():
    """The same template through Django's own i18n library."""
    return Engine(libraries={"i18n": "django.templatetags.i18n"}).from_string(SOURCE)


def test_load_i18n_loads_the_kept_library():
    template = engines["django"].from_string(SOURCE).template
    kept = [node for node in template.nodelist if isinstance(node, KeptTranslateNode)]
    assert len(kept) == 6  # the literals; a filter or a variable renders as Django's does


@pytest.mark.parametrize("first", ["zh-hans", "en"])
def test_every_form_of_the_tag_reads_as_djangos_in_both_languages(first):
    kept_i18n._kept.clear()
    ours = engines["django"].from_string(SOURCE)
    for language in (first, "en" if first == "zh-hans" else "zh-hans", first):
        with translation.override(language):
            expected = _django().render(Context(CONTEXT))
            assert ours.render(CONTEXT) == expected, language
    with translation.override("zh-hans"):
        assert "[客户]" in ours.render(CONTEXT)
    with translation.override("en"):
        assert "[Customers][Log out][Menu]" in ours.render(CONTEXT)
        assert "[100% & <b>]" in ours.render(CONTEXT)  # a literal is trusted, as Django trusts it


def test_a_change_of_catalogues_forgets_the_kept_texts(settings):
    with translation.override("en"):
        engines["django"].from_string(SOURCE).render(CONTEXT)
    assert kept_i18n._kept
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)
    assert not kept_i18n._kept
