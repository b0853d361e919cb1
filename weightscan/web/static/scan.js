// Scan page: while the scan runs, long-poll the JSON API and show its progress; when it
// finishes, reload so the server renders the verdict and findings (escaped by Jinja).
(function () {
  "use strict";
  var section = document.getElementById("scan");
  if (!section) { return; }
  var api = section.getAttribute("data-api");
  var statusEl = document.getElementById("scan-status");
  var progressEl = document.getElementById("scan-progress");
  var finished = { done: true, failed: true };
  if (finished[section.getAttribute("data-status")]) { return; }

  function describe(p) {
    if (!p) { return ""; }
    var parts = [];
    if (p.stage) { parts.push(p.stage); }
    if (p.files_total) { parts.push((p.files_done || 0) + "/" + p.files_total + " files"); }
    if (p.bytes_total && p.bytes_done !== undefined) {
      parts.push(Math.round(100 * p.bytes_done / p.bytes_total) + "%");
    }
    return parts.join(" · ");
  }

  // The server caps a wait and, when its wait slots are taken, answers at once with
  // X-Weightscan-Wait: busy and Retry-After: then wait that long before asking again.
  function pause(r) {
    if (r.headers.get("X-Weightscan-Wait") !== "busy") { return 200; }
    var seconds = parseFloat(r.headers.get("Retry-After") || "1");
    return Math.min(isNaN(seconds) ? 1000 : seconds * 1000, 10000);
  }

  function poll(delay) {
    var next = 200;
    fetch(api + "?wait=20", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        next = pause(r);
        return r.ok ? r.json() : Promise.reject(r.status);
      })
      .then(function (scan) {
        statusEl.textContent = scan.status;
        progressEl.textContent = describe(scan.progress);
        if (finished[scan.status]) {
          window.location.reload();
        } else {
          window.setTimeout(function () { poll(500); }, next);
        }
      })
      .catch(function () {
        window.setTimeout(function () { poll(Math.min(delay * 2, 10000)); }, delay);
      });
  }
  poll(1000);
})();
