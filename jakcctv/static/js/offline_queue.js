// What waits for a signal (shift notes, FKDM observations, incident reports with their photo),
// shared by the page (static/js/offline.js) and the service worker (/sw.js, importScripts): one
// IndexedDB store and one way of sending, so that whichever of the two sends, it sends alike.
//
// An item: {key (its Idempotency-Key), user, kind, action (the form's URL), fields, created,
// csrf (the page's CSRF token when it was written: the service worker cannot read cookies)}, and
// once the server has answered something other than "created": refused (its status: never sent
// again on its own) or signin (the session had ended: sent again by a page signed in again).
"use strict";

self.jakcctvOffline = (function () {
  const DB_NAME = "jakcctv-offline";
  const STORE = "waiting";
  const SYNC_TAG = "jakcctv-offline"; // the Background Sync tag the service worker answers

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

  const all = () => store("readonly", (s) => s.getAll()).then((items) => items.sort((a, b) => a.created - b.created));
  const put = (item) => store("readwrite", (s) => s.put(item));
  const remove = (key) => store("readwrite", (s) => s.delete(key));

  function bodyOf(item, csrf) {
    const body = new FormData();
    item.fields.forEach(([name, value]) => {
      if (value && value.blob) body.append(name, new File([value.blob], value.name, { type: value.type }));
      else body.append(name, value);
    });
    body.append("csrfmiddlewaretoken", csrf);
    return body;
  }

  // Sends one item with the given CSRF token (Accept JSON: the server answers {"location"}
  // instead of a redirect). Outcomes: "sent" (with location); "later" (no network, or the
  // server is away); "signin" (redirected, to the sign-in page, or 403: the session ended or
  // the token is an old one); "refused" (any other 4xx: the server said no).
  async function send(item, csrf) {
    let response;
    try {
      response = await fetch(item.action, {
        method: "POST",
        body: bodyOf(item, csrf),
        credentials: "same-origin",
        headers: { "Idempotency-Key": item.key, "X-CSRFToken": csrf, Accept: "application/json" },
      });
    } catch (error) {
      return { outcome: "later" };
    }
    const type = response.headers.get("Content-Type") || "";
    if (response.ok && type.includes("application/json")) {
      const answer = await response.json().catch(() => ({}));
      if (answer.location) return { outcome: "sent", location: answer.location };
    }
    if (response.status >= 500) return { outcome: "later", response };
    if (response.redirected || response.status === 403) return { outcome: "signin", response };
    return { outcome: "refused", response };
  }

  // Sends what waits, oldest first, and stops at the first "later" (still no signal: the order
  // is kept). Without `user`: the service worker on its own (Background Sync, its start) sends
  // every item with the token it was written with. With `user` and `csrf`: a signed-in page
  // vouches for the session and lends its current token, so that person's items are sent with
  // it, those that met an ended session too; a 403 despite that is a real refusal (the role is
  // gone), not an old token. Every send keeps the item's Idempotency-Key: two senders at once
  // (two tabs, a sync and a page) make one note or incident. `changed()` after each item.
  // Answers {later: true} when something is still waiting for the network.
  async function flush({ user = null, csrf = "", changed = () => {} } = {}) {
    const fromPage = user !== null;
    const items = (await all()).filter((item) => !item.refused && (fromPage ? item.user === user : !item.signin));
    for (const item of items) {
      const result = await send(item, fromPage ? csrf : item.csrf || "");
      if (result.outcome === "later") return { later: true };
      if (result.outcome === "sent") await remove(item.key);
      else if (result.outcome === "signin" && !(fromPage && result.response.status === 403)) await put({ ...item, signin: true });
      else await put({ ...item, signin: false, refused: result.response.status });
      await changed();
    }
    return { later: false };
  }

  return { SYNC_TAG, all, put, remove, send, flush };
})();
