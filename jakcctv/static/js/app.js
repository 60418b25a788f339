// JakCCTV page behaviour. No inline scripts anywhere: the CSP forbids them.
"use strict";

document.documentElement.classList.add("js");

// The header clock shows Jakarta time (WIB) whatever the device's own zone is.
function startClock() {
  const clock = document.querySelector("[data-clock]");
  if (!clock) return;
  const format = new Intl.DateTimeFormat(document.documentElement.lang || "id", {
    timeZone: "Asia/Jakarta",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  const tick = () => { clock.textContent = format.format(new Date()) + " WIB"; };
  tick();
  setInterval(tick, 30 * 1000);
}

// Selects marked data-autosubmit (the language switch) submit their form on change.
function autosubmit() {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
}

document.addEventListener("DOMContentLoaded", () => {
  startClock();
  autosubmit();
});
