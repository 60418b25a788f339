// Nothing lost offline: shift notes, FKDM observations and incident reports (with their photo)
// written on a bad network are kept in IndexedDB and sent when the network returns, each with
// its own Idempotency-Key, so that a resend never makes a second note or incident
// (common/idempotency.py). The page shows what is still waiting ("menunggu sinyal").
//
// Forms marked data-offline are sent by this script (fetch, the same fields, Accept JSON: the
// server answers {"location"} instead of a redirect). No network: the form is queued. A refusal
// (a form error): the form is sent the ordinary way, so the server's page shows the reason.
// Config: the JSON block #offline-config (templates/_offline_queue.html); on the offline page
// (the service worker's) there is no user: it only shows the queue and reloads once online.
"use strict";

(function () {
  const node = document.getElementById("offline-config");
  if (!node || !window.indexedDB) return;
  const config = JSON.parse(node.textContent);
  const texts = config.texts;
  const DB_NAME = "jakcctv-offline";
  const STORE = "waiting";
  const RETRY_MS = 15000;
  let flushing = false;

  function database() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE, { keyPath: "key" });
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }

  async function store(mode, use) {
    const db = await database();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = use(transaction.objectStore(STORE));
      transaction.oncomplete = () => { db.close(); resolve(request && request.result); };
      transaction.onerror = () => { db.close(); reject(transaction.error); };
    });
  }

  const all = () => store("readonly", (s) => s.getAll());
  const put = (item) => store("readwrite", (s) => s.put(item));
  const remove = (key) => store("readwrite", (s) => s.delete(key));

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
  }

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // The form's fields as storable pairs (files as blobs with their name and type).
  function fieldsOf(form) {
    return Array.from(new FormData(form).entries())
      .filter(([name, value]) => name !== "csrfmiddlewaretoken" && !(value instanceof File && !value.size))
      .map(([name, value]) => (value instanceof File ? [name, { blob: value, name: value.name, type: value.type }] : [name, value]));
  }

  function bodyOf(item) {
    const body = new FormData();
    item.fields.forEach(([name, value]) => {
      if (value && value.blob) body.append(name, new File([value.blob], value.name, { type: value.type }));
      else body.append(name, value);
    });
    body.append("csrfmiddlewaretoken", csrf());
    return body;
  }

  // Sends one item: "sent" (location), "later" (no network, server away, signed out) or
  // "refused" (the server said no: kept for the person to read, never resent on its own).
  async function send(item) {
    let response;
    try {
      response = await fetch(item.action, {
        method: "POST",
        body: bodyOf(item),
        credentials: "same-origin",
        headers: { "Idempotency-Key": item.key, "X-CSRFToken": csrf(), Accept: "application/json" },
      });
    } catch (error) {
      return { outcome: "later" };
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.includes("application/json")) {
      const answer = await response.json().catch(() => ({}));
      if (answer.location) return { outcome: "sent", location: answer.location };
    }
    if (response.status >= 500 || response.redirected || response.status === 403) return { outcome: "later", response };
    return { outcome: "refused", response };
  }

  function summary(item) {
    const text = (item.fields.find(([name]) => name === "text" || name === "description") || [])[1] || "";
    const photo = item.fields.some(([, value]) => value && value.blob);
    return `${texts[item.kind] || item.kind}: ${text.slice(0, 60) || "—"}${photo ? " · " + texts.photo : ""}`;
  }

  async function render() {
    const box = document.querySelector("[data-offline-queue]");
    if (!box) return;
    const items = (await all()).filter((item) => !config.user || item.user === config.user);
    items.sort((a, b) => a.created - b.created);
    const list = box.querySelector("ul");
    list.replaceChildren(...items.map((item) => {
      const row = document.createElement("li");
      row.dataset.offlineItem = item.key;
      row.textContent = summary(item) + (item.refused ? ` · ${texts.refused}` : "");
      if (item.refused) {
        const drop = document.createElement("button");
        drop.type = "button";
        drop.className = "link";
        drop.textContent = texts.drop;
        drop.addEventListener("click", () => remove(item.key).then(render));
        row.append(" ", drop);
      }
      return row;
    }));
    box.querySelector("[data-offline-count]").textContent = texts.waiting.replace("%(n)s", items.filter((i) => !i.refused).length);
    box.hidden = items.length === 0;
  }

  async function flush() {
    if (flushing || !config.user) return;
    flushing = true;
    try {
      const items = (await all()).filter((item) => item.user === config.user && !item.refused);
      items.sort((a, b) => a.created - b.created);
      for (const item of items) {
        const result = await send(item);
        if (result.outcome === "later") break; // still no signal: keep the order, try again later
        if (result.outcome === "sent") await remove(item.key);
        else await put({ ...item, refused: result.response.status });
        await render();
      }
    } finally {
      flushing = false;
      await render();
    }
  }

  async function queue(form) {
    const item = {
      key: form.dataset.offlineKey,
      user: config.user,
      kind: form.dataset.offline,
      action: form.action,
      fields: fieldsOf(form),
      created: Date.now(),
    };
    const big = item.fields.find(([, value]) => value && value.blob && value.blob.size > config.maxBytes);
    if (big) {
      window.alert(texts.tooBig.replace("%(limit)s", (config.maxBytes / 1048576).toFixed(0)));
      return false;
    }
    await put(item);
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
      const result = navigator.onLine ? await send(item) : { outcome: "later" };
      if (result.outcome === "sent") {
        window.location.assign(result.location);
        return;
      }
      if (result.outcome === "refused") {
        form.dataset.nativeSubmit = "1"; // the server's own page shows why
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      if (await queue(form)) {
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
    render().catch(() => {});
    if (config.user) {
      window.addEventListener("online", () => { flush(); });
      if (navigator.onLine) flush();
      setInterval(() => { if (navigator.onLine) flush(); }, RETRY_MS);
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
