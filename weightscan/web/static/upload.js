// Upload form: drag and drop, several files, a progress bar from XMLHttpRequest upload
// events. Without JavaScript the form still posts normally.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("file-input");
  var zone = document.getElementById("drop-zone");
  var list = document.getElementById("file-list");
  var bar = document.getElementById("upload-progress");
  var status = document.getElementById("upload-status");
  var button = document.getElementById("upload-button");
  var maxBytes = Number(form.getAttribute("data-max-bytes")) || 0;
  var chosen = [];

  function showFiles() {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    chosen.forEach(function (f) {
      var li = document.createElement("li");
      li.textContent = f.name + " (" + f.size.toLocaleString() + " bytes)";
      list.appendChild(li);
    });
  }

  input.addEventListener("change", function () {
    chosen = Array.prototype.slice.call(input.files);
    showFiles();
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (e) {
      e.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (e) {
      e.preventDefault();
      zone.classList.remove("dragging");
    });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files.length) {
      chosen = Array.prototype.slice.call(e.dataTransfer.files);
      showFiles();
    }
  });

  function fail(message) {
    status.textContent = message;
    status.classList.add("error-text");
    button.disabled = false;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!chosen.length) { fail("Choose at least one file."); return; }
    var total = chosen.reduce(function (n, f) { return n + f.size; }, 0);
    if (maxBytes && chosen.some(function (f) { return f.size > maxBytes; })) {
      fail("A file is larger than this server accepts."); return;
    }
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    if (form.elements.force && form.elements.force.checked) { data.append("force", "true"); }
    chosen.forEach(function (f) { data.append("file", f, f.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", form.elements.csrf_token.value);
    xhr.upload.addEventListener("progress", function (ev) {
      var size = ev.lengthComputable ? ev.total : total;
      bar.value = size ? Math.round(100 * ev.loaded / size) : 0;
      status.textContent = "Uploading… " + bar.value + "%";
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (xhr.status >= 200 && xhr.status < 300 && body && body.html) {
        bar.value = 100;
        status.textContent = "Uploaded. Opening the scan…";
        window.location.assign(body.html);
      } else {
        fail((body && (body.detail || body.title)) || ("Upload failed (" + xhr.status + ")."));
      }
    });
    xhr.addEventListener("error", function () { fail("The upload was interrupted."); });
    bar.hidden = false;
    bar.value = 0;
    status.classList.remove("error-text");
    status.textContent = "Uploading…";
    button.disabled = true;
    xhr.send(data);
  });
})();
