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

  // Every word shown to the visitor; translate here.
  var TEXT = {
    sending: "Sending…",
    sent: "Thank you, your message was sent. Reference: ",
    queued: "Thank you, your message was received and will be delivered shortly. Reference: ",
    invalid: "Please fix the fields marked below.",
    unreachable: "The form service could not be reached, so your message may not have been sent. Please try again.",
    unexpected: "The form service gave an unexpected answer (HTTP {status}), so we cannot confirm that your message was sent.",
    field: "This field ",
    reference: "Your reference: ",
    status: "Status: "
  };
  var STATES = {
    sent: "accepted by the mail service",
    queued: "received; delivery is delayed and will be retried",
    delivered: "delivered to the site's mail server",
    complained: "delivered to the site's mail server",
    bounced: "not delivered; the site owner has been alerted",
    rejected: "not delivered; the site owner has been alerted",
    failed: "held until the site owner fixes a problem; then it is delivered"
  };

  // Asks GET …/submissions/{id} (id, status, time: never content) until delivery is known.
  function follow(url, line, tries) {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || !data.status) return;
        line.textContent = TEXT.status + (STATES[data.status] || data.status);
        var pending = data.status === "sent" || data.status === "queued";
        if (pending && tries > 1) setTimeout(function () { follow(url, line, tries - 1); }, 5000);
      })
      .catch(function () { /* the status is a bonus; the reference is what counts */ });
  }

  function track(box, statusBase, id) {
    if (!/^[0-9a-f]{32}$/.test(id || "")) return;
    var line = document.createElement("span");
    line.setAttribute("data-toiawase-delivery", "");
    box.appendChild(document.createTextNode(" "));
    box.appendChild(line);
    follow(statusBase + id, line, 12);
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

  // The core's problems read after the field name ("is required"); alone, they need a subject.
  function sentence(problem) {
    var text = String(problem);
    if (/^(is|was|are) /.test(text)) text = TEXT.field + text;
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

  function showErrors(form, fields) {
    var first = null, others = [];
    Object.keys(fields).forEach(function (name) {
      var control = form.elements.namedItem(name) ||
        (name === "email" ? form.elements.namedItem("_replyto") : null); // the alias
      if (control && !(control instanceof Element)) control = control[0]; // a radio group
      if (!control || control.type === "hidden") { others.push(name + ": " + fields[name]); return; }
      var slot = errorSlot(form, control, control.name);
      slot.textContent = sentence(fields[name]);
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
        var response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json" },
          body: new URLSearchParams(new FormData(form))
        });
        var data = null;
        try { data = await response.json(); } catch (ignored) { /* not JSON: said below */ }
        if (data && data.ok === true) {
          // 200 sent, or 202 queued: held durably, delivery pending.
          var sent = data.status === "sent";
          setStatus(box, sent ? "sent" : "queued", sent ? TEXT.sent : TEXT.queued, data.id);
          track(box, form.action.replace(/\/(submit|f\/[^\/?#]+)\/?$/, "/submissions/"), data.id);
          form.reset();
        } else if (data && data.fields) {
          var others = showErrors(form, data.fields);
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
    setStatus(box, "receipt", TEXT.reference, id);
    track(box, box.getAttribute("data-api") || "/submissions/", id);
  });
})();
