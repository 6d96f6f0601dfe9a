// Roster page: poll the published version every 60 s and say what changed; a print button.
(function () {
  "use strict";
  var root = document.getElementById("roster");
  if (!root) { return; }

  var printButton = document.getElementById("print-roster");
  if (printButton) {
    printButton.addEventListener("click", function () { window.print(); });
  }

  var versionUrl = root.dataset.versionUrl;
  var shown = root.dataset.versionId;
  var banner = document.getElementById("republished");
  var POLL_MS = 1000 * (parseInt(root.dataset.pollSeconds, 10) || 60);

  function showBanner(data) {
    var changes = (data.changes && data.changes.length) ? data.changes.join("; ") : "see the updated roster";
    banner.textContent = "The schedule was republished (version " + data.number + "): " + changes + ". ";
    var link = document.createElement("a");
    link.href = root.dataset.reloadUrl + "?seen=" + encodeURIComponent(shown);
    link.className = "alert-link";
    link.textContent = "Reload the roster";
    banner.appendChild(link);
    banner.hidden = false;
  }

  function poll() {
    var url = versionUrl + "&since=" + encodeURIComponent(shown);
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (data && String(data.version_id) !== String(shown)) { showBanner(data); window.clearInterval(timer); }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }

  var timer = window.setInterval(poll, POLL_MS);
})();
