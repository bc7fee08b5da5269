// The designer's step editor: a form over the definition's JSON. Every change rewrites the JSON text and raises the
// same input event typing would, so the engine's live check and the diagram follow. Built with DOM calls only
// (no inline script, no HTML strings), so admin-entered text is never markup.
(function () {
  "use strict";
  var editor = document.getElementById("definition-json");
  var root = document.getElementById("step-editor");
  if (!editor || !root) { return; }

  var ROLES = ["Officer", "Supervisor", "CentralAuthority", "Liaison", "Approver", "ExecutingUnit", "Admin", "Auditor"];
  var SIDES = ["requesting", "receiving"], SCOPES = ["country", "unit", "owner"], TIMES = ["calendar", "working"];
  var PRIORITIES = ["normal", "urgent", "critical"], OUTCOMES = ["completed", "rejected", "refused", "withdrawn"];
  var FIELDS = ["priority", "type", "requestingCountry", "receivingCountry"];
  var model = null, uid = 0, ownChange = false, pending = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "onchange" || k === "onclick") { node.addEventListener(k.slice(2), attrs[k]); } else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }

  function field(label, input) {
    var id = "f" + (++uid);
    input.id = id;
    return el("div", { "class": "field" }, [el("label", { "for": id, text: label }), input]);
  }

  function text(value, set, attrs) {
    var input = el("input", Object.assign({ type: "text" }, attrs || {}));
    input.value = value === undefined || value === null ? "" : value;
    input.addEventListener("change", function () { set(input.value.trim()); commit(); });
    return input;
  }

  function select(options, value, set, blank) {
    var s = el("select");
    if (blank !== undefined) { s.appendChild(el("option", { value: "", text: blank })); }
    options.forEach(function (o) { var opt = el("option", { value: o, text: o }); if (o === value) { opt.selected = true; } s.appendChild(opt); });
    if (value !== undefined && options.indexOf(value) < 0 && blank === undefined) { s.appendChild(el("option", { value: value, text: value + " (unknown)", selected: "selected" })); }
    s.addEventListener("change", function () { set(s.value); commit(); });
    return s;
  }

  function check(value, set) {
    var c = el("input", { type: "checkbox" });
    c.checked = !!value;
    c.addEventListener("change", function () { set(c.checked); commit(); });
    return c;
  }

  function button(label, action, cls) {
    return el("button", { type: "button", "class": cls || "", text: label, onclick: function () { action(); commit(true); } });
  }

  function stepIds() { return (model.steps || []).map(function (s) { return s.id; }); }

  function actorEditor(legend, actor, set) {
    actor = actor || { role: "Supervisor", side: "requesting" };
    return el("fieldset", {}, [el("legend", { text: legend }), el("div", { "class": "row" }, [
      field("Role", select(ROLES, actor.role, function (v) { actor.role = v; set(actor); })),
      field("Side", select(SIDES, actor.side || "requesting", function (v) { actor.side = v; set(actor); })),
      field("Scope", select(SCOPES, actor.scope || "country", function (v) { if (v === "country") { delete actor.scope; } else { actor.scope = v; } set(actor); }))
    ])]);
  }

  function routeEditor(decision, route, index) {
    var when = route.when;
    var op = !when ? "" : when.equalTo !== undefined ? "equalTo" : when.in ? "in" : "notIn";
    var values = !when ? "" : op === "equalTo" ? when.equalTo : (when[op] || []).join(", ");
    function setWhen(f, o, v) {
      if (!f) { delete route.when; return; }
      var w = { field: f };
      if (o === "equalTo") { w.equalTo = v; } else { w[o || "in"] = v.split(",").map(function (x) { return x.trim(); }).filter(Boolean); }
      route.when = w;
    }
    return el("div", { "class": "row route" }, [
      field("If field", select(FIELDS, when ? when.field : "", function (v) { setWhen(v, op || "equalTo", values); }, "(otherwise)")),
      field("Test", select(["equalTo", "in", "notIn"], op || "equalTo", function (v) { if (when) { setWhen(when.field, v, values); } })),
      field("Value(s)", text(values, function (v) { if (when) { setWhen(when.field, op || "equalTo", v); } })),
      field("Go to", select(stepIds(), route.to, function (v) { route.to = v; }, "choose a step")),
      button("Remove route", function () { decision.routes.splice(index, 1); if (decision.routes.length === 0) { delete decision.routes; decision.to = stepIds()[0]; } })
    ]);
  }

  function decisionEditor(step, decision, index) {
    var parts = [el("div", { "class": "row" }, [
      field("Decision", text(decision.name, function (v) { decision.name = v; })),
      decision.routes ? null : field("Leads to", select(stepIds(), decision.to, function (v) { decision.to = v; }, "choose a step")),
      field("Comment required", check(decision.commentRequired, function (v) { if (v) { decision.commentRequired = true; } else { delete decision.commentRequired; } })),
      step.parallel ? field("Vote", check(decision.vote, function (v) { if (v) { decision.vote = true; } else { delete decision.vote; } })) : null
    ])];
    (decision.routes || []).forEach(function (r, i) { parts.push(routeEditor(decision, r, i)); });
    parts.push(el("div", { "class": "actions" }, [
      button(decision.routes ? "Add a route" : "Add a condition", function () {
        if (!decision.routes) { decision.routes = [{ when: { field: "priority", equalTo: "critical" }, to: decision.to }, { to: decision.to }]; delete decision.to; }
        else { decision.routes.splice(decision.routes.length - 1, 0, { when: { field: "priority", equalTo: "urgent" }, to: decision.routes[decision.routes.length - 1].to }); }
      }),
      button(decision.by ? "Taken by the step's actor" : "Taken by someone else", function () {
        if (decision.by) { delete decision.by; } else { decision.by = { role: "Officer", side: "requesting", scope: "owner" }; }
      }),
      button("Remove decision", function () { step.decisions.splice(index, 1); }, "danger")
    ]));
    if (decision.by) { parts.push(actorEditor("Taken by", decision.by, function (a) { decision.by = a; })); }
    return el("fieldset", { "class": "decision" }, [el("legend", { text: "Decision " + (index + 1) })].concat(parts));
  }

  function deadlineEditor(step) {
    step.deadline = step.deadline || {};
    return el("fieldset", {}, [el("legend", { text: "Deadline per priority (ISO-8601, e.g. P2D, PT8H)" })].concat(PRIORITIES.map(function (p) {
      var d = step.deadline[p] = step.deadline[p] || { duration: "P1D" };
      return el("div", { "class": "row" }, [
        field(p, text(d.duration, function (v) { d.duration = v; })),
        field("Time", select(TIMES, d.time || "calendar", function (v) { if (v === "calendar") { delete d.time; } else { d.time = v; } }))
      ]);
    })));
  }

  function stepEditor(step, index) {
    var kind = step.terminal ? "terminal" : step.parallel ? "parallel" : "actor";
    var body = [el("div", { "class": "row" }, [
      field("Id", text(step.id, function (v) { renameStep(step.id, v); step.id = v; })),
      field("Title", text(step.title, function (v) { step.title = v; })),
      field("Kind", select(["actor", "parallel", "terminal"], kind, function (v) { setKind(step, v); })),
      kind === "terminal" ? field("Outcome", select(OUTCOMES, step.terminal, function (v) { step.terminal = v; })) : null,
      kind === "terminal" ? null : field("Editable by the officer here", check(step.editable, function (v) { if (v) { step.editable = true; } else { delete step.editable; } }))
    ])];
    if (kind === "actor") { body.push(actorEditor("Who acts", step.actor, function (a) { step.actor = a; })); }
    if (kind === "parallel") {
      step.parallel.branches.forEach(function (b, i) {
        body.push(el("div", { "class": "row" }, [field("Branch " + (i + 1), text(b.id, function (v) { b.id = v; })),
          button("Remove branch", function () { step.parallel.branches.splice(i, 1); })]));
        body.push(actorEditor("Branch " + b.id + " acts", b.actor, function (a) { b.actor = a; }));
      });
      body.push(el("div", { "class": "row" }, [field("Join", select(["all-of", "any-of"], step.parallel.mode, function (v) { step.parallel.mode = v; })),
        button("Add branch", function () { step.parallel.branches.push({ id: "branch-" + (step.parallel.branches.length + 1), actor: { role: "Approver", side: "receiving" } }); })]));
    }
    if (kind !== "terminal") {
      body.push(deadlineEditor(step));
      body.push(el("div", { "class": "row" }, [
        field("Reminders (fractions, e.g. 0.5, 0.8)", text((step.reminders || []).join(", "), function (v) {
          var r = v.split(",").map(function (x) { return parseFloat(x); }).filter(function (x) { return !isNaN(x); });
          if (r.length) { step.reminders = r; } else { delete step.reminders; }
        })),
        field("Escalate every (e.g. PT4H; empty: no escalation)", text(step.escalation ? step.escalation.every : "", function (v) {
          if (!v) { delete step.escalation; } else { step.escalation = step.escalation || { to: { role: "CentralAuthority", side: "requesting" } }; step.escalation.every = v; }
        }))
      ]));
      if (step.escalation) { body.push(actorEditor("Escalate to", step.escalation.to, function (a) { step.escalation.to = a; })); }
      (step.decisions || []).forEach(function (d, i) { body.push(decisionEditor(step, d, i)); });
      body.push(button("Add decision", function () { step.decisions = step.decisions || []; step.decisions.push({ name: "approve", to: stepIds()[0] }); }));
    }
    body.push(el("div", { "class": "actions" }, [
      button("Move up", function () { if (index > 0) { model.steps.splice(index - 1, 0, model.steps.splice(index, 1)[0]); } }),
      button("Remove step", function () { model.steps.splice(index, 1); }, "danger")
    ]));
    return el("details", { "class": "step-card", "data-step": step.id }, [el("summary", { text: (step.title || step.id) + " (" + step.id + ")" })].concat(body));
  }

  function setKind(step, kind) {
    delete step.actor; delete step.parallel; delete step.terminal;
    if (kind === "actor") { step.actor = { role: "Supervisor", side: "requesting" }; }
    if (kind === "parallel") { step.parallel = { mode: "all-of", branches: [{ id: "requesting", actor: { role: "CentralAuthority", side: "requesting" } }, { id: "receiving", actor: { role: "Approver", side: "receiving" } }] }; }
    if (kind === "terminal") { step.terminal = "completed"; delete step.decisions; delete step.deadline; delete step.reminders; delete step.escalation; delete step.editable; }
    else { step.decisions = step.decisions || []; }
  }

  function renameStep(from, to) {
    if (model.start === from) { model.start = to; }
    (model.steps || []).forEach(function (s) {
      (s.decisions || []).forEach(function (d) {
        if (d.to === from) { d.to = to; }
        (d.routes || []).forEach(function (r) { if (r.to === from) { r.to = to; } });
      });
    });
  }

  function render() {
    var open = Array.prototype.map.call(root.querySelectorAll("details[open]"), function (d) { return d.getAttribute("data-step"); });
    root.replaceChildren();
    try { model = JSON.parse(editor.value); } catch (e) {
      root.appendChild(el("p", { "class": "errors", text: "The JSON cannot be read (" + e.message + "); fix it in the text to use the step editor." }));
      return;
    }
    model.steps = model.steps || [];
    root.appendChild(el("div", { "class": "row" }, [
      field("Name", text(model.name, function (v) { model.name = v; })),
      field("Version", text(model.version, function (v) { model.version = parseInt(v, 10) || v; })),
      field("Title", text(model.title, function (v) { model.title = v; })),
      field("Start step", select(stepIds(), model.start, function (v) { model.start = v; }, "choose a step"))
    ]));
    model.steps.forEach(function (s, i) {
      var card = stepEditor(s, i);
      if (open.indexOf(s.id) >= 0) { card.open = true; }
      root.appendChild(card);
    });
    root.appendChild(button("Add step", function () {
      var id = "new-step-" + (model.steps.length + 1);
      model.steps.push({ id: id, title: "New step", actor: { role: "Supervisor", side: "requesting" }, deadline: {}, decisions: [{ name: "approve", to: stepIds()[0] }] });
      deadlineEditor(model.steps[model.steps.length - 1]);
    }));
  }

  function commit(rerender) {
    editor.value = JSON.stringify(model, null, 2);
    ownChange = true;
    editor.dispatchEvent(new Event("input"));
    ownChange = false;
    if (rerender) { render(); }
  }

  // Text typed into the JSON reaches the form too, so the form never writes back a stale copy.
  editor.addEventListener("input", function () {
    if (ownChange) { return; }
    clearTimeout(pending);
    pending = setTimeout(render, 400);
  });
  render();
})();
