"""``{% url %}`` at the cost of joining strings, for the rows of a table.

Why: Django's ``reverse`` walks the URL resolver on every call (about 26 µs here, 90 µs on a
busy machine), and a consultant's today page or a customer's card reverses one or two links per
row: some 200 calls, a sixth of the page's CPU; the menu and the header reverse another 20 to 40
paths without arguments on every page, which are kept whole. The shape of a path does not depend on the ids in it, so each view name
is reversed once per process with marker ids, and later calls put the ids where the markers were.

This library is a template *builtin* (settings ``TEMPLATES`` ``builtins``), so its ``url`` tag
replaces Django's in every template without a ``{% load %}``. It answers exactly what Django's
tag answers: a path without arguments is kept whole, a short string argument (the card's form
names) is part of the cached template, and anything else (keyword arguments, negative numbers,
long strings, a pattern whose converter refuses the marker) goes to ``reverse`` itself, as does a
change of URL configuration or script prefix (both are part of the cache key). ``tests/web/test_fast_url.py``
compares the two for every named URL of the project.
"""

import re
from functools import lru_cache

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

#: Marker ids: larger than any id a table reaches in practice, digits only (every integer, slug
#: and string converter takes them), and none a prefix of another.
_MARKER = 734_019_526_810_000


#: What HTML escaping changes. A path without these (letters, digits, slashes: every path of the
#: project) is marked safe once, so the tag does not escape each link it writes.
_HTML_SPECIAL = re.compile("[&<>\"']")


def _plain(pieces) -> bool:
    return not any(_HTML_SPECIAL.search(piece) for piece in pieces)


@lru_cache(maxsize=2048)
def _parts(prefix: str, urlconf: str, view_name: str, shape: tuple, current_app) -> tuple[tuple, bool] | None:
    """The path of ``view_name`` cut at its integer arguments: literal text and argument positions
    alternate, or None when the pattern cannot be reversed with marker ids. ``shape`` has None
    for each integer argument and the text of each string one (a form's name on the card), which
    is part of the path's template. With them, whether escaping would leave the literal text as it
    is (an id's digits never need it)."""
    markers = [str(_MARKER + 10 * i) for i in range(len(shape))]
    try:
        path = reverse(view_name, args=[markers[i] if arg is None else arg for i, arg in enumerate(shape)],
                       current_app=current_app)
    except NoReverseMatch:
        return None
    wanted = sorted(markers[i] for i, arg in enumerate(shape) if arg is None)
    pieces = re.split("(" + "|".join(markers) + ")", path)
    if sorted(piece for piece in pieces[1::2]) != wanted:  # each integer's marker exactly once, no other
        return None
    return tuple(piece if i % 2 == 0 else markers.index(piece) for i, piece in enumerate(pieces)), _plain(pieces[::2])


@lru_cache(maxsize=1024)
def _fixed(prefix: str, urlconf: str, view_name: str, current_app) -> str:
    """The path of a view that takes no arguments (a menu entry, the header's links): reversed
    once per process, configuration and script prefix."""
    path = reverse(view_name, current_app=current_app)
    return mark_safe(path) if _plain([path]) else path


def fast_reverse(view_name: str, args: list, current_app=None) -> str:
    """``reverse(view_name, args=args)``, from a per-process template of the path when every
    argument is a non-negative ``int`` or a short string (or there is none)."""
    return _reverse((get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF, current_app), view_name, args)


def _reverse(where: tuple, view_name: str, args: list) -> str:
    """:func:`fast_reverse` under ``where``: (script prefix, URL configuration, current app)."""
    prefix, urlconf, current_app = where
    if not args:
        return _fixed(prefix, urlconf, view_name, current_app)
    # (a template's string literal is a SafeString: a str for this purpose)
    if all((type(arg) is int and arg >= 0) or (isinstance(arg, str) and len(arg) <= 40) for arg in args):
        shape = tuple(None if type(arg) is int else arg for arg in args)
        found = _parts(prefix, urlconf, view_name, shape, current_app)
        if found is not None:
            parts, plain = found
            path = "".join(part if isinstance(part, str) else str(args[part]) for part in parts)
            return mark_safe(path) if plain else path
    return reverse(view_name, args=args, current_app=current_app)


_WHERE = object()  # the render context's key for ``_where``


def _where(context) -> tuple:
    """(script prefix, URL configuration, current app) of the template being rendered, looked up
    once per template (the render context is the template's own, and none of the three changes
    while one renders): the first two are thread-locals that cost 1 to 3 µs to read, the third
    is found as Django's ``{% url %}`` finds it, and a table's rows ask all three for each link."""
    where = context.render_context.get(_WHERE)
    if where is None:
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        where = context.render_context[_WHERE] = (get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF,
                                                  current_app)
    return where


class FastURLNode(URLNode):
    def render(self, context):
        if self.kwargs:
            return super().render(context)
        args = [arg.resolve(context) for arg in self.args]
        view_name = self.view_name.resolve(context)
        url = ""
        try:
            url = _reverse(_where(context), view_name, args)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}``, rendered through :func:`fast_reverse`."""
    node = django_url(parser, token)
    return FastURLNode(node.view_name, node.args, node.kwargs, node.asvar)
