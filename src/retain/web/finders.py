"""Serve Plotly.js from the plotly wheel: no CDN, no npm, one copy that pip keeps up to date."""

import os

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

#: Where the file appears under STATIC_URL; the version in the path lets it be cached for good.
PREFIX = f"vendor/plotly-{plotly.__version__}"
NAME = "plotly.min.js"
PATH = f"{PREFIX}/{NAME}"


class PlotlyFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storage = FileSystemStorage(location=os.path.join(os.path.dirname(plotly.__file__), "package_data"))
        self.storage.prefix = PREFIX  # collectstatic puts the file under this prefix

    def find(self, path, find_all=False, **kwargs):
        if path != PATH:
            return [] if find_all else None
        found = self.storage.path(NAME)
        return [found] if find_all else found

    def list(self, ignore_patterns):
        yield NAME, self.storage
