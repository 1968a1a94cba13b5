/* toiawase.js: progressive enhancement for a toiawase form. No dependencies, no build step.
 *
 *   <form data-toiawase action="https://…/submit" method="POST" accept-charset="UTF-8"> … </form>
 *   <script src="toiawase.js" defer></script>
 *
 * Without JavaScript the same form posts normally and the browser follows the 303 to the
 * thank-you page. With it, the form is sent with fetch and Accept: application/json; field
 * errors appear next to the fields, and success shows the submission's reference id.
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
    field: "This field "
  };

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
        if (data && data.ok === true && data.status === "sent") {
          setStatus(box, "sent", TEXT.sent, data.id);
          form.reset();
        } else if (data && data.ok === true) {
          setStatus(box, "queued", TEXT.queued, data.id); // 202: held durably, delivery pending
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
})();
