"""Both catalogues are complete: every user-facing string in the code is in them, translated,
and the compiled .mo files are what the .po files say."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "retain"
LANGUAGES = ("zh_Hans", "en")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def _po(language):
    return polib.pofile(str(PACKAGE / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_fully_translated(language):
    po = _po(language)
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for entry in _po(language).translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert sorted(PLACEHOLDER.findall(text)) == wanted or (
                entry.msgid_plural and sorted(PLACEHOLDER.findall(entry.msgid_plural)) == sorted(PLACEHOLDER.findall(text))
            ), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_source(language):
    mo_path = PACKAGE / "locale" / language / "LC_MESSAGES" / "django.mo"
    with mo_path.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in _po(language).translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_every_string_in_the_code_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the package and compare: nothing new may appear."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext (xgettext) is needed: apt-get install gettext")
    copy = tmp_path / "retain"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=copy, check=True, capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "retain.settings", "RETAIN_DATA_DIR": str(tmp_path),
             "PYTHONPATH": str(PACKAGE.parent)},
    )
    fresh = {e.msgid for e in polib.pofile(str(copy / "locale/zh_Hans/LC_MESSAGES/django.po")) if not e.obsolete}
    kept = {e.msgid for e in _po("zh_Hans") if not e.obsolete}
    assert sorted(fresh - kept) == [], "run makemessages and translate the new strings"
