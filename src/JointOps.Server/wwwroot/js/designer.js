// The designer's live check: posts the JSON as the admin types and redraws the verdict, the errors and the diagram.
(function () {
  "use strict";
  var form = document.getElementById("designer");
  if (!form) { return; }
  var editor = document.getElementById("definition-json");
  var result = document.getElementById("designer-result");
  var timer = null;

  function render(check) {
    var verdict = document.getElementById("designer-verdict");
    verdict.textContent = check.valid ? "✓ The definition is valid." : "✗ " + check.errors.length + " problem(s).";
    verdict.className = check.valid ? "chain-ok" : "chain-broken";
    var list = document.getElementById("designer-errors");
    list.replaceChildren();
    check.errors.forEach(function (e) {
      var li = document.createElement("li");
      if (e.stepId) { li.setAttribute("data-step", e.stepId); }
      li.textContent = (e.stepTitle ? "Step '" + e.stepTitle + "': " : "") + e.message + " ";
      var path = document.createElement("span");
      path.className = "muted";
      path.textContent = "(" + e.path + ")";
      li.appendChild(path);
      list.appendChild(li);
    });
    // The SVG comes from the server's renderer, which escapes every text it draws.
    if (check.svg !== null) { document.getElementById("diagram").innerHTML = check.svg; }
  }

  function check() {
    var body = new FormData(form);
    fetch(result.getAttribute("data-preview"), { method: "POST", body: body, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) { if (c) { render(c); } })
      .catch(function () { /* the Check button still works */ });
  }

  editor.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 400);
  });
})();
