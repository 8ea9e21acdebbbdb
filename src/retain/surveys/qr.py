"""The QR code of a survey link, for the customer at the service desk to answer on their phone:
an SVG drawn by ``segno`` and inlined in the page (no image file, nothing stored), sized to print."""

import io

import segno
from django.utils.safestring import SafeString, mark_safe


def svg(link: str, *, scale: int = 6) -> SafeString:
    """The inline ``<svg>`` of ``link`` (error correction M, quiet zone kept for scanning)."""
    out = io.BytesIO()
    segno.make(link, error="m", micro=False).save(out, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                                  title="QR", nl=False)
    return mark_safe(out.getvalue().decode("ascii"))  # noqa: S308 (segno's own SVG, made from our link)
