// The goods receipt form: lines are added as needed; a scanner types a code and Enter into a line's code field,
// and the product's name, unit and last cost appear at once. The server checks everything again on saving;
// without this script the form still works (one line, add more after saving).
(function () {
  "use strict";
  const form = document.getElementById("receipt-form");
  if (!form) return;
  const lines = document.getElementById("receipt-lines");
  const template = document.getElementById("receipt-line-template");
  const producer = document.getElementById("receipt-producer");
  const lang = form.dataset.lang;
  const fmt = (n) => {
    const digits = Number(n).toLocaleString(lang === "en" ? "en-US" : "vi-VN");
    return digits + "\u00a0₫";  // 1.234.567 ₫ or 1,234,567 ₫ (pos/core/formatting.py)
  };
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_, key) => values[key]);

  function nextIndex() {
    let highest = -1;
    lines.querySelectorAll("[data-code]").forEach((input) => {
      highest = Math.max(highest, parseInt(input.name.split("_").pop(), 10));
    });
    return highest + 1;
  }

  function renumber() {
    lines.querySelectorAll("[data-line-no]").forEach((span, i) => { span.textContent = String(i + 1); });
  }

  function addLine() {
    const i = nextIndex();
    const html = template.innerHTML.replace(/__i__/g, String(i)).replace(/__no__/g, String(i + 1));
    lines.insertAdjacentHTML("beforeend", html);
    renumber();
    const added = lines.lastElementChild;
    added.querySelector("[data-code]").focus();
    return added;
  }

  function mark(line, text) {
    const code = line.querySelector("[data-code]");
    let box = line.querySelector("[data-lookup-error]");
    if (!text) {
      if (box) box.remove();
      code.removeAttribute("aria-invalid");
      return;
    }
    if (!box) {
      box = document.createElement("span");
      box.className = "error-text";
      box.dataset.lookupError = "";
      box.id = "lookup-error-" + code.name;
      code.insertAdjacentElement("afterend", box);
    }
    box.textContent = text;
    code.setAttribute("aria-invalid", "true");
    code.setAttribute("aria-describedby", box.id);
  }

  function firstEmpty(line, product) {
    const wanted = [];
    if (product && product.needs_lot_and_expiry) wanted.push("[data-lot]", "[data-expiry]");
    wanted.push("[data-quantity]", "[data-cost]");
    for (const selector of wanted) {
      const input = line.querySelector(selector);
      if (input && !input.value.trim()) return input;
    }
    return null;
  }

  async function lookUp(line) {
    const code = line.querySelector("[data-code]");
    const info = line.querySelector("[data-info]");
    const typed = code.value.trim();
    if (!typed) { info.textContent = ""; mark(line, ""); return null; }
    if (code.dataset.known === typed) return JSON.parse(code.dataset.product);
    let response, data = {};
    try {
      response = await fetch(form.dataset.lookup + "?code=" + encodeURIComponent(typed),
                             { headers: { "Accept": "application/json" }, credentials: "same-origin" });
      data = await response.json();
    } catch (e) {
      return null;  // offline or not JSON: the server checks the code on saving
    }
    if (!response.ok) {
      info.textContent = "";
      mark(line, data.message || "");
      return null;
    }
    code.value = data.sku;                        // a QR label's URL or a barcode reads as the SKU
    code.dataset.known = data.sku;
    code.dataset.product = JSON.stringify(data);
    // What a lookup filled in is replaced by the next lookup (a wrong scan corrected); what was typed is kept.
    const offer = (input, value) => {
      if (input.value.trim() && input.value !== input.dataset.filled) return;
      input.value = value === null || value === undefined ? "" : String(value);
      input.dataset.filled = input.value;
    };
    offer(line.querySelector("[data-lot]"), data.lot_code);
    offer(line.querySelector("[data-cost]"), data.last_cost);
    const parts = [data.name, data.unit];
    if (data.last_cost !== null) parts.push(fill(form.dataset.lastCost, { cost: fmt(data.last_cost), number: data.last_receipt }));
    if (data.needs_lot_and_expiry) parts.push(form.dataset.needsExpiry);
    info.textContent = parts.join(" · ");
    if (!producer.value) producer.value = String(data.producer_id);
    if (producer.value && producer.value !== String(data.producer_id)) {
      mark(line, fill(form.dataset.otherProducer, { sku: data.sku, producer: data.producer }));
    } else {
      mark(line, "");
    }
    return data;
  }

  // Enter in a line never submits the form: on the code it looks the code up and moves on to what is still
  // missing; elsewhere it moves to the next empty field, then to a new line (as a scanner session goes).
  lines.addEventListener("keydown", async (event) => {
    if (event.key !== "Enter" || event.target.tagName === "BUTTON") return;
    event.preventDefault();
    const line = event.target.closest("[data-line]");
    let product = null;
    if (event.target.matches("[data-code]")) {
      product = await lookUp(line);
      if (!product) return;
    } else {
      const code = line.querySelector("[data-code]");
      product = code.dataset.product ? JSON.parse(code.dataset.product) : null;
    }
    const next = firstEmpty(line, product);
    if (next && next !== event.target) { next.focus(); return; }
    const following = line.nextElementSibling;
    if (following) following.querySelector("[data-code]").focus(); else addLine();
  });

  lines.addEventListener("change", (event) => {
    if (event.target.matches("[data-code]")) lookUp(event.target.closest("[data-line]"));
  });

  lines.addEventListener("click", (event) => {
    if (!event.target.matches("[data-remove-line]")) return;
    const line = event.target.closest("[data-line]");
    if (lines.querySelectorAll("[data-line]").length > 1) {
      line.remove();
      renumber();
    } else {
      line.querySelectorAll("input").forEach((input) => { input.value = ""; });
      line.querySelector("[data-info]").textContent = "";
      mark(line, "");
    }
  });

  producer.addEventListener("change", () => {
    lines.querySelectorAll("[data-line]").forEach((line) => {
      const code = line.querySelector("[data-code]");
      if (code.dataset.product) { delete code.dataset.known; lookUp(line); }
    });
  });

  document.getElementById("add-line").addEventListener("click", addLine);
})();
