// Draws the newer version of a process and marks the elements added and changed since the older one.
(function () {
  var holder = document.getElementById("diagram");
  var data = JSON.parse(document.getElementById("compare-data").textContent);
  if (!holder || !data.xml || !window.BpmnJS) { return; }
  var viewer = new window.BpmnJS({ container: holder });
  viewer.importXML(data.xml).then(function () {
    var canvas = viewer.get("canvas"), registry = viewer.get("elementRegistry");
    canvas.zoom("fit-viewport");
    data.added.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "cf-added"); } });
    data.changed.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "cf-changed"); } });
    holder.setAttribute("data-rendered", "true");
  }).catch(function (error) { holder.setAttribute("data-error", String(error && error.message || error)); });
})();
