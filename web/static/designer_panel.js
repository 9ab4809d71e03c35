// The side panel of the modeler: for the selected element, exactly what clusterflow's engine reads
// (lane role, user task form/due/assignee, scripts, conditions, timers, called process/decision,
// messages and correlation), written through bpmn-js's modeling commands (so undo works) into
// the spiffworkflow extension elements the engine parses.
(function () {
  var SPIFF_PROPERTIES = "spiffworkflow:properties";

  window.cfPanel = function (modeler, holder, setup, text) {
    var modeling = modeler.get("modeling");
    var moddle = modeler.get("moddle");
    var selection = modeler.get("selection");
    var selected = null;

    function bo(element) { return element.businessObject; }
    function is(element, type) { return bo(element).$instanceOf(type); }
    function definitionOf(element, type) {
      return (bo(element).eventDefinitions || []).filter(function (d) { return d.$instanceOf(type); })[0] || null;
    }
    function values(target) { return target.extensionElements ? target.extensionElements.get("values") : []; }
    function ensureExtensions(element, target) {
      if (!target.extensionElements) {
        var created = moddle.create("bpmn:ExtensionElements", { values: [] });
        created.$parent = target;
        modeling.updateModdleProperties(element, target, { extensionElements: created });
      }
      return target.extensionElements;
    }
    function extension(target, type) { return values(target).filter(function (v) { return v.$type === type; })[0] || null; }

    // a pool's properties belong to its process (the engine reads them there)
    function holderOf(element) { return is(element, "bpmn:Participant") && bo(element).processRef ? bo(element).processRef : bo(element); }
    function property(element, name) {
      var props = extension(holderOf(element), SPIFF_PROPERTIES);
      var found = props ? props.get("properties").filter(function (p) { return p.name === name; })[0] : null;
      return found ? found.value || "" : "";
    }
    function setProperty(element, name, value) {
      var target = holderOf(element);
      var props = extension(target, SPIFF_PROPERTIES);
      var found = props ? props.get("properties").filter(function (p) { return p.name === name; })[0] : null;
      if (!value) {
        if (found) { modeling.updateModdleProperties(element, props, { properties: props.get("properties").filter(function (p) { return p !== found; }) }); }
        return;
      }
      if (found) { modeling.updateModdleProperties(element, found, { value: value }); return; }
      var extensions = ensureExtensions(element, target);
      if (!props) {
        props = moddle.create(SPIFF_PROPERTIES, { properties: [] });
        props.$parent = extensions;
        modeling.updateModdleProperties(element, extensions, { values: extensions.get("values").concat([props]) });
      }
      var created = moddle.create("spiffworkflow:property", { name: name, value: value });
      created.$parent = props;
      modeling.updateModdleProperties(element, props, { properties: props.get("properties").concat([created]) });
    }
    function bodyOf(target, type) { var found = extension(target, type); return found ? found.value || "" : ""; }
    function setBody(element, target, type, value) {
      var found = extension(target, type);
      if (!value) {
        if (found) { modeling.updateModdleProperties(element, target.extensionElements, { values: values(target).filter(function (v) { return v !== found; }) }); }
        return;
      }
      if (found) { modeling.updateModdleProperties(element, found, { value: value }); return; }
      var extensions = ensureExtensions(element, target);
      var created = moddle.create(type, { value: value });
      created.$parent = extensions;
      modeling.updateModdleProperties(element, extensions, { values: extensions.get("values").concat([created]) });
    }
    function expression(value) { return value ? moddle.create("bpmn:FormalExpression", { body: value }) : undefined; }

    function timerKind(def) { return ["timeDuration", "timeDate", "timeCycle"].filter(function (k) { return def.get(k); })[0] || "timeDuration"; }
    function setTimer(element, def, kind, value) {
      var changes = { timeDuration: undefined, timeDate: undefined, timeCycle: undefined };
      changes[kind] = expression(value);
      modeling.updateModdleProperties(element, def, changes);
    }
    function messageName(def) { return def.messageRef ? def.messageRef.name || def.messageRef.id : ""; }
    function setMessage(element, def, name) {
      if (!name) { modeling.updateModdleProperties(element, def, { messageRef: undefined }); return; }
      var definitions = modeler.getDefinitions();
      var roots = definitions.get("rootElements");
      var message = roots.filter(function (r) { return r.$type === "bpmn:Message" && r.name === name; })[0];
      if (!message) {
        message = moddle.create("bpmn:Message", { id: "message_" + Math.random().toString(36).slice(2, 9), name: name });
        message.$parent = definitions;
        modeling.updateModdleProperties(element, definitions, { rootElements: roots.concat([message]) });
      }
      modeling.updateModdleProperties(element, def, { messageRef: message });
    }

    // Each field: [key, label, kind (text|area|select), get(element), set(element, value), options]
    function fieldsFor(element) {
      var fields = [["id", text.id, "text", function (e) { return bo(e).id; }, function (e, v) { if (v) { modeling.updateProperties(e, { id: v }); } }],
                    ["name", text.name, "text", function (e) { return bo(e).name || ""; }, function (e, v) { modeling.updateProperties(e, { name: v || undefined }); }]];
      function prop(key, label, kind, options) {
        fields.push([key, label, kind, function (e) { return property(e, key); }, function (e, v) { setProperty(e, key, v); }, options]);
      }
      var target = bo(element);
      // the English name shown to English users instead of the (Persian) name
      if (is(element, "bpmn:Process") || is(element, "bpmn:Participant") || is(element, "bpmn:UserTask") || is(element, "bpmn:ManualTask")) {
        prop("name_en", text.nameEn, "text");
      }
      if (is(element, "bpmn:Lane")) {
        prop("role", text.role, "select", setup.roles.map(function (r) { return [r.id, r.label]; }));
      }
      if (is(element, "bpmn:UserTask")) {
        prop("form", text.form, "select", setup.forms.map(function (f) { return [f, f]; }));
        prop("due", text.due, "text");
        prop("assignee", text.assignee, "text");
        fields.push(["instructions", text.instructions, "area", function () { return bodyOf(target, "spiffworkflow:instructionsForEndUser"); },
          function (e, v) { setBody(e, target, "spiffworkflow:instructionsForEndUser", v); }]);
      }
      if (is(element, "bpmn:ScriptTask")) {
        fields.push(["script", text.script, "area", function () { return target.script || ""; }, function (e, v) { modeling.updateProperties(e, { script: v || undefined }); }]);
      }
      if (is(element, "bpmn:SequenceFlow")) {
        fields.push(["condition", text.condition, "area", function () { return target.conditionExpression ? target.conditionExpression.body || "" : ""; },
          function (e, v) { modeling.updateProperties(e, { conditionExpression: expression(v) }); }]);
      }
      if (is(element, "bpmn:CallActivity")) {
        fields.push(["calledElement", text.calledElement, "text", function () { return target.calledElement || ""; }, function (e, v) { modeling.updateProperties(e, { calledElement: v || undefined }); }]);
      }
      if (is(element, "bpmn:BusinessRuleTask")) {
        fields.push(["calledDecisionId", text.decision, "text", function () { return bodyOf(target, "spiffworkflow:calledDecisionId"); },
          function (e, v) { setBody(e, target, "spiffworkflow:calledDecisionId", v); }]);
      }
      if (is(element, "bpmn:Task") && !is(element, "bpmn:ScriptTask")) {
        fields.push(["preScript", text.preScript, "area", function () { return bodyOf(target, "spiffworkflow:preScript"); }, function (e, v) { setBody(e, target, "spiffworkflow:preScript", v); }]);
        fields.push(["postScript", text.postScript, "area", function () { return bodyOf(target, "spiffworkflow:postScript"); }, function (e, v) { setBody(e, target, "spiffworkflow:postScript", v); }]);
      }
      var timer = is(element, "bpmn:Event") ? definitionOf(element, "bpmn:TimerEventDefinition") : null;
      if (timer) {
        fields.push(["timerKind", text.timerType, "select", function () { return timerKind(timer); },
          function (e, v) { var k = timerKind(timer); setTimer(e, timer, v || "timeDuration", timer.get(k) ? timer.get(k).body : ""); },
          [["timeDuration", text.duration], ["timeDate", text.date], ["timeCycle", text.cycle]], true]);
        fields.push(["timer", text.timer, "text", function () { var k = timerKind(timer); return timer.get(k) ? timer.get(k).body || "" : ""; },
          function (e, v) { setTimer(e, timer, timerKind(timer), v); }]);
      }
      var message = is(element, "bpmn:Event") ? definitionOf(element, "bpmn:MessageEventDefinition") : null;
      if (message) {
        fields.push(["message", text.message, "text", function () { return messageName(message); }, function (e, v) { setMessage(e, message, v); }]);
        if (is(element, "bpmn:CatchEvent")) {
          prop("correlate", text.correlate, "text");
          fields.push(["messageVariable", text.messageVariable, "text", function () { return bodyOf(message, "spiffworkflow:messageVariable"); },
            function (e, v) { setBody(e, message, "spiffworkflow:messageVariable", v); }]);
        }
      }
      if (is(element, "bpmn:StartEvent") && !(target.eventDefinitions || []).length) {
        prop("form", text.startForm, "select", setup.forms.map(function (f) { return [f, f]; }));
      }
      return fields;
    }

    function control(field, element) {
      var key = field[0], kind = field[2], value = field[3](element), input;
      if (kind === "select") {
        input = document.createElement("select");
        input.className = "form-select form-select-sm";
        var options = (field[6] ? [] : [["", text.none]]).concat(field[5] || []);
        if (value && !options.some(function (o) { return o[0] === value; })) { options.push([value, value]); }
        options.forEach(function (o) { var opt = new Option(o[1], o[0]); opt.selected = o[0] === value; input.appendChild(opt); });
      } else {
        input = document.createElement(kind === "area" ? "textarea" : "input");
        input.className = "form-control form-control-sm ltr-data";
        if (kind === "area") { input.rows = 3; }
        input.value = value;
      }
      input.name = key;
      input.id = "panel-" + key;
      input.setAttribute("dir", "auto");
      input.setAttribute("data-testid", "panel-" + key);
      input.addEventListener("change", function () {
        try { field[4](element, input.value.trim() ? input.value : ""); } catch (error) { input.classList.add("is-invalid"); input.title = String(error.message || error); }
      });
      return input;
    }

    function render() {
      holder.innerHTML = "";
      var heading = document.createElement("div");
      heading.className = "small text-muted mb-2";
      // nothing selected: the process itself (its name and English name), when the diagram is one process
      var root = modeler.get("canvas").getRootElement();
      var shown = selected || (root && root.businessObject && is(root, "bpmn:Process") ? root : null);
      if (!shown) { heading.textContent = text.noSelection; holder.appendChild(heading); return; }
      heading.textContent = text.engineReads + " · " + bo(shown).$type.replace("bpmn:", "");
      holder.appendChild(heading);
      holder.setAttribute("data-element-id", bo(shown).id);
      fieldsFor(shown).forEach(function (field) {
        var group = document.createElement("div");
        group.className = "mb-2";
        var label = document.createElement("label");
        label.className = "form-label small mb-0";
        label.htmlFor = "panel-" + field[0];
        label.textContent = field[1];
        group.appendChild(label);
        group.appendChild(control(field, shown));
        if (field[0] === "form" && property(shown, "form")) {
          var link = document.createElement("a");
          link.className = "small";
          link.target = "_blank";
          link.href = setup.urls.form.replace("FORM_ID", encodeURIComponent(property(shown, "form")));
          link.textContent = text.editForm;
          group.appendChild(link);
        }
        holder.appendChild(group);
      });
    }

    modeler.on("selection.changed", function (event) {
      selected = event.newSelection.length === 1 ? event.newSelection[0] : null;
      if (selected && selected.type === "label") { selected = selected.labelTarget; }
      render();
    });
    modeler.on("elements.changed", function (event) {
      var root = modeler.get("canvas").getRootElement();
      var shown = selected || root;
      if (shown && event.elements.some(function (e) { return e === shown || e.id === shown.id; })) { render(); }
    });
    modeler.on("import.done", function () { selected = null; render(); });
    render();
    return { render: render, select: function (id) { var el = modeler.get("elementRegistry").get(id); if (el) { selection.select(el); } return !!el; } };
  };
})();
