// Nothing lost offline: shift notes, FKDM observations and incident reports (with their photo)
// written on a bad network are kept in IndexedDB and sent when the network returns, each with
// its own Idempotency-Key, so that a resend never makes a second note or incident
// (common/idempotency.py). The page shows what is still waiting ("menunggu sinyal").
//
// Forms marked data-offline are sent by this script (fetch, the same fields, Accept JSON: the
// server answers {"location"} instead of a redirect). A refusal (a form error): the form is sent
// the ordinary way, so the server's page shows the reason. No network: the form is queued
// (static/js/offline_queue.js, shared with the service worker).
//
// The service worker sends what waits, so it leaves even when no page of the portal is open:
// on Background Sync (Chromium, registered here for each queued item) and, where that does not
// exist (Safari, Firefox), when a page asks it to (every load, the network coming back, every
// RETRY_MS). Only a page the service worker does not control yet (the first visit) sends on its
// own. Either way a page re-draws the list when something changed (the worker tells it).
// Config: the JSON block #offline-config (templates/_offline_queue.html); on the offline page
// (the service worker's) there is no user: it only shows the queue and reloads once online.
"use strict";

(function () {
  const node = document.getElementById("offline-config");
  if (!node || !window.indexedDB || !self.jakcctvOffline) return;
  const queue = self.jakcctvOffline;
  const config = JSON.parse(node.textContent);
  const texts = config.texts;
  const RETRY_MS = 15000;
  const worker = () => (navigator.serviceWorker && navigator.serviceWorker.controller) || null;
  let flushing = false;

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
  }

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  // Signing in anew (in another tab) changes the token: this page then speaks for a session
  // that has ended, perhaps another person's, and must not send what its person wrote.
  const loadedToken = csrf();
  const stale = () => csrf() !== loadedToken;

  // The form's fields as storable pairs (files as blobs with their name and type).
  function fieldsOf(form) {
    return Array.from(new FormData(form).entries())
      .filter(([name, value]) => name !== "csrfmiddlewaretoken" && !(value instanceof File && !value.size))
      .map(([name, value]) => (value instanceof File ? [name, { blob: value, name: value.name, type: value.type }] : [name, value]));
  }

  function summary(item) {
    const text = (item.fields.find(([name]) => name === "text" || name === "description") || [])[1] || "";
    const photo = item.fields.some(([, value]) => value && value.blob);
    return `${texts[item.kind] || item.kind}: ${text.slice(0, 60) || "—"}${photo ? " · " + texts.photo : ""}`;
  }

  async function render() {
    const box = document.querySelector("[data-offline-queue]");
    if (!box) return;
    const items = (await queue.all()).filter((item) => !config.user || item.user === config.user);
    const list = box.querySelector("ul");
    list.replaceChildren(...items.map((item) => {
      const row = document.createElement("li");
      row.dataset.offlineItem = item.key;
      row.textContent = summary(item) + (item.refused ? ` · ${texts.refused}` : item.signin ? ` · ${texts.signin}` : "");
      if (item.refused) {
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "link";
        drop.textContent = texts.drop;
        drop.addEventListener("click", () => queue.remove(item.key).then(render));
        row.append(" ", drop);
      }
      return row;
    }));
    box.querySelector("[data-offline-count]").textContent = texts.waiting.replace("%(n)s", items.filter((i) => !i.refused).length);
    box.hidden = items.length === 0;
  }

  // Sends what waits: the service worker does (one sender for every tab), or, on a page it does
  // not control yet, this page.
  async function sendWaiting() {
    if (!config.user || stale()) return;
    const mine = (await queue.all()).filter((item) => item.user === config.user && !item.refused);
    if (!mine.length) return; // nothing to send: the worker is not woken for nothing
    if (worker()) {
      worker().postMessage({ type: "offline-send", user: config.user, csrf: csrf() });
      return;
    }
    if (flushing) return;
    flushing = true;
    try {
      await queue.flush({ user: config.user, csrf: csrf(), changed: render });
    } finally {
      flushing = false;
      await render();
    }
  }

  // Background Sync: the browser wakes the service worker when the network is back, even with
  // every tab closed. Where it does not exist, the pages' own calls to sendWaiting() remain.
  function askForSync() {
    if (!worker()) return;
    navigator.serviceWorker.ready
      .then((registration) => registration.sync && registration.sync.register(queue.SYNC_TAG))
      .catch(() => {});
  }

  async function keep(form) {
    const item = {
      key: form.dataset.offlineKey,
      user: config.user,
      kind: form.dataset.offline,
      action: form.action,
      fields: fieldsOf(form),
      csrf: csrf(),
      created: Date.now(),
    };
    const big = item.fields.find(([, value]) => value && value.blob && value.blob.size > config.maxBytes);
    if (big) {
      window.alert(texts.tooBig.replace("%(limit)s", (config.maxBytes / 1048576).toFixed(0)));
      return false;
    }
    await queue.put(item);
    askForSync();
    return true;
  }

  function ready(form) {
    delete form.dataset.sending; // shift.js's "sent once" guard: the form stays usable
    form.querySelectorAll("button[type=submit]").forEach((button) => { button.disabled = false; });
  }

  function offlineForm(form) {
    form.addEventListener("submit", async (event) => {
      if (form.dataset.nativeSubmit) return;
      event.preventDefault();
      // One key per thing written: resending the same form after a failure reuses it.
      form.dataset.offlineKey = form.dataset.offlineKey || newKey();
      const item = { key: form.dataset.offlineKey, action: form.action, fields: fieldsOf(form) };
      // Sent from the page while it is open, so the person sees the answer at once.
      const result = navigator.onLine ? await queue.send(item, csrf()) : { outcome: "later" };
      if (result.outcome === "sent") {
        window.location.assign(result.location);
        return;
      }
      if (result.outcome === "refused") {
        form.dataset.nativeSubmit = "1"; // the server's own page shows why
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      if (await keep(form)) {
        form.reset();
        delete form.dataset.offlineKey;
        form.querySelectorAll("[data-photo-preview]").forEach((preview) => { preview.hidden = true; });
        await render();
      }
      ready(form);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("form[data-offline]").forEach(offlineForm);
    if (navigator.serviceWorker) {
      // The worker sent, refused or set aside something: draw the list again.
      navigator.serviceWorker.addEventListener("message", (event) => {
        if (event.data && event.data.type === "offline-queue") render().catch(() => {});
      });
    }
    render().catch(() => {});
    if (config.user) {
      window.addEventListener("online", () => { sendWaiting(); });
      if (navigator.onLine) sendWaiting();
      setInterval(() => { if (navigator.onLine) sendWaiting(); }, RETRY_MS);
    } else {
      // The offline page: the real page, once the portal answers again, sends what waits.
      const back = () => fetch(window.location.href, { method: "HEAD", cache: "no-store" })
        .then((response) => { if (response.ok) window.location.reload(); })
        .catch(() => {});
      window.addEventListener("online", back);
      setInterval(back, 5000);
    }
  });
})();
