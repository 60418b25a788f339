// JakCCTV service worker (served at /sw.js, scope /). It keeps the app shell (styles, scripts,
// icons, an offline page) so the portal opens on a flaky network and says honestly that it is
// offline. Pages, the API, video and the alerts socket always go to the network: nothing live
// is ever answered from a cache. It also sends what was written without a signal (below).
"use strict";

importScripts({{ queue_script|safe }}); // self.jakcctvOffline, the queue the pages write to

const CACHE = "jakcctv-shell-{{ version }}";
const SHELL = {{ shell|safe }};
const OFFLINE = {{ offline|safe }};
const ICON = {{ icon|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([...SHELL, OFFLINE])).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith("jakcctv-shell-") && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    // Pages always come from the network; without one, the offline page (never a stale page).
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    // The shell: fresh when the network answers, from the cache when it does not.
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(request, copy));
          }
          return response;
        })
        .catch(() => caches.match(request)),
    );
  }
  // Everything else (API, streams, other files) is not touched.
});

// Web Push (alerts/push/): the portal's worker sends an alert encrypted for this browser; it is
// shown even when no page of the portal is open. The payload holds only what the person's
// alerts page shows them anyway: title, area and time, and the link.
self.addEventListener("push", (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch (error) {
    alert = {};
  }
  event.waitUntil(
    self.registration.showNotification(alert.title || "JakCCTV", {
      body: alert.body || "",
      tag: alert.tag || "jakcctv-alert",
      icon: ICON,
      badge: ICON,
      requireInteraction: alert.severity === "darurat",
      data: { url: alert.url || "/peringatan/" },
    }),
  );
});

// A notification clicked (pushed, or shown by a page while its tab was hidden): its page comes
// up in a window of the portal already open, else in a new one.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const same = windows.find((client) => client.url === target);
      if (same) return same.focus();
      const ours = windows.find((client) => new URL(client.url).origin === self.location.origin && "navigate" in client);
      if (ours) return ours.navigate(target).then((client) => (client || ours).focus());
      return self.clients.openWindow(target);
    }),
  );
});

// Nothing lost offline (static/js/offline_queue.js): pages put what they could not send in
// IndexedDB; this worker sends it, so it leaves even after every tab is closed. It sends on
// Background Sync (Chromium: the browser fires "sync" once the network is back), whenever it
// starts, and when a page asks (each load, the network back: Safari and Firefox have no
// Background Sync). One send at a time here; each item keeps its Idempotency-Key, so a send
// repeated by a twin (a page not yet controlled, the previous worker) still makes one object.
let sending = Promise.resolve();

function sendWaiting(options) {
  const run = sending.then(() => self.jakcctvOffline.flush({ ...options, changed: tellPages }));
  sending = run.catch(() => {});
  return run.finally(tellPages);
}

// The pages draw the waiting list again (a note left, was refused, waits for a sign-in).
function tellPages() {
  return self.clients.matchAll({ type: "window" })
    .then((pages) => pages.forEach((page) => page.postMessage({ type: "offline-queue" })));
}

self.addEventListener("sync", (event) => {
  if (event.tag !== self.jakcctvOffline.SYNC_TAG) return;
  // Failing the event asks the browser to fire it again later, while the portal is still away.
  event.waitUntil(sendWaiting({}).then((done) => {
    if (done.later) throw new Error("still waiting for a signal");
  }));
});

// A signed-in page: {type: "offline-send", user, csrf} (see flush() on what its token is for).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "offline-send") event.waitUntil(sendWaiting({ user: data.user, csrf: data.csrf }));
});

sendWaiting({}); // the worker starts (for a page, a push, a sync): whatever waits may leave now
