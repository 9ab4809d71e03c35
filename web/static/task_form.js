// Task form behaviour: the Jalali date picker and "add a row" for repeating records.
(function () {
  if (window.jalaliDatepicker) {
    window.jalaliDatepicker.startWatch({ persianDigits: document.documentElement.lang === "fa" });
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-add-row");
      var body = document.querySelector('table[data-records="' + name + '"] tbody');
      var last = body.lastElementChild;
      var index = body.children.length;
      var row = last.cloneNode(true);
      row.querySelectorAll("input, select, textarea").forEach(function (input) {
        var oldName = input.getAttribute("name") || "";
        input.setAttribute("name", oldName.replace(/\.\d+\./, "." + index + "."));
        if (input.id) { input.id = input.id.replace(/\.\d+\./, "." + index + "."); }
        if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
        input.classList.remove("is-invalid");
      });
      row.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
      body.appendChild(row);
    });
  });
})();
