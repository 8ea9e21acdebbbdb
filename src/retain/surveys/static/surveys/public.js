// The public answer page's small helps; the page works without them (the server checks all):
// - a text area shows how many characters are left (data-counter names the counter's id);
// - an allocation shows its running total (inputs data-points="<code>", output data-total-for).
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("textarea[data-counter]").forEach(function (area) {
      var counter = document.getElementById(area.getAttribute("data-counter"));
      var max = parseInt(area.getAttribute("maxlength"), 10);
      function update() { counter.textContent = area.value.length + " / " + max; }
      if (counter && max) { area.addEventListener("input", update); update(); }
    });
    document.querySelectorAll("output[data-total-for]").forEach(function (output) {
      var code = output.getAttribute("data-total-for");
      var inputs = document.querySelectorAll('input[data-points="' + code + '"]');
      function update() {
        var sum = 0;
        inputs.forEach(function (input) { var n = parseInt(input.value, 10); if (!isNaN(n)) sum += n; });
        output.textContent = String(sum);
      }
      inputs.forEach(function (input) { input.addEventListener("input", update); });
      update();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
