// Countdowns to deadlines, and an inbox that refreshes itself. No inline script anywhere: CSP allows 'self' only.
(function () {
  "use strict";

  function describe(ms) {
    var abs = Math.abs(ms), m = Math.floor(abs / 60000), d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60), min = m % 60;
    var text = (d ? d + " d " : "") + (d || h ? h + " h " : "") + min + " min";
    return ms < 0 ? "overdue by " + text : "in " + text;
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var label = el.querySelector(".countdown");
      if (!label) { label = document.createElement("span"); label.className = "countdown"; el.appendChild(label); }
      label.textContent = " (" + describe(due - now) + ")";
      el.classList.toggle("overdue", due < now);
    });
  }

  function refreshInbox() {
    var inbox = document.getElementById("inbox");
    if (!inbox || document.hidden) { return; }
    fetch(inbox.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { inbox.innerHTML = html; tick(); } })
      .catch(function () { /* try again at the next interval */ });
  }

  tick();
  setInterval(tick, 30000);
  var inbox = document.getElementById("inbox");
  if (inbox) { setInterval(refreshInbox, 1000 * (parseInt(inbox.getAttribute("data-refresh-seconds"), 10) || 10)); }
})();
