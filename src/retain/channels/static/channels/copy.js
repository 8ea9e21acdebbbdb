// A button with data-copy="text" copies that text to the clipboard (the outbox: staff paste a
// message into WeChat or an SMS). Kept out of the markup: no inline script under the CSP.
(function () {
  "use strict";
  function init() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-copy");
        var done = function () { button.classList.add("copied"); button.setAttribute("aria-pressed", "true"); };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(text).then(done);
        } else {
          var area = document.createElement("textarea");
          area.value = text;
          document.body.appendChild(area);
          area.select();
          document.execCommand("copy");
          document.body.removeChild(area);
          done();
        }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
