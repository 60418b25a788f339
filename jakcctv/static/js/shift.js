// The piket page: write a note fast. Ctrl+Enter (or Cmd+Enter) sends the form from any text
// box marked data-submit-shortcut; a form is sent once, even when its button is tapped twice.
"use strict";

function submitOnShortcut() {
  document.querySelectorAll("textarea[data-submit-shortcut]").forEach((box) => {
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && box.form) {
        event.preventDefault();
        box.form.requestSubmit();
      }
    });
  });
}

function submitOnce() {
  document.querySelectorAll("main form[method=post]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (form.dataset.sending) {
        event.preventDefault();
        return;
      }
      form.dataset.sending = "1";
      form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = true; });
    });
  });
  // Coming back through the browser's history shows the page as it was left: usable again.
  window.addEventListener("pageshow", () => {
    document.querySelectorAll("main form[data-sending]").forEach((form) => {
      delete form.dataset.sending;
      form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = false; });
    });
  });
}

// The cursor goes to the end of what is already there (a refused note keeps its text).
function focusNoteBox() {
  const box = document.querySelector("textarea[data-autofocus]");
  if (!box) return;
  box.focus({ preventScroll: true });
  box.setSelectionRange(box.value.length, box.value.length);
}

document.addEventListener("DOMContentLoaded", () => {
  submitOnShortcut();
  submitOnce();
  focusNoteBox();
});
