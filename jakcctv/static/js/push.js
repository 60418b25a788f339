// Web Push on the devices page (/akun/notifikasi/): subscribe this browser through the Push API
// with the portal's VAPID key and register it with a severity threshold
// (POST /api/v1/push/subscriptions/); mark which listed device is this one. Permission is asked
// on the button's click, never on load. iOS offers Web Push only to an app added to the Home
// Screen: there the guide opens instead.
"use strict";

(function () {
  const node = document.getElementById("push-config");
  if (!node) return;
  const config = JSON.parse(node.textContent);
  const texts = config.texts;
  const form = document.querySelector("[data-push-form]");
  const status = document.querySelector("[data-push-status]");
  const guide = document.querySelector("[data-push-ios]");
  const ios = /iPhone|iPad|iPod/.test(navigator.userAgent);
  const standalone = window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function say(text) {
    if (status) status.textContent = text;
  }

  function csrf() {
    const field = document.querySelector("[data-push-form] input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function keyBytes(base64url) {
    const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  async function registration() {
    await navigator.serviceWorker.register(config.worker, { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  async function markThisDevice() {
    if (!supported) return;
    const current = await (await registration()).pushManager.getSubscription();
    if (!current) return;
    document.querySelectorAll("[data-push-devices] li[data-endpoint]").forEach((row) => {
      if (row.dataset.endpoint === current.endpoint) row.querySelector("[data-push-this]").hidden = false;
    });
  }

  async function enable(event) {
    event.preventDefault();
    if (!supported) {
      say(ios && !standalone ? texts.ios : texts.unsupported);
      return;
    }
    say(texts.working);
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      say(texts.denied);
      return;
    }
    try {
      const key = (await (await fetch(config.key, { headers: { Accept: "application/json" } })).json()).public_key;
      const push = (await registration()).pushManager;
      const subscription = (await push.getSubscription()) ||
        (await push.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) }));
      const body = { ...subscription.toJSON(), min_severity: form.elements.min_severity.value };
      delete body.expirationTime;
      const answer = await fetch(config.subscriptions, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(body),
      });
      if (!answer.ok) {
        const problem = await answer.json().catch(() => ({}));
        throw new Error(problem.detail || JSON.stringify(problem));
      }
      window.location.reload();
    } catch (error) {
      say(texts.failed.replace("%(reason)s", error.message || String(error)));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (ios && !standalone && guide) {
      guide.open = true;
      say(texts.ios);
    }
    form?.addEventListener("submit", enable);
    markThisDevice().catch(() => {});
  });
})();
