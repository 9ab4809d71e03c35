// The modeler page: the files of a version or draft in tabs (bpmn-js for .bpmn, dmn-js for .dmn),
// save as draft, validate with the server's checks (problems marked on the diagram), deploy.
(function () {
  var setup = JSON.parse(document.getElementById("designer-setup").textContent);
  var text = JSON.parse(document.getElementById("designer-text").textContent);
  var files = Object.assign({}, setup.files);
  var draftId = setup.draft ? setup.draft.id : null;
  var current = null, problems = [], warnings = [], unreadable = {};
  var canvas = document.getElementById("canvas");
  var bpmnHolder = document.createElement("div"), dmnHolder = document.createElement("div");
  bpmnHolder.className = dmnHolder.className = "designer-editor";
  canvas.appendChild(bpmnHolder);
  canvas.appendChild(dmnHolder);
  var bpmn = new window.BpmnJS({ container: bpmnHolder, moddleExtensions: { spiffworkflow: window.cfSpiffModdle } });
  var dmn = window.DmnJS ? new window.DmnJS({ container: dmnHolder, common: { keyboard: { bindTo: document } } }) : null;
  var panel = window.cfPanel(bpmn, document.getElementById("panel"), setup, text);
  var status = document.getElementById("status");

  function isDmn(name) { return /\.dmn$/i.test(name); }
  function editorOf(name) { return isDmn(name) ? dmn : bpmn; }

  function store() {
    if (current === null || !editorOf(current) || unreadable[current]) { return Promise.resolve(); }
    return editorOf(current).saveXML({ format: true }).then(function (result) { files[current] = result.xml; });
  }

  function open(name) {
    return store().then(function () {
      current = name;
      bpmnHolder.style.display = isDmn(name) ? "none" : "block";
      dmnHolder.style.display = isDmn(name) ? "block" : "none";
      // the side panel edits the BPMN model only: hidden while a decision is shown, so no edit is lost
      document.getElementById("panel").style.display = isDmn(name) ? "none" : "";
      canvas.removeAttribute("data-error");
      canvas.removeAttribute("data-rendered");
      renderTabs();
      var editor = editorOf(name);
      if (!editor) { return { error: "no editor", warnings: [] }; }
      return editor.importXML(files[name]).then(function (result) {
        delete unreadable[name];
        if (!isDmn(name)) { keepNameReferences(result.warnings); bpmn.get("canvas").zoom("fit-viewport"); mark(); }
        canvas.setAttribute("data-rendered", name);
        return { error: null, warnings: (result.warnings || []).map(function (w) { return String(w.message || w); }) };
      }).catch(function (error) {
        var message = String(error && error.message || error);
        unreadable[name] = true;   // kept as it is: never overwritten with what the editor could not read
        canvas.setAttribute("data-error", message);
        say(/no diagram to display/.test(message) ? text.noDiagram : text.importError + " " + message, "warning");
        return { error: message, warnings: [] };
      });
    });
  }

  // SpiffWorkflow reads some BPMN references as plain names (a multi-instance task's loopDataInputRef is
  // a task-data variable, not an element id). bpmn-js drops references it cannot resolve, so each is
  // put back as a detached element with that id: it is written out as the same name, and is in no diagram.
  function keepNameReferences(found) {
    var moddle = bpmn.get("moddle");
    (found || []).forEach(function (warning) {
      var match = /^unresolved reference <(.+)>$/.exec(warning.message || "");
      var element = warning.element, property = warning.property;
      if (!match || !element || !property || !element.$descriptor) { return; }
      var descriptor = element.$descriptor.propertiesByName[property] ||
        element.$descriptor.propertiesByName[property.replace(/^bpmn:/, "")];
      if (!descriptor) { return; }
      var placeholder;
      try { placeholder = moddle.create(descriptor.type, { id: match[1] }); } catch (error) { placeholder = moddle.create("bpmn:DataInput", { id: match[1] }); }
      if (descriptor.isMany) { element.get(descriptor.name).push(placeholder); } else { element.set(descriptor.name, placeholder); }
    });
  }

  function renderTabs() {
    var tabs = document.getElementById("file-tabs");
    tabs.innerHTML = "";
    Object.keys(files).sort().forEach(function (name) {
      var item = document.createElement("li"), link = document.createElement("a");
      item.className = "nav-item";
      link.className = "nav-link" + (name === current ? " active" : "");
      link.href = "#";
      link.textContent = name;
      link.setAttribute("data-file", name);
      var count = problems.filter(function (p) { return p.file === name; }).length;
      if (count) { var badge = document.createElement("span"); badge.className = "badge text-bg-danger ms-1"; badge.textContent = count; link.appendChild(badge); }
      link.addEventListener("click", function (event) { event.preventDefault(); if (name !== current) { open(name); } });
      item.appendChild(link);
      tabs.appendChild(item);
    });
  }

  function mark() {
    if (current === null || isDmn(current)) { return; }
    var registry = bpmn.get("elementRegistry"), overlays = bpmn.get("overlays"), diagram = bpmn.get("canvas");
    registry.getAll().forEach(function (element) { diagram.removeMarker(element, "cf-problem"); });
    overlays.remove({ type: "cf-problem" });
    problems.filter(function (p) { return p.file === current && p.element_id && registry.get(p.element_id); }).forEach(function (p) {
      diagram.addMarker(p.element_id, "cf-problem");
      var badge = document.createElement("span");
      badge.className = "cf-problem-badge";
      badge.textContent = "!";
      badge.title = p.message;
      badge.setAttribute("data-problem-for", p.element_id);
      overlays.add(p.element_id, "cf-problem", { position: { top: -10, right: 10 }, html: badge });
    });
  }

  function say(message, kind) {
    status.className = "small mb-2 alert alert-" + (kind || "info") + " py-1";
    status.textContent = message;
  }

  function showProblems(found, warned) {
    problems = found || [];
    warnings = warned || [];
    var list = document.getElementById("problems");
    list.innerHTML = "";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#";
      link.textContent = p.file + (p.line ? ":" + p.line : "") + (p.element_id ? " " + p.element_id : "") + ": " + p.message;
      link.setAttribute("data-element-id", p.element_id || "");
      link.addEventListener("click", function (event) {
        event.preventDefault();
        var go = p.file === current || !files[p.file] ? Promise.resolve() : open(p.file);
        go.then(function () { if (p.element_id && !isDmn(current)) { panel.select(p.element_id); } });
      });
      item.appendChild(link);
      list.appendChild(item);
    });
    var warningList = document.getElementById("warnings");
    warningList.innerHTML = "";
    warnings.forEach(function (w) {
      var item = document.createElement("li");
      item.textContent = w.file + (w.element_id ? " " + w.element_id : "") + ": " + w.message;
      warningList.appendChild(item);
    });
    renderTabs();
    mark();
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": document.querySelector("meta[name=csrf-token]").content }
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return { ok: response.ok, data: data }; });
    });
  }

  function payload(extra) {
    return store().then(function () {
      return Object.assign({ files: files, based_on: setup.based_on, draft_id: draftId }, extra || {});
    });
  }

  function save() {
    return payload({ name: document.getElementById("draft-name").value }).then(function (body) {
      return post(setup.urls.save, body);
    }).then(function (answer) {
      if (!answer.ok) { showProblems(answer.data.problems || [], []); say(answer.data.message || text.failed, "danger"); return answer; }
      draftId = answer.data.id;
      window.history.replaceState(null, "", answer.data.url);
      showProblems(problems, answer.data.warnings);
      say(answer.data.message || text.saved, "success");
      return answer;
    });
  }

  function validate() {
    return payload().then(function (body) { return post(setup.urls.validate, body); }).then(function (answer) {
      if (!answer.ok) { say(answer.data.message || text.failed, "danger"); return answer; }
      showProblems(answer.data.problems, answer.data.warnings);
      say(answer.data.problems.length ? text.problems : text.valid, answer.data.problems.length ? "danger" : "success");
      return answer;
    });
  }

  function deploy() {
    var reason = document.getElementById("deploy-reason").value.trim();
    if (!reason) { say(text.needReason, "warning"); return Promise.resolve(null); }
    return payload({ reason: reason }).then(function (body) { return post(setup.urls.deploy, body); }).then(function (answer) {
      if (!answer.ok) {
        showProblems(answer.data.problems || [], []);
        say(answer.data.message || text.failed, "danger");
        return answer;
      }
      showProblems([], []);
      say(answer.data.message || text.deployed, "success");
      status.setAttribute("data-version", answer.data.version);
      return answer;
    });
  }

  document.getElementById("save-draft").addEventListener("click", save);
  document.getElementById("validate").addEventListener("click", validate);
  var deployButton = document.getElementById("deploy");
  if (deployButton) { deployButton.addEventListener("click", deploy); }

  window.cfDesigner = {
    modeler: bpmn, dmn: dmn, panel: panel, open: open, save: save, validate: validate, deploy: deploy,
    files: function () { return store().then(function () { return files; }); },
    current: function () { return current; }
  };
  open(setup.current);
})();
