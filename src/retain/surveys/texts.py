"""Texts a dealer writes in several languages (a survey's name, a question), stored as
``{"zh-hans": …, "en": …}``."""

from django.conf import settings
from django.utils import translation


def localised(texts: dict | str | None, language: str | None = None) -> str:
    """The text in ``language`` (the active one by default), else in the site's default
    language, else the first one written."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    for candidate in (language, language.split("-")[0], settings.LANGUAGE_CODE):
        if texts.get(candidate):
            return texts[candidate]
    return next((text for text in texts.values() if text), "")
