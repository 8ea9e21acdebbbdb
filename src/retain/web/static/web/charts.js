// Draws every chart on the page from the JSON that `{% chart %}` wrote with json_script.
// A static file, so pages need no inline script (Content-Security-Policy: script-src 'self').
// Plotly.js (served from the plotly wheel) is large: it is fetched once the page has loaded,
// so the tables beside the charts can be read at once; browsers then keep it (immutable URL).
(function () {
  "use strict";
  var self = document.currentScript;
  function draw() {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(el, figure.data, figure.layout, {
        responsive: true, displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"]
      }).then(function () { el.setAttribute("data-drawn", "1"); });
    });
  }
  function load() {
    if (!document.querySelector("[data-chart]")) return;
    if (typeof Plotly !== "undefined") { draw(); return; }
    var script = document.createElement("script");
    script.src = self.getAttribute("data-plotly");
    script.addEventListener("load", draw);
    document.head.appendChild(script);
  }
  if (document.readyState === "complete") load();
  else window.addEventListener("load", load);
})();
