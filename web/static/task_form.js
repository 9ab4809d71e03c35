// Task form behaviour: the Jalali date picker and the rows of records fields.
// A small records field is a table of inputs ("add a row" copies the last row). A wide one (more than six
// columns) lists its rows in a summary table and edits each row in a modal <dialog>; every input keeps the
// name "<field>.<row>.<column>" so the server reads the rows whichever way they were edited.
(function () {
  var persian = document.documentElement.lang === "fa";
  var PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function digits(number) {
    var text = String(number);
    return persian ? text.replace(/[0-9]/g, function (d) { return PERSIAN_DIGITS[Number(d)]; }) : text;
  }
  function withNumber(text, number) { return text.replace(/[0-9۰-۹]+$/, digits(number)); }

  if (window.jalaliDatepicker) {
    window.jalaliDatepicker.startWatch({ persianDigits: persian });
  }

  // A modal dialog makes the rest of the page inert: the date picker must open inside it.
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("dialog [data-jdp]")) { return; }
    setTimeout(function () {
      var picker = document.querySelector("jdp-container");
      var dialog = target.closest("dialog");
      if (picker && dialog && picker.parentNode !== dialog) { dialog.appendChild(picker); }
    }, 0);
  });

  // --- small records: a table of inputs ---
  function addInlineRow(table) {
    var body = table.querySelector("tbody");
    var last = body.lastElementChild;
    var index = body.children.length;
    var row = last.cloneNode(true);
    var rename = function (text) { return text.replace(/\.\d+\./, "." + index + "."); };
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.setAttribute("name", rename(input.getAttribute("name") || ""));
      if (input.id) { input.id = rename(input.id); }
      if (input.type === "checkbox") { input.checked = false; } else { input.value = ""; }
      input.classList.remove("is-invalid");
    });
    row.querySelectorAll("label[for]").forEach(function (label) {
      label.setAttribute("for", rename(label.getAttribute("for")));
      if (label.hasAttribute("data-cell-label")) { label.textContent = withNumber(label.textContent, index + 1); }
    });
    row.querySelectorAll(".field-error").forEach(function (error) { error.remove(); });
    body.appendChild(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) { first.focus(); }
  }

  // --- wide records: a summary table, one dialog per row ---
  function parts(name) {
    return {
      body: document.querySelector('table[data-records="' + name + '"] tbody'),
      dialogs: document.querySelector('[data-row-dialogs="' + name + '"]'),
      template: document.querySelector('template[data-row-template="' + name + '"]')
    };
  }

  function dialogOf(name, index) {
    return parts(name).dialogs.querySelector('dialog[data-row-dialog="' + index + '"]');
  }

  function summarise(name, index) {
    var dialog = dialogOf(name, index);
    var row = parts(name).body.querySelector('tr[data-row="' + index + '"]');
    if (!dialog || !row) { return; }
    row.querySelectorAll("[data-summary]").forEach(function (cell) {
      var input = dialog.querySelector('[name="' + name + "." + index + "." + cell.getAttribute("data-summary") + '"]');
      if (!input) { return; }
      if (input.tagName === "SELECT") {
        cell.textContent = input.value ? input.options[input.selectedIndex].text : "";
      } else {
        cell.textContent = input.value;
      }
    });
  }

  function renumber(name) {
    var p = parts(name);
    p.body.querySelectorAll("tr[data-row]").forEach(function (row, position) {
      var number = position + 1;
      var index = row.getAttribute("data-row");
      row.querySelector("[data-row-number]").textContent = digits(number);
      row.querySelectorAll("button[aria-label]").forEach(function (button) {
        button.setAttribute("aria-label", withNumber(button.getAttribute("aria-label"), number));
      });
      var title = dialogOf(name, index).querySelector("[data-row-title]");
      title.textContent = withNumber(title.textContent, number);
    });
  }

  function openRow(name, index, opener) {
    var dialog = dialogOf(name, index);
    dialog.returnFocusTo = opener;
    dialog.showModal();
  }

  function addWideRow(name) {
    var p = parts(name);
    var next = 0;
    p.body.querySelectorAll("tr[data-row]").forEach(function (row) {
      next = Math.max(next, Number(row.getAttribute("data-row")) + 1);
    });
    var number = p.body.querySelectorAll("tr[data-row]").length + 1;
    var html = p.template.innerHTML.split("__index__").join(String(next)).split("__number__").join(digits(number));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    p.body.appendChild(holder.querySelector("tr"));
    var dialog = holder.querySelector("dialog");
    p.dialogs.appendChild(dialog);
    var edit = p.body.querySelector('[data-edit-row="' + next + '"]');
    openRow(name, next, edit);
  }

  function removeWideRow(name, index) {
    var p = parts(name);
    var row = p.body.querySelector('tr[data-row="' + index + '"]');
    var following = row.nextElementSibling;
    if (following && following.hasAttribute("data-row-errors")) { following.remove(); }
    var neighbour = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    dialogOf(name, index).remove();
    renumber(name);
    var focus = neighbour && neighbour.querySelector("[data-edit-row]");
    (focus || document.querySelector('[data-add-row="' + name + '"]')).focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button") : null;
    if (!button) { return; }
    var table = button.closest("table[data-records]");
    var fieldName = table ? table.getAttribute("data-records") : null;
    if (button.hasAttribute("data-add-row")) {
      var name = button.getAttribute("data-add-row");
      var records = document.querySelector('table[data-records="' + name + '"]');
      if (records.hasAttribute("data-wide")) { addWideRow(name); } else { addInlineRow(records); }
    } else if (button.hasAttribute("data-edit-row")) {
      openRow(fieldName, button.getAttribute("data-edit-row"), button);
    } else if (button.hasAttribute("data-remove-row")) {
      removeWideRow(fieldName, button.getAttribute("data-remove-row"));
    } else if (button.hasAttribute("data-close-row")) {
      button.closest("dialog").close();
    }
  });

  // closing a row's dialog (Done or Escape) updates its summary and gives the focus back to its button
  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (!dialog.matches || !dialog.matches("dialog[data-row-dialog]")) { return; }
    var name = dialog.parentNode.getAttribute("data-row-dialogs");
    summarise(name, dialog.getAttribute("data-row-dialog"));
    if (dialog.returnFocusTo && document.contains(dialog.returnFocusTo)) { dialog.returnFocusTo.focus(); }
  }, true);
})();
