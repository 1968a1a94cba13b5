/* toiawase.js: progressive enhancement for a toiawase form. No dependencies, no build step.
 *
 *   <form data-toiawase action="https://…/submit" method="POST" accept-charset="UTF-8"> … </form>
 * (or action="https://…/f/<form id>" for a form of the forms file)
 *   <script src="toiawase.js" defer></script>
 *
 * Without JavaScript the same form posts normally and the browser follows the 303 to the
 * thank-you page. With it, the form is sent with fetch and Accept: application/json; field
 * errors appear next to the fields, and success shows the submission's reference id and then
 * its delivery status. On the thank-you page, <p data-toiawase-receipt> shows the reference the
 * redirect carries (?id=…) and its status too.
 * The server is the only judge of what is valid: the browser's own checks are just hints.
 */
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams || !window.FormData) return; // plain POST

  // Every word the script itself shows, by language: the catalogues' js.* entries
  // (functions/toiawase/locales/*/LC_MESSAGES/toiawase.po; a test keeps the two equal).
  // toiawase-files.js reads them too. The server's own words (message, fields) come in the
  // language this script asks for with Accept-Language.
  var TEXTS = {
    "en": {
      "sending": "Sending…",
      "sent": "Thank you, your message was sent. Reference: ",
      "queued": "Thank you, your message was received and will be delivered shortly. Reference: ",
      "invalid": "Please fix the fields marked below.",
      "unreachable": "The form service could not be reached, so your message may not have been sent. Please try again.",
      "unexpected": "The form service gave an unexpected answer (HTTP {status}), so we cannot confirm that your message was sent.",
      "field": "This field ",
      "reference": "Your reference: ",
      "status": "Status: ",
      "state.sent": "accepted by the mail service",
      "state.queued": "received; delivery is delayed and will be retried",
      "state.scanning": "received; its files are being checked for malware",
      "state.delivered": "delivered to the site's mail server",
      "state.complained": "delivered to the site's mail server",
      "state.bounced": "not delivered; the site owner has been alerted",
      "state.rejected": "not delivered; the site owner has been alerted",
      "state.failed": "held until the site owner fixes a problem; then it is delivered",
      "files.uploading": "Uploading files… ",
      "files.cancel": "Cancel upload",
      "files.cancelled": "Upload cancelled. Nothing was sent.",
      "files.failed": "A file could not be uploaded, so nothing was sent. Please try again."
    },
    "ja": {
      "sending": "送信しています…",
      "sent": "送信しました。ありがとうございました。受付番号：",
      "queued": "メッセージを受け付けました。まもなく配信されます。受付番号：",
      "invalid": "下の印の付いた項目を修正してください。",
      "unreachable": "フォームのサービスに接続できなかったため、メッセージは送信されていない可能性があります。もう一度お試しください。",
      "unexpected": "フォームのサービスから予期しない応答（HTTP {status}）があったため、送信を確認できません。",
      "field": "この項目は",
      "reference": "受付番号：",
      "status": "状態：",
      "state.sent": "メールサービスが受け付けました",
      "state.queued": "受け付けました。配信が遅れているため、あらためて送信します",
      "state.scanning": "受け付けました。ファイルのウイルス検査中です",
      "state.delivered": "サイトのメールサーバーに配信されました",
      "state.complained": "サイトのメールサーバーに配信されました",
      "state.bounced": "配信されませんでした。サイトの管理者に通知しました",
      "state.rejected": "配信されませんでした。サイトの管理者に通知しました",
      "state.failed": "サイトの管理者が問題を解決するまで保留し、その後に配信します",
      "files.uploading": "ファイルをアップロードしています… ",
      "files.cancel": "アップロードを中止",
      "files.cancelled": "アップロードを中止しました。何も送信されていません。",
      "files.failed": "ファイルをアップロードできなかったため、何も送信されていません。もう一度お試しください。"
    }
  };

  // The page's language: the form's data-lang, else the nearest lang attribute (<html lang>).
  function languageOf(element) {
    var holder = element.closest("[data-lang]") || element.closest("[lang]") || document.documentElement;
    var tag = (holder.getAttribute("data-lang") || holder.getAttribute("lang") || "en").toLowerCase();
    var primary = tag.split("-")[0];
    return TEXTS[primary] ? primary : "en";
  }
  function say(language, key) { return TEXTS[language][key]; }
  window.toiawaseText = { languageOf: languageOf, say: say };

  // Asks GET …/submissions/{id} (id, status, time: never content) until delivery is known.
  function follow(url, line, tries, language) {
    fetch(url, { headers: { Accept: "application/json", "Accept-Language": language } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.status) return;
        var word = say(language, "state." + data.status) || data.status;
        line.textContent = say(language, "status") + word;
        var pending = data.status === "sent" || data.status === "queued" || data.status === "scanning";
        if (pending && tries > 1) setTimeout(function () { follow(url, line, tries - 1, language); }, 5000);
      })
      .catch(function () { /* the status is a bonus; the reference is what counts */ });
  }

  function track(box, statusBase, id, language) {
    if (!/^[0-9a-f]{32}$/.test(id || "")) return;
    var line = document.createElement("span");
    line.setAttribute("data-toiawase-delivery", "");
    box.appendChild(document.createTextNode(" "));
    box.appendChild(line);
    follow(statusBase + id, line, 12, language);
  }

  function setStatus(box, state, text, reference) {
    box.setAttribute("data-state", state);
    box.textContent = text;
    if (reference) {
      var code = document.createElement("code");
      code.textContent = reference;
      box.appendChild(code);
    }
  }

  // The core's English problems read after the field name ("is required"); alone, they need a
  // subject. Japanese ones are whole sentences already.
  function sentence(problem, language) {
    var text = String(problem);
    if (/^(is|was|are) /.test(text)) text = say(language, "field") + text;
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  function errorSlot(form, control, name) {
    var slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
    if (slot) return slot;
    slot = document.createElement("p");
    slot.className = "error";
    slot.id = "toiawase-error-" + name.replace(/[^A-Za-z0-9_-]/g, "_");
    slot.setAttribute("data-error-for", name);
    control.insertAdjacentElement("afterend", slot);
    return slot;
  }

  function clearErrors(form) {
    form.querySelectorAll("[data-error-for]").forEach(function (slot) { slot.textContent = ""; });
    form.querySelectorAll('[aria-invalid="true"]').forEach(function (el) { el.removeAttribute("aria-invalid"); });
  }

  function showErrors(form, fields, language) {
    var first = null, others = [];
    Object.keys(fields).forEach(function (name) {
      var control = form.elements.namedItem(name) ||
        (name === "email" ? form.elements.namedItem("_replyto") : null); // the alias
      if (control && !(control instanceof Element)) control = control[0]; // a radio group
      if (!control || control.type === "hidden") { others.push(name + ": " + fields[name]); return; }
      var slot = errorSlot(form, control, control.name);
      slot.textContent = sentence(fields[name], language);
      control.setAttribute("aria-invalid", "true");
      var described = (control.getAttribute("aria-describedby") || "").split(/\s+/);
      if (slot.id && described.indexOf(slot.id) < 0) {
        control.setAttribute("aria-describedby", described.concat(slot.id).join(" ").trim());
      }
      first = first || control;
    });
    if (first) first.focus();
    return others;
  }

  function enhance(form) {
    var box = form.querySelector("[data-toiawase-status]");
    if (!box) {
      box = document.createElement("p");
      box.className = "status";
      box.setAttribute("data-toiawase-status", "");
      form.appendChild(box);
    }
    box.setAttribute("role", "status"); // announced politely by screen readers
    var busy = false;
    var language = languageOf(form);
    var TEXT = TEXTS[language];

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      if (busy) return;
      busy = true;
      var buttons = form.querySelectorAll('button:not([type]), button[type="submit"], input[type="submit"]');
      buttons.forEach(function (b) { b.disabled = true; });
      form.setAttribute("aria-busy", "true");
      clearErrors(form);
      setStatus(box, "sending", TEXT.sending);
      try {
        var body = new FormData(form);
        if (window.toiawaseFiles) { // toiawase-files.js, if loaded
          var up = await window.toiawaseFiles(form, box, setStatus, body, language);
          if (up.fields) { showErrors(form, up.fields, language); return setStatus(box, "invalid", TEXT.invalid); }
          if (up.stop) return;
        }
        var response = await fetch(form.action, {
          method: "POST",
          // The server's message and fields in the page's language (CORS-safelisted header).
          headers: { Accept: "application/json", "Accept-Language": language },
          body: new URLSearchParams(body)
        });
        var data = null;
        try { data = await response.json(); } catch (ignored) { /* not JSON: said below */ }
        if (data && data.ok === true) {
          // 200 sent, or 202 queued: held durably, delivery pending.
          var sent = data.status === "sent";
          setStatus(box, sent ? "sent" : "queued", sent ? TEXT.sent : TEXT.queued, data.id);
          track(box, form.action.replace(/\/(submit|f\/[^\/?#]+)\/?$/, "/submissions/"), data.id, language);
          form.reset();
        } else if (data && data.fields) {
          var others = showErrors(form, data.fields, language);
          setStatus(box, "invalid", others.length ? TEXT.invalid + " " + others.join("; ") : TEXT.invalid);
        } else if (data && data.message) {
          setStatus(box, "failed", data.message); // the server's own words, with its reference
        } else {
          setStatus(box, "failed", TEXT.unexpected.replace("{status}", response.status));
        }
      } catch (error) {
        setStatus(box, "failed", TEXT.unreachable);
      } finally {
        busy = false;
        form.removeAttribute("aria-busy");
        buttons.forEach(function (b) { b.disabled = false; });
      }
    });
  }

  document.querySelectorAll("form[data-toiawase]").forEach(enhance);
  document.querySelectorAll("[data-toiawase-receipt]").forEach(function (box) {
    var id = new URLSearchParams(window.location.search).get("id");
    if (!/^[0-9a-f]{32}$/.test(id || "")) return;
    var language = languageOf(box);
    setStatus(box, "receipt", say(language, "reference"), id);
    track(box, box.getAttribute("data-api") || "/submissions/", id, language);
  });
})();
