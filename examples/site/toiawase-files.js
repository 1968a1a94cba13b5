/* toiawase-files.js: file uploads for a toiawase form, with a progress bar and a cancel button.
 * No dependencies, no build step. Load it before toiawase.js on pages whose form has files:
 *
 *   <script src="toiawase-files.js" defer></script>
 *   <script src="toiawase.js" defer></script>
 *
 * With it, chosen files go straight to the site's private bucket: POST {action}/uploads gives
 * one presigned upload per file, each is sent with XMLHttpRequest (for its progress), and the
 * form post then names the upload (_upload). A refusal is shown next to the file field.
 * Without JavaScript the form needs enctype="multipart/form-data" and the files travel with the
 * post (up to about 4 MB in all; see docs/files.md).
 */
(function () {
  "use strict";
  if (!window.fetch || !window.FormData || !window.XMLHttpRequest) return;

  // Every word shown to the visitor comes from toiawase.js's table (its files.* entries, in
  // the page's language), which toiawase.js defines before any form is sent.
  function say(language, key) { return window.toiawaseText.say(language, "files." + key); }

  // The progress bar and its cancel button, placed before the status line on first use.
  function progressUi(form, box, language) {
    var wrap = form.querySelector("[data-toiawase-progress]");
    if (!wrap) {
      wrap = document.createElement("div");
      wrap.className = "progress";
      wrap.setAttribute("data-toiawase-progress", "");
      var bar = document.createElement("progress");
      bar.max = 100;
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = say(language, "cancel");
      wrap.appendChild(bar);
      wrap.appendChild(document.createElement("span"));
      wrap.appendChild(cancel);
      box.insertAdjacentElement("beforebegin", wrap);
    }
    wrap.hidden = false;
    var ui = {
      cancel: wrap.querySelector("button"),
      set: function (fraction) {
        var percent = Math.min(100, Math.floor(fraction * 100));
        wrap.querySelector("progress").value = percent;
        wrap.querySelector("span").textContent = " " + percent + " %";
        wrap.setAttribute("data-percent", String(percent));
      }
    };
    ui.cancel.disabled = false;
    ui.set(0);
    return ui;
  }

  function uploadOne(item, file, onProgress, requests) {
    return new Promise(function (resolve, reject) {
      var body = new FormData();
      Object.keys(item.fields).forEach(function (key) { body.append(key, item.fields[key]); });
      body.append("file", file); // S3 takes the file as the last field
      var xhr = new XMLHttpRequest();
      requests.push(xhr);
      xhr.open("POST", item.url);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) onProgress(Math.min(e.loaded, file.size));
      };
      xhr.onload = function () {
        if (xhr.status >= 200 && xhr.status < 300) { onProgress(file.size); resolve(); }
        else reject(new Error("upload"));
      };
      xhr.onerror = function () { reject(new Error("upload")); };
      xhr.onabort = function () { reject(new Error("cancelled")); };
      xhr.send(body);
    });
  }

  // Called by toiawase.js with the form's data (body, a FormData) before it posts it: takes the
  // files out of body and, when files were chosen, uploads them and adds _upload. Resolves to
  // {} (go on and post), {fields: …} (refused before uploading: shown next to the fields), or
  // {stop: true} once it has said on the status line why nothing was sent.
  window.toiawaseFiles = async function (form, box, setStatus, body, language) {
    language = language || "en";
    var chosen = [];
    form.querySelectorAll("input[type=file][name]").forEach(function (input) {
      body.delete(input.name);
      Array.prototype.forEach.call(input.files || [], function (file) {
        chosen.push({ field: input.name, file: file });
      });
    });
    if (!chosen.length) return {};
    var data = null;
    try {
      var response = await fetch(form.action.replace(/\/+$/, "") + "/uploads", {
        method: "POST",
        headers: {
          Accept: "application/json",
          "Accept-Language": language,
          "Content-Type": "application/json"
        },
        body: JSON.stringify({
          files: chosen.map(function (c) {
            return { field: c.field, name: c.file.name, size: c.file.size, type: c.file.type };
          })
        })
      });
      data = await response.json();
    } catch (ignored) { /* said below */ }
    if (data && data.fields) return { fields: data.fields };
    if (!data || data.ok !== true) {
      setStatus(box, "failed", (data && data.message) || say(language, "failed"));
      return { stop: true };
    }
    var ui = progressUi(form, box, language);
    var total = chosen.reduce(function (sum, c) { return sum + c.file.size; }, 0) || 1;
    var loaded = chosen.map(function () { return 0; });
    var requests = [];
    var cancelled = false;
    ui.cancel.onclick = function () {
      cancelled = true;
      requests.forEach(function (xhr) { xhr.abort(); });
    };
    setStatus(box, "uploading", say(language, "uploading"));
    try {
      await Promise.all(data.files.map(function (item, i) {
        return uploadOne(item, chosen[i].file, function (bytes) {
          loaded[i] = bytes;
          ui.set(loaded.reduce(function (a, b) { return a + b; }, 0) / total);
        }, requests);
      }));
    } catch (error) {
      requests.forEach(function (xhr) { xhr.abort(); });
      ui.cancel.disabled = true;
      setStatus(box, cancelled ? "cancelled" : "failed", say(language, cancelled ? "cancelled" : "failed"));
      return { stop: true };
    }
    ui.set(1);
    ui.cancel.disabled = true;
    body.append("_upload", data.upload);
    return {};
  };
})();
