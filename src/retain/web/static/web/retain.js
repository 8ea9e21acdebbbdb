// Small behaviours every page shares, kept out of the markup (no inline script or on* attributes):
// - a <select data-autosubmit> submits its form when changed (the language switch);
// - an element with data-scroll-into-view is scrolled into view on load (today's column);
// - a button with data-print prints the page.
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var target = document.querySelector("[data-scroll-into-view]");
    if (target) target.scrollIntoView({block: "nearest", inline: "center"});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
