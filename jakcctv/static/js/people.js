// People pages: ask before revoking or deactivating, and show how far a CSV import has got.
//
// A form marked data-confirm asks first. A form marked data-progress (the import's check and
// apply) sends a random key with the upload; while the browser waits for the answer, this page
// asks the server how far that import is and fills the progress bar.
"use strict";

(function () {
  const POLL_MS = 500;

  function randomKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function confirmBeforeSubmit(form) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }

  function showProgress(form) {
    const box = form.querySelector("[data-progress-box]");
    const bar = form.querySelector("[data-progress-bar]");
    const text = form.querySelector("[data-progress-text]");
    let sent = false;
    form.addEventListener("submit", (event) => {
      if (sent) {
        event.preventDefault(); // one import at a time
        return;
      }
      sent = true;
      const key = randomKey();
      form.querySelector("input[name=progress]").value = key;
      box.hidden = false;
      bar.removeAttribute("value"); // moving, not measured, until the server says more
      text.textContent = text.dataset.textUpload;
      const url = form.dataset.progress.replace("KUNCI", key);
      const poll = async () => {
        try {
          const response = await fetch(url, { credentials: "same-origin" });
          if (response.ok) show(await response.json());
        } catch (error) {
          // The page is being replaced by the answer, or the network blinked: try again.
        }
        setTimeout(poll, POLL_MS);
      };
      setTimeout(poll, POLL_MS);
    });

    function show(state) {
      const template = text.dataset[`text${state.phase[0].toUpperCase()}${state.phase.slice(1)}`];
      if (state.total > 0) {
        bar.max = state.total;
        bar.value = state.done;
      }
      if (template) {
        text.textContent = template.replace("%(done)s", state.done).replace("%(total)s", state.total);
      }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-confirm]").forEach(confirmBeforeSubmit);
    document.querySelectorAll("form[data-progress]").forEach(showProgress);
  });
})();
