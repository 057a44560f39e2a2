/* Organization pages: tell the live checklist that a charter file was chosen (the file
   itself is not sent on every change), keep Enter in a person search from submitting the
   form, and submit selects marked data-autosubmit. */
(function () {
  "use strict";

  // Capture phase: runs before htmx's change listener on the form reads the values.
  document.addEventListener(
    "change",
    function (event) {
      var input = event.target;
      if (input.matches("[data-charter-input]")) {
        var flag = document.getElementById("charter-chosen");
        if (flag) flag.value = input.files && input.files.length ? "1" : "";
      }
    },
    true
  );

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.submit();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("input[type='search'][name='q']") && event.target.closest("form[method='post']")) {
      event.preventDefault();
    }
  });
})();
