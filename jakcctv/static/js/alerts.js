// JakCCTV live alerts: one WebSocket per page (/ws/alerts/), toasts, sound, notifications, the
// unread badge and in-place updates of what the page shows (camera status, incident lists).
//
// Config: the JSON block #alerts-config (templates/alerts/_client.html). Protocol: on every
// (re)connect the page sends {"type": "resume", "last_id", "seen"}; the server replays what was
// missed, says {"type": "ready", "unread"}, then pushes live alerts. Each alert carries its id;
// ids already seen (remembered per user in localStorage) are ignored, so nothing shows twice.
// Other scripts may listen for the "jak:alert" event on document (detail: the alert).
"use strict";

(function () {
  const node = document.getElementById("alerts-config");
  if (!node || !("WebSocket" in window)) return;
  const config = JSON.parse(node.textContent);
  const texts = config.texts;
  const STORE = `jakcctv.alerts.${config.user}`;
  const MUTED = "jakcctv.alerts.muted";
  const KEEP_SEEN = 300; // ids remembered across pages (sent back on resume)
  const SUMMARY_OVER = 3; // more missed alerts than this: one summary toast instead
  const MAX_TOASTS = 4;
  const TOAST_SECONDS = { rendah: 8, sedang: 12, tinggi: 30, darurat: 0 }; // 0: until closed

  // --- What this user has seen (shared by the tabs of this browser) ----------------------------

  // {last: newest id seen, seen: [ids], floor: where this browser started listening}. Before
  // the first alert, the page's own "since" (the newest alert when it was rendered) stands in.
  function stored() {
    try {
      return localStorage.getItem(STORE);
    } catch (error) {
      return null; // storage disabled
    }
  }

  function load() {
    let saved = {};
    try {
      saved = JSON.parse(stored() || "{}");
    } catch (error) {
      // Unreadable: start afresh.
    }
    const floor = Number.isInteger(saved.floor) ? saved.floor : config.since;
    return {
      last: Number.isInteger(saved.last) ? saved.last : floor,
      seen: Array.isArray(saved.seen) ? saved.seen : [],
      floor,
    };
  }

  const seenHere = new Set(); // this page: never show one alert twice

  function save(saved) {
    try {
      localStorage.setItem(STORE, JSON.stringify(saved));
    } catch (error) {
      // Private mode or a full store: this page still de-duplicates on its own.
    }
  }

  function remember(id) {
    seenHere.add(id);
    const saved = load();
    if (!saved.seen.includes(id)) saved.seen.push(id);
    saved.seen = saved.seen.slice(-KEEP_SEEN);
    saved.last = Math.max(saved.last, id);
    save(saved);
  }

  function alreadySeen(id) {
    return seenHere.has(id) || load().seen.includes(id);
  }

  // --- The connection --------------------------------------------------------------------------

  const bell = document.querySelector("[data-alerts-bell]");
  const counter = document.querySelector("[data-alerts-unread]");
  const toasts = document.querySelector("[data-alerts-toasts]");
  const connection = document.querySelector("[data-alerts-connection]");
  let socket = null;
  let attempts = 0;
  let retryTimer = null;
  let offlineTimer = null;
  let ended = false;
  let replayed = [];
  let ready = false;

  function setState(state) {
    if (bell) {
      bell.dataset.state = state;
      bell.title = texts[state] || "";
    }
    // Say so when live alerts have been cut off for more than a moment (never pretend to be
    // live); reconnecting attempts in between do not hide it.
    if (state === "live") {
      clearTimeout(offlineTimer);
      offlineTimer = null;
      showConnection("");
    } else if (state === "ended") {
      clearTimeout(offlineTimer);
      showConnection(texts.ended);
    } else if (state === "offline" && !offlineTimer) {
      offlineTimer = setTimeout(() => showConnection(texts.offline), 3000);
    }
  }

  function showConnection(message) {
    if (!connection) return;
    connection.textContent = message;
    connection.hidden = !message;
  }

  function connect() {
    if (ended || (socket && socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(retryTimer);
    setState("connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const current = new WebSocket(scheme + location.host + config.socket);
    socket = current;
    ready = false;
    replayed = [];
    current.addEventListener("open", () => {
      const saved = load();
      // Remembered from the first connection on, so that the next page asks for what happened
      // while it was loading rather than starting from its own "since".
      if (!stored()) save(saved);
      current.send(JSON.stringify({ type: "resume", last_id: saved.last, seen: saved.seen, floor: saved.floor }));
    });
    current.addEventListener("message", (message) => {
      if (current !== socket) return; // an old socket's last words
      let data;
      try {
        data = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (data.type === "alert") receive(data);
      else if (data.type === "ready") becomeReady(data);
    });
    current.addEventListener("close", (event) => {
      if (current !== socket) return;
      socket = null;
      if (event.code === 4401 || event.code === 4403) {
        ended = true; // signed out or no access left: retrying would not help
        setState("ended");
        return;
      }
      setState("offline");
      retry();
    });
  }

  // Back-off with jitter: 0.5–1 s, 1–2 s, 2–4 s ... up to 15–30 s, so that a restarted server
  // is not met by every browser at the same instant.
  function retry() {
    const ceiling = Math.min(30000, 1000 * 2 ** attempts);
    attempts += 1;
    retryTimer = setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  }

  function becomeReady(data) {
    attempts = 0;
    ready = true;
    setState("live");
    const missed = replayed;
    replayed = [];
    if (missed.length > SUMMARY_OVER) {
      missed.forEach((alert) => present(alert, { quiet: true }));
      summaryToast(missed);
    } else {
      missed.forEach((alert) => present(alert));
    }
    setUnread(data.unread);
  }

  function receive(alert) {
    if (alreadySeen(alert.id)) return;
    remember(alert.id);
    if (!ready) replayed.push(alert);
    else {
      present(alert);
      setUnread(unread() + 1);
    }
  }

  // Phones suspend sockets: come back as soon as the network or the tab does.
  window.addEventListener("online", () => { attempts = 0; connect(); });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") connect();
  });
  window.addEventListener("pageshow", (event) => { if (event.persisted) connect(); });

  // --- Showing an alert ----------------------------------------------------------------------

  function present(alert, { quiet = false } = {}) {
    updateInPlace(alert);
    document.dispatchEvent(new CustomEvent("jak:alert", { detail: alert }));
    if (quiet || alert.severity === "rendah") return;
    toast(alert);
    if (alert.severity === "tinggi" || alert.severity === "darurat") sound(alert.severity);
    if (document.visibilityState === "hidden") notify(alert);
  }

  function wib(iso) {
    const date = new Date(iso);
    const zone = { timeZone: "Asia/Jakarta" };
    const time = new Intl.DateTimeFormat("en-GB", { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .format(date).replace(":", ".");
    const day = (d) => new Intl.DateTimeFormat("en-CA", zone).format(d);
    if (day(date) === day(new Date())) return `${time} WIB`;
    const lang = document.documentElement.lang || "id";
    return `${new Intl.DateTimeFormat(lang, { ...zone, day: "numeric", month: "short" }).format(date)} ${time} WIB`;
  }

  function element(tag, className, text) {
    const made = document.createElement(tag);
    if (className) made.className = className;
    if (text) made.textContent = text;
    return made;
  }

  function toast(alert) {
    if (!toasts) return;
    const box = element("div", `toast toast-${alert.severity}`);
    box.dataset.alertId = alert.id;
    box.setAttribute("role", alert.severity === "darurat" ? "alert" : "status");
    const head = element("div", "toast-head");
    head.append(
      element("span", "toast-kind", config.kinds[alert.kind] || alert.kind),
      element("span", `toast-severity severity-${alert.severity}`, config.severities[alert.severity] || alert.severity),
    );
    const close = element("button", "toast-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", texts.close);
    close.addEventListener("click", () => box.remove());
    head.append(close);
    const title = alert.link ? element("a", "toast-title", alert.title) : element("strong", "toast-title", alert.title);
    if (alert.link) {
      title.href = alert.link;
      title.addEventListener("click", () => markRead(alert.id));
    }
    const meta = element("div", "toast-meta", `${alert.area_name} · ${wib(alert.created_at)}`);
    box.append(head, title, meta);
    if (alert.severity === "tinggi" || alert.severity === "darurat") {
      const mute = element("button", "toast-mute link", muted() ? texts.unmute : texts.mute);
      mute.type = "button";
      mute.dataset.alertsSound = "";
      mute.addEventListener("click", toggleMute);
      box.append(mute);
    }
    toasts.prepend(box);
    while (toasts.querySelectorAll(".toast").length > MAX_TOASTS) {
      toasts.querySelector(".toast:last-of-type").remove();
    }
    const seconds = TOAST_SECONDS[alert.severity];
    if (seconds) setTimeout(() => box.remove(), seconds * 1000);
  }

  function summaryToast(missed) {
    if (!toasts) return;
    const worst = ["darurat", "tinggi", "sedang", "rendah"].find((s) => missed.some((a) => a.severity === s));
    const box = element("div", `toast toast-${worst}`);
    box.setAttribute("role", "status");
    const link = element("a", "toast-title", texts.missed.replace("%(n)s", missed.length));
    link.href = config.page;
    const close = element("button", "toast-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", texts.close);
    close.addEventListener("click", () => box.remove());
    const head = element("div", "toast-head");
    head.append(element("span", "toast-kind", ""), close);
    box.append(head, link);
    toasts.prepend(box);
  }

  function unread() {
    return counter ? Number(counter.dataset.count || 0) : 0;
  }

  function setUnread(count) {
    if (!counter || typeof count !== "number") return;
    counter.dataset.count = count;
    counter.textContent = count > 99 ? "99+" : String(count);
    counter.hidden = count === 0;
  }

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function markRead(id) {
    fetch(config.markRead.replace("/0/", `/${id}/`), {
      method: "POST",
      credentials: "same-origin",
      keepalive: true, // the click also leaves the page
      headers: { "X-CSRFToken": csrf(), Accept: "application/json" },
    }).catch(() => {});
  }

  // --- In place: what the page shows changes without a reload ---------------------------------

  function updateInPlace(alert) {
    const camera = alert.payload && alert.payload.camera;
    if (camera && (alert.kind === "kamera_online" || alert.kind === "kamera_offline")) {
      updateCamera(camera, alert.kind === "kamera_online", alert.payload.at);
    }
    const incident = alert.payload && alert.payload.incident;
    if (alert.kind.startsWith("kejadian_")) {
      document.querySelectorAll("[data-live-incidents]").forEach((list) => banner(list, texts.newIncidents));
      document.querySelectorAll(`[data-live-incident="${incident}"]`).forEach((page) => banner(page, texts.incidentUpdated));
    }
    document.querySelectorAll("[data-live-alerts]").forEach((list) => banner(list, texts.newAlerts));
  }

  // Camera status pills (the camera list and page) and map markers, for cameras in service.
  function updateCamera(code, online, at) {
    const quoted = CSS.escape(code);
    const pills = document.querySelectorAll(`[data-camera="${quoted}"] .status, [data-camera-status="${quoted}"] .status`);
    pills.forEach((pill) => {
      if (!pill.classList.contains("status-online") && !pill.classList.contains("status-offline")) return;
      pill.classList.toggle("status-online", online);
      pill.classList.toggle("status-offline", !online);
      pill.textContent = online ? texts.cameraOnline : texts.cameraOfflineSince.replace("%(time)s", wib(at));
    });
    document.querySelectorAll(`.marker[data-camera="${quoted}"]`).forEach((marker) => {
      if (!marker.classList.contains("marker-online") && !marker.classList.contains("marker-offline")) return;
      marker.classList.toggle("marker-online", online);
      marker.classList.toggle("marker-offline", !online);
    });
  }

  // A list (or page) that cannot show the news itself gets a line above it, with a reload.
  function banner(target, template) {
    let shown = target.previousElementSibling;
    if (!shown || !shown.classList.contains("live-banner")) {
      shown = element("p", "live-banner");
      shown.setAttribute("role", "status");
      shown.dataset.count = "0";
      const reload = element("a", "", texts.reload);
      reload.href = location.href;
      shown.append(element("span"), " ", reload);
      target.before(shown);
    }
    shown.dataset.count = String(Number(shown.dataset.count) + 1);
    shown.firstChild.textContent = template.replace("%(n)s", shown.dataset.count);
  }

  // --- Sound (generated, no audio file) and browser notifications ---------------------------

  let audio = null;
  function unlockAudio() {
    // Browsers start audio only after a user gesture; the first click or key on the page.
    if (!audio && (window.AudioContext || window.webkitAudioContext)) {
      audio = new (window.AudioContext || window.webkitAudioContext)();
    }
    if (audio && audio.state === "suspended") audio.resume();
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  function muted() {
    try {
      return localStorage.getItem(MUTED) === "1";
    } catch (error) {
      return false;
    }
  }

  function toggleMute() {
    const now = !muted();
    try {
      localStorage.setItem(MUTED, now ? "1" : "0");
    } catch (error) {
      // Not remembered; still muted for this page below.
    }
    document.querySelectorAll("[data-alerts-sound]").forEach((button) => {
      button.textContent = now ? texts.unmute : texts.mute;
      button.setAttribute("aria-pressed", String(now));
    });
  }

  function sound(severity) {
    if (muted() || !audio || audio.state !== "running") return;
    // Two short beeps for "tinggi", a falling two-tone repeated for "darurat".
    const notes = severity === "darurat" ? [880, 660, 880, 660, 880, 660] : [740, 740];
    let at = audio.currentTime + 0.02;
    notes.forEach((frequency) => {
      const tone = audio.createOscillator();
      const gain = audio.createGain();
      tone.type = "square";
      tone.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.15, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.2);
      tone.connect(gain).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.22);
      at += 0.27;
    });
  }

  function notify(alert) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    const title = `${config.kinds[alert.kind] || alert.kind}: ${alert.title}`;
    const options = {
      body: `${alert.area_name} · ${wib(alert.created_at)}`,
      tag: `jakcctv-alert-${alert.id}`,
      icon: "/static/img/icon-192.png",
      data: { url: alert.link || config.page },
    };
    // Phones show notifications only through the service worker.
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.ready.then((registration) => registration.showNotification(title, options));
    } else {
      const shown = new Notification(title, options);
      shown.addEventListener("click", () => { window.focus(); location.href = options.data.url; });
    }
  }

  function setUpControls() {
    document.querySelectorAll("[data-alerts-sound]").forEach((button) => {
      button.textContent = muted() ? texts.unmute : texts.mute;
      button.setAttribute("aria-pressed", String(muted()));
      button.addEventListener("click", toggleMute);
    });
    // Permission is asked on a click, never on load.
    document.querySelectorAll("[data-alerts-notify]").forEach((button) => {
      const status = document.querySelector("[data-alerts-notify-status]");
      const show = () => {
        if (!("Notification" in window)) return;
        const state = Notification.permission;
        button.hidden = state !== "default";
        if (status) status.textContent = state === "granted" ? texts.notifyOn : state === "denied" ? texts.notifyDenied : "";
      };
      show();
      button.addEventListener("click", () => {
        if ("Notification" in window) Notification.requestPermission().then(show);
      });
    });
  }

  // --- Start --------------------------------------------------------------------------------

  function start() {
    setUpControls();
    if (counter) setUnread(Number(counter.dataset.count || 0));
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register(config.worker, { scope: "/" }).catch(() => {});
    }
    connect();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
