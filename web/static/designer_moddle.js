// The spiffworkflow extension namespace for bpmn-js's moddle: every element of SpiffWorkflow's
// spiffworkflow.xsd (and scriptsOnInstances), so a round trip through the modeler writes exactly
// what the engine reads. An element of this namespace missing here would be dropped on import.
(function () {
  function body(name, property) {
    return { name: name, superClass: ["Element"], properties: [{ name: property || "value", isBody: true, type: "String" }] };
  }
  function attrs(name, names) {
    return { name: name, superClass: ["Element"], properties: names.map(function (n) { return { name: n, isAttr: true, type: "String" }; }) };
  }
  window.cfSpiffModdle = {
    name: "SpiffWorkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    prefix: "spiffworkflow",
    associations: [],
    types: [
      { name: "properties", superClass: ["Element"], properties: [{ name: "properties", type: "property", isMany: true }] },
      attrs("property", ["name", "value"]),
      body("calledDecisionId"),
      body("instructionsForEndUser"),
      body("messagePayload"),
      body("messageVariable"),
      body("payloadExpression"),
      body("variableName"),
      body("preScript"),
      body("postScript"),
      body("scriptsOnInstances"),
      { name: "unitTests", superClass: ["Element"], properties: [{ name: "unitTests", type: "unitTest", isMany: true }] },
      { name: "unitTest", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" },
        { name: "inputJson", type: "inputJson" }, { name: "expectedOutputJson", type: "expectedOutputJson" }] },
      body("inputJson"),
      body("expectedOutputJson"),
      { name: "serviceTaskOperator", superClass: ["Element"], properties: [
        { name: "id", isAttr: true, type: "String" }, { name: "resultVariable", isAttr: true, type: "String" },
        { name: "parameterList", type: "parameters" }, { name: "retry", type: "retry" }] },
      { name: "parameters", superClass: ["Element"], properties: [{ name: "parameters", type: "parameter", isMany: true }] },
      attrs("parameter", ["id", "type", "value"]),
      attrs("retry", ["retries", "backoff_base"])
    ]
  };
})();
