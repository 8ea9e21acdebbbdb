"""Closing the loop (issue 10): complaint and suggestion cases handled in six steps (LSPCAS) with
their deadlines, the blacklist, and lost owners with win-back. Floor 5: it reads the surveys'
answers (a detractor opens a case) and sends through the channels; nothing below imports it."""
