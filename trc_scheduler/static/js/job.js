// Solve job page: poll the job's progress every second; open the draft when the solve ends.
(function () {
  "use strict";
  var root = document.getElementById("job");
  if (!root || !root.dataset.progressUrl) { return; }
  var url = root.dataset.progressUrl;

  function show(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = (value === null || value === undefined) ? "—" : String(value); }
  }

  function render(data) {
    var p = data.progress || {};
    show("job-status", data.status + (data.cancel_requested && data.status === "running" ? " (stopping…)" : ""));
    show("job-elapsed", p.elapsed || 0);
    show("job-objective", p.objective);
    show("job-bound", p.bound);
    show("job-gap", (p.gap === null || p.gap === undefined) ? null : (p.gap * 100).toFixed(1) + " %");
    show("job-solutions", p.solutions || 0);
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (data) {
        render(data);
        if (!data.finished) { window.setTimeout(poll, 1000); return; }
        if (data.result_url) { window.location.assign(data.result_url); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
