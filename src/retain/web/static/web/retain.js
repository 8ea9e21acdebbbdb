/* Behaviour the templates would otherwise write as inline handlers (onchange=, onclick=), which
   the Content-Security-Policy forbids: pages mark elements with data attributes instead. */
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-submit-on-change]")) {
    event.target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
