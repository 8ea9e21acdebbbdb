"""Django's ``i18n`` library, with ``{% translate "a literal" %}`` kept per language.

Why: ``{% translate %}`` builds a lazy string from its literal on every render, translates it
when the lazy string is written out and escapes the answer: some 8 µs a tag, and a customer's
card renders 150 of them (a fifth of its template time). A literal's translation depends on the
language alone, so :class:`KeptTranslateNode` renders it once per language through Django's own
node and gives the same text after that.

Settings ``TEMPLATES`` ``libraries`` give this module the label ``i18n``, so every template's
``{% load i18n %}`` loads it; its other tags and filters are Django's. A tag with a variable, a
filter or a context taken from a variable renders as Django's does each time. The kept texts
are dropped when the languages or catalogues change (``setting_changed``), as Django's own
catalogue cache is.
"""

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = template.Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)

_kept: dict[tuple, str] = {}  # (language, literal, context, noop) -> the tag's text


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _kept.clear()


class KeptTranslateNode(django_i18n.TranslateNode):
    """``{% translate "literal" %}`` (with ``noop``, a literal ``context`` or ``as``): Django's
    text for the literal, rendered once per language."""

    def render(self, context):
        key = (get_language(), self.filter_expression.var.literal, self.message_context and self.message_context.var,
               self.noop)
        value = _kept.get(key)
        if value is None:
            value = super().render(context)
            if self.asvar:
                value = context[self.asvar]
            _kept[key] = value
        if self.asvar:
            context[self.asvar] = value
            return ""
        return value


def _constant(node) -> bool:
    """Whether the tag's text depends on the language alone: a literal without filters, and no
    context or a literal one."""
    message, context = node.filter_expression, node.message_context
    return (message.var.literal is not None and not message.filters
            and (context is None or (isinstance(context.var, str) and not context.filters)))


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    node = django_i18n.do_translate(parser, token)
    if not _constant(node):
        return node
    return KeptTranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)
