"""One small chart helper for every app: figures for Plotly.js, built from the same rows the page's
table shows (the view computes the numbers once and hands them to both).

A chart is data, not script: the template tag ``{% chart c %}`` writes the figure with Django's
``json_script`` and ``web/charts.js`` (a static file) draws every ``[data-chart]`` element, so
pages keep a Content-Security-Policy without inline script.

Each builder takes labels and numbers and returns a ``Chart``; labels must already be translated
strings (they are written to JSON).
"""

from dataclasses import dataclass, field

ACCENT = "#0a6cbd"
MUTED = "#9aa7b4"
WARN = "#c62828"
GOOD = "#2e7d32"


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the element ids derive from it
    title: str
    figure: dict = field(default_factory=dict)  # {"data": [...], "layout": {...}} for Plotly.newPlot

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"


#: Legends sit top right, above the plot, so long category labels below never run into them.
_LEGEND = {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"}


def _layout(title: str, **extra) -> dict:
    layout = {
        "title": {"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        "margin": {"l": 48, "r": 16, "t": 40, "b": 48},
        "height": 300,
        "showlegend": False,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": 'system-ui, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif'},
        "yaxis": {"rangemode": "tozero", "gridcolor": "#e5e9ef", "automargin": True},
        "xaxis": {"automargin": True},
    }
    layout.update(extra)
    return layout


def _str(values) -> list[str]:
    return [str(v) for v in values]


def bars(chart_id: str, title: str, labels, values, *, name: str = "", color: str = ACCENT) -> Chart:
    """One series of bars (counts by day, by hour, by dealer...)."""
    trace = {"type": "bar", "x": _str(labels), "y": list(values), "name": name, "marker": {"color": color},
             "hovertemplate": "%{x}: %{y}<extra></extra>"}
    return Chart(chart_id, title, {"data": [trace], "layout": _layout(title, xaxis={"type": "category",
                                                                                    "automargin": True})})


def grouped_bars(chart_id: str, title: str, labels, series: dict[str, list]) -> Chart:
    """Several series side by side per label (dealers compared on a few figures)."""
    palette = [ACCENT, GOOD, "#ef6c00", "#6d4c41", MUTED]
    data = [{"type": "bar", "x": _str(labels), "y": list(values), "name": str(name),
             "marker": {"color": palette[i % len(palette)]}} for i, (name, values) in enumerate(series.items())]
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, barmode="group", showlegend=True, legend=_LEGEND,
        xaxis={"type": "category", "automargin": True})})


def funnel(chart_id: str, title: str, stages, values) -> Chart:
    """Stages in order (walk-ins -> prospects -> orders -> deliveries), each with its share of the first."""
    trace = {"type": "funnel", "y": _str(stages), "x": list(values), "textinfo": "value+percent initial",
             "marker": {"color": ACCENT}}
    return Chart(chart_id, title, {"data": [trace], "layout": _layout(title, yaxis={"automargin": True},
                                                                     margin={"l": 90, "r": 16, "t": 40, "b": 24})})


def target_bars(chart_id: str, title: str, labels, actual, target, *, actual_name: str, target_name: str) -> Chart:
    """Actual figures as bars with each target marked as a line across its bar; a bar reaching its
    mark is green, one short of it blue."""
    colors = [GOOD if t and a >= t else ACCENT for a, t in zip(actual, target)]
    data = [
        {"type": "bar", "x": _str(labels), "y": list(actual), "name": actual_name, "marker": {"color": colors},
         "hovertemplate": "%{x}: %{y}<extra>" + actual_name + "</extra>"},
        {"type": "scatter", "mode": "markers", "x": _str(labels), "y": list(target), "name": target_name,
         "marker": {"symbol": "line-ew-open", "size": 36, "line": {"width": 3, "color": WARN}},
         "hovertemplate": "%{x}: %{y}<extra>" + target_name + "</extra>"},
    ]
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, showlegend=True, legend=_LEGEND, xaxis={"type": "category",
                                                                             "automargin": True})})


def pareto(chart_id: str, title: str, labels, counts, *, count_name: str, share_name: str) -> Chart:
    """Causes by count, largest first, with the cumulative share on a second axis (a Pareto chart)."""
    rows = sorted(((str(label), int(count)) for label, count in zip(labels, counts) if count),
                  key=lambda r: -r[1])
    total = sum(count for _, count in rows) or 1
    cumulative, running = [], 0
    for _, count in rows:
        running += count
        cumulative.append(round(100 * running / total, 1))
    names = [label for label, _ in rows]
    data = [
        {"type": "bar", "x": names, "y": [count for _, count in rows], "name": count_name,
         "marker": {"color": ACCENT}},
        {"type": "scatter", "mode": "lines+markers", "x": names, "y": cumulative, "name": share_name,
         "yaxis": "y2", "line": {"color": WARN}, "hovertemplate": "%{x}: %{y}%<extra></extra>"},
    ]
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, showlegend=True, legend=_LEGEND,
        xaxis={"type": "category", "automargin": True},
        yaxis2={"overlaying": "y", "side": "right", "range": [0, 105], "tickvals": [0, 25, 50, 75, 100],
                "ticksuffix": "%", "showgrid": False})})
