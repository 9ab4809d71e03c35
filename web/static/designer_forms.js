// The form definition editor: a live preview rendered by the server (as the task page renders it), and saving.
(function () {
  var urls = JSON.parse(document.getElementById("form-urls").textContent);
  var editor = document.getElementById("definition");
  var preview = document.getElementById("preview");
  var problems = document.getElementById("form-problems");
  var status = document.getElementById("form-status");
  var timer = null;

  function post(url) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ text: editor.value }),
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content }
    }).then(function (response) {
      return response.json().catch(function () { return { message: urls.failed, problems: [] }; })
        .then(function (data) { return { ok: response.ok, data: data }; });
    });
  }
  function showProblems(list) {
    problems.innerHTML = "";
    (list || []).forEach(function (p) { var item = document.createElement("li"); item.textContent = p; problems.appendChild(item); });
  }
  function refresh() {
    post(urls.preview).then(function (answer) {
      showProblems(answer.data.problems);
      if (answer.data.html !== undefined) { preview.innerHTML = answer.data.html; preview.setAttribute("data-valid", "true"); }
      else { preview.setAttribute("data-valid", "false"); }
    });
  }
  editor.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  var save = document.getElementById("save-form");
  if (save) {
    save.addEventListener("click", function () {
      post(urls.save).then(function (answer) {
        showProblems(answer.data.problems);
        status.className = "small mt-2 alert py-1 alert-" + (answer.ok ? "success" : "danger");
        status.textContent = answer.data.message || urls.failed;
      });
    });
  }
  refresh();
})();
