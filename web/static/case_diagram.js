// Draws a case's BPMN diagram with bpmn-js and marks done, in-hand and waiting elements.
(function () {
  var holder = document.getElementById("diagram");
  var payload = JSON.parse(document.getElementById("case-diagram").textContent);
  if (!holder || !payload.xml || !window.BpmnJS) { if (holder) { holder.style.display = "none"; } return; }
  var viewer = new window.BpmnJS({ container: holder });
  viewer.importXML(payload.xml).then(function () {
    var canvas = viewer.get("canvas");
    var registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    Object.keys(payload.states).forEach(function (id) {
      if (registry.get(id)) { canvas.addMarker(id, "cf-" + payload.states[id]); }
    });
    holder.setAttribute("data-rendered", "true");
  }).catch(function (error) {
    holder.setAttribute("data-error", String(error && error.message || error));
  });
})();
