"""The page a locked-out user sees (django-axes calls ``locked_out`` through AXES_LOCKOUT_CALLABLE)."""

from django.conf import settings
from django.shortcuts import render


def locked_out(request, original_response=None, credentials=None):
    """429 with the login page's look, in the reader's language: what happened, how long it
    lasts, who can lift it. Says nothing about whether the username exists."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/locked_out.html",
                  {"minutes": minutes, "failures": settings.AXES_FAILURE_LIMIT}, status=429)
