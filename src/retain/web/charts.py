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


def _error(values, low, high) -> dict:
    """Plotly error bars from interval bounds (missing bounds draw no bar)."""
    plus = [None if v is None or h is None else h - v for v, h in zip(values, high)]
    minus = [None if v is None or lo is None else v - lo for v, lo in zip(values, low)]
    return {"type": "data", "symmetric": False, "array": plus, "arrayminus": minus, "color": MUTED}


def interval_line(chart_id: str, title: str, labels, values, low, high, *, name: str, band_name: str,
                  marks=None, mark_colors: dict | None = None) -> Chart:
    """A line with its confidence band (a trend, a curve across touchpoints). ``marks``, one per
    point ("" for none), colours points (a valley red, a peak green) by ``mark_colors``."""
    x = _str(labels)
    colors = [(mark_colors or {}).get(m, ACCENT) for m in (marks or [""] * len(x))]
    data = [
        {"type": "scatter", "mode": "lines", "x": x, "y": list(high), "line": {"width": 0}, "hoverinfo": "skip",
         "showlegend": False, "name": band_name},
        {"type": "scatter", "mode": "lines", "x": x, "y": list(low), "line": {"width": 0}, "fill": "tonexty",
         "fillcolor": "rgba(10,108,189,0.15)", "name": band_name, "hoverinfo": "skip"},
        {"type": "scatter", "mode": "lines+markers", "x": x, "y": list(values), "name": name,
         "line": {"color": ACCENT}, "marker": {"color": colors, "size": 9},
         "hovertemplate": "%{x}: %{y:.1f}<extra></extra>"},
    ]
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, showlegend=True, legend=_LEGEND, xaxis={"type": "category", "automargin": True},
        yaxis={"gridcolor": "#e5e9ef", "automargin": True})})


def interval_bars(chart_id: str, title: str, labels, values, low, high, *, name: str, colors=None,
                  second: tuple[str, list] | None = None, horizontal: bool = False) -> Chart:
    """Bars with their intervals as error bars (item means, dealers' scores, retention by band);
    ``second`` = (name, values) adds markers on a right-hand axis (the items' weights)."""
    x, y = _str(labels), list(values)
    bar = {"type": "bar", "name": name, "marker": {"color": colors or ACCENT}}
    if horizontal:
        bar |= {"y": x, "x": y, "orientation": "h", "error_x": _error(y, low, high),
                "hovertemplate": "%{y}: %{x:.3g}<extra></extra>"}
    else:
        bar |= {"x": x, "y": y, "error_y": _error(y, low, high), "hovertemplate": "%{x}: %{y:.3g}<extra></extra>"}
    data = [bar]
    extra = {}
    if second is not None:
        data.append({"type": "scatter", "mode": "markers", "x": x, "y": list(second[1]), "name": second[0],
                     "yaxis": "y2", "marker": {"color": WARN, "size": 10, "symbol": "diamond"}})
        extra["yaxis2"] = {"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"}
    axes = ({"yaxis": {"type": "category", "automargin": True, "autorange": "reversed"},
             "xaxis": {"automargin": True, "gridcolor": "#e5e9ef"}} if horizontal
            else {"xaxis": {"type": "category", "automargin": True}})
    height = {"height": max(300, 28 * len(x) + 80)} if horizontal else {}
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, showlegend=second is not None, legend=_LEGEND, **axes, **extra, **height)})


def zones(chart_id: str, title: str, labels, x, y, *, split_x: float, split_y: float, x_title: str, y_title: str,
          corners: dict[str, str]) -> Chart:
    """Points on two axes cut into four zones at (split_x, split_y), each zone named in its
    corner (``corners``: keys top_left, top_right, bottom_left, bottom_right): the importance x
    satisfaction quadrant, Kano's Better x Worse plane."""
    data = [{"type": "scatter", "mode": "markers+text", "x": list(x), "y": list(y), "text": _str(labels),
             "textposition": "top center", "marker": {"color": ACCENT, "size": 10}, "cliponaxis": False,
             "hovertemplate": "%{text}: %{x:.3g}, %{y:.3g}<extra></extra>"}]
    line = {"type": "line", "line": {"dash": "dash", "color": MUTED, "width": 1}}
    shapes = [{**line, "x0": split_x, "x1": split_x, "yref": "paper", "y0": 0, "y1": 1},
              {**line, "y0": split_y, "y1": split_y, "xref": "paper", "x0": 0, "x1": 1}]
    spots = {"top_left": (0.01, 0.99, "left", "top"), "top_right": (0.99, 0.99, "right", "top"),
             "bottom_left": (0.01, 0.01, "left", "bottom"), "bottom_right": (0.99, 0.01, "right", "bottom")}
    annotations = [{"xref": "paper", "yref": "paper", "x": spots[k][0], "y": spots[k][1], "xanchor": spots[k][2],
                    "yanchor": spots[k][3], "text": str(text), "showarrow": False,
                    "font": {"size": 11, "color": WARN if k == "bottom_right" else MUTED}}
                   for k, text in corners.items()]
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, height=380, shapes=shapes, annotations=annotations,
        xaxis={"title": {"text": x_title}, "automargin": True, "zeroline": False},
        yaxis={"title": {"text": y_title}, "automargin": True, "gridcolor": "#e5e9ef"})})


def path_diagram(chart_id: str, title: str, nodes, edges) -> Chart:
    """A structural model drawn as boxes and arrows: ``nodes`` are (key, text, x, y) on a 0-1 plane,
    ``edges`` (from key, to key, text) arrows labelled with their coefficient."""
    where = {key: (x, y) for key, _text, x, y in nodes}
    data = [{"type": "scatter", "mode": "markers+text", "x": [n[2] for n in nodes], "y": [n[3] for n in nodes],
             "text": [str(n[1]) for n in nodes], "textposition": "middle center", "hoverinfo": "text",
             "marker": {"size": 70, "symbol": "square", "color": "#e8f1fa", "line": {"color": ACCENT, "width": 1}},
             "cliponaxis": False}]
    annotations = []
    for source, target, text in edges:
        (x0, y0), (x1, y1) = where[source], where[target]
        annotations.append({"x": x0 + 0.8 * (x1 - x0), "y": y0 + 0.8 * (y1 - y0), "ax": x0 + 0.2 * (x1 - x0),
                            "ay": y0 + 0.2 * (y1 - y0), "xref": "x", "yref": "y", "axref": "x", "ayref": "y",
                            "showarrow": True, "arrowhead": 3, "arrowwidth": 1.5, "arrowcolor": ACCENT, "text": ""})
        annotations.append({"x": (x0 + x1) / 2, "y": (y0 + y1) / 2 + 0.06, "text": str(text), "showarrow": False,
                            "font": {"size": 12, "color": WARN}, "bgcolor": "rgba(255,255,255,0.8)"})
    hidden = {"visible": False, "range": [-0.15, 1.15]}
    return Chart(chart_id, title, {"data": data, "layout": _layout(
        title, height=340, annotations=annotations, xaxis=hidden, yaxis=hidden)})
