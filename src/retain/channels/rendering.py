"""Template text with named variables: ``您好，{customer_name}！``.

The syntax is deliberately small: ``{name}`` is a variable (lower-case letters, digits and
underscores), ``{{`` and ``}}`` are literal braces, and nothing else is special. No attribute or
index access (``{customer.name}``, ``{a[0]}``), no format specifications or conversions
(``{x:>10}``, ``{x!r}``), no tags or filters: a template can only place the values it is given,
never reach into an object. Python's ``str.format`` is not used for rendering, so a template
cannot get at anything ``str.format`` could.

``check`` runs when a template is saved, so a variable the kind does not know (a typo, a
variable of another kind) is refused then, naming it, rather than leaving a blank in a
customer's message. ``render`` refuses a missing value the same way (``MissingValues``).
"""

import re
from collections.abc import Iterable, Mapping

from django.utils.translation import gettext as _

NAME = re.compile(r"[a-z_][a-z0-9_]*")


class TemplateSyntaxError(ValueError):
    """The text does not parse; the message says where (in the reader's language)."""


class MissingValues(ValueError):
    """A variable of the template has no value: the message would have a hole in it."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__(f"no value for {', '.join('{' + n + '}' for n in names)}")


def parse(text: str) -> list[tuple[str, str | None]]:
    """The text as ``(literal, variable or None)`` pieces."""
    pieces: list[tuple[str, str | None]] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in "{}" and text[i + 1:i + 2] == char:
            literal.append(char)
            i += 2
            continue
        if char == "}":
            raise TemplateSyntaxError(_("A “}” at character %(at)d closes nothing; write }} for a brace.")
                                      % {"at": i + 1})
        if char == "{":
            end = text.find("}", i + 1)
            opened = text.find("{", i + 1)
            if end == -1 or (opened != -1 and opened < end):
                raise TemplateSyntaxError(_("The “{” at character %(at)d is not closed; write {{ for a brace.")
                                          % {"at": i + 1})
            name = text[i + 1:end].strip()
            _check_name(name)
            pieces.append(("".join(literal), name))
            literal = []
            i = end + 1
            continue
        literal.append(char)
        i += 1
    if literal or not pieces:
        pieces.append(("".join(literal), None))
    return pieces


def _check_name(name: str) -> None:
    if not name:
        raise TemplateSyntaxError(_("“{}” names no variable; write a name such as {customer_name}."))
    if NAME.fullmatch(name):
        return
    if any(mark in name for mark in ".[]"):
        raise TemplateSyntaxError(_("“{%(name)s}”: attribute and index access are not allowed; use a variable "
                                    "name such as {customer_name}.") % {"name": name})
    if any(mark in name for mark in ":!"):
        raise TemplateSyntaxError(_("“{%(name)s}”: formatting is not allowed; write the variable alone.")
                                  % {"name": name})
    raise TemplateSyntaxError(_("“{%(name)s}” is not a variable name (lower-case letters, digits and _).")
                              % {"name": name})


def variables(text: str) -> list[str]:
    """The variables the text uses, in order of first use."""
    return list(dict.fromkeys(name for _literal, name in parse(text) if name))


def check(text: str, known: Iterable[str]) -> None:
    """Raise ``TemplateSyntaxError`` for text that does not parse or uses an unknown variable."""
    known = set(known)
    unknown = [name for name in variables(text) if name not in known]
    if unknown:
        raise TemplateSyntaxError(
            _("Unknown variable %(names)s; this kind of message knows %(known)s.")
            % {"names": ", ".join("{" + n + "}" for n in unknown),
               "known": ", ".join("{" + n + "}" for n in sorted(known))})


def render(text: str, values: Mapping[str, object]) -> str:
    """The text with each variable replaced by its value; every variable must have one."""
    pieces = parse(text)
    missing = [name for _literal, name in pieces if name and name not in values]
    if missing:
        raise MissingValues(list(dict.fromkeys(missing)))
    return "".join(literal + (_text(values[name]) if name else "") for literal, name in pieces)


def _text(value) -> str:
    isoformat = getattr(value, "isoformat", None)  # dates as YYYY-MM-DD, one form in both languages
    return isoformat() if callable(isoformat) else str(value)
