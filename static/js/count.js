// The count sheet: a scanner types a code and Enter into the scan field; each item scanned adds one to its
// lot's line on the server at once (nothing is lost if the page is closed), and the line shows it.
(function () {
  "use strict";
  const scan = document.getElementById("count-scan");
  if (!scan) return;
  const code = scan.elements.code;
  const message = document.getElementById("count-scan-message");
  const form = document.getElementById("count-form");
  let busy = Promise.resolve();

  form.addEventListener("input", (event) => {           // typed here, not yet saved
    if (event.target.name && event.target.name.startsWith("counted_")) event.target.dataset.typed = "1";
  });

  async function send(typed) {
    const body = new FormData(scan);
    body.set("code", typed);
    let response, data = {};
    try {
      response = await fetch(scan.action, { method: "POST", body, credentials: "same-origin",
                                            headers: { "Accept": "application/json" } });
      data = await response.json();
    } catch (e) {
      scan.submit();                                   // without JSON, the plain form does it
      return;
    }
    message.textContent = data.message || "";
    message.className = response.ok ? "" : "error-text";
    if (!response.ok) return;
    const input = form.querySelector(`input[name="counted_${data.line_id}"]`);
    if (!input) {                                      // a lot the sheet did not list: save what was typed, reload
      form.querySelector('button[value="save"]').click();
      return;
    }
    input.value = input.dataset.typed ? String((parseInt(input.value, 10) || 0) + 1) : String(data.counted);
    const row = input.closest("tr");
    row.classList.remove("uncounted");
    row.classList.add("just-counted");
    setTimeout(() => row.classList.remove("just-counted"), 800);
  }

  scan.addEventListener("submit", (event) => {
    event.preventDefault();
    const typed = code.value.trim();
    code.value = "";
    code.focus();
    if (typed) busy = busy.then(() => send(typed));    // scans in the order they were made
  });
})();
