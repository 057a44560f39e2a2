/* The queue's "select all on this page" box for bulk dispatch (rows are swapped by htmx, so
   the handler is delegated). */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    document.querySelectorAll("input[name='cases'][form='bulk-form']").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
})();
