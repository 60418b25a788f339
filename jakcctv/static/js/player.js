// JakCCTV live player: one camera, played by hls.js through the stream gate.
//
// Markup: templates/cameras/_player.html (a <figure data-player> with data-stream = the POST
// endpoint that hands out tokens). Shared texts and the CSRF token come from the JSON block
// #player-config. The token goes in the Authorization header of every playlist and segment
// request (xhrSetup) and is refreshed before it expires, continuing the same viewing session.
//
// hls.js is loaded only when a player first plays (a phone's wall of stills never needs it).
// The stream URL is a master playlist with a main and a low rendition; "Hemat data" (data
// saver, on by default on phones, remembered per device) starts on the low one and caps hls.js
// to it.
"use strict";

(function () {
  const BACKOFF_SECONDS = [1, 2, 4, 8, 15, 30];
  const OFFLINE_AFTER_FAILURES = 3; // then say "offline since" while still trying
  const STALL_SECONDS = 12; // live video that has not moved for this long is reconnected
  const STALE_SECONDS = 30; // ... and so is video this far behind the clock (a frozen playlist)
  const HEALTHY_SECONDS = 10; // playing this long without a break ends a run of failures
  const FINAL = [401, 403, 404, 409]; // the stream endpoint said no: retrying will not help

  let sharedConfig = null;
  function config() {
    if (!sharedConfig) {
      const node = document.getElementById("player-config");
      sharedConfig = node ? JSON.parse(node.textContent) : { csrf: "", texts: {} };
    }
    return sharedConfig;
  }

  const SAVER_KEY = "jakcctv.hematData";
  const PHONE = "(max-width: 480px)";

  // Hemat data: this device's choice, else on for phones and for browsers asking to save data.
  function dataSaver() {
    try {
      const chosen = localStorage.getItem(SAVER_KEY);
      if (chosen !== null) return chosen === "1";
    } catch (error) {
      // Storage may be unavailable (private mode): fall back to the default.
    }
    return window.matchMedia(PHONE).matches || Boolean(navigator.connection?.saveData);
  }

  function setDataSaver(on) {
    try {
      localStorage.setItem(SAVER_KEY, on ? "1" : "0");
    } catch (error) {
      // Not remembered, but still applied to this page.
    }
    document.dispatchEvent(new CustomEvent("datasaver:change", { detail: on }));
  }

  let hlsLoading = null;
  function loadHls() {
    if (window.Hls || !config().hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise((resolve) => {
        const script = document.createElement("script");
        script.src = config().hls;
        script.onload = () => resolve(window.Hls);
        script.onerror = () => { hlsLoading = null; resolve(undefined); };
        document.head.append(script);
      });
    }
    return hlsLoading;
  }

  // Jakarta time as "HH.MM" (with the date when it is not today), whatever the device's zone.
  function wibTime(date) {
    const zone = { timeZone: "Asia/Jakarta" };
    const parts = {};
    new Intl.DateTimeFormat("en-GB", { ...zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(date)
      .forEach((part) => { parts[part.type] = part.value; });
    const time = `${parts.hour}.${parts.minute}`;
    const day = (d) => new Intl.DateTimeFormat("en-CA", zone).format(d);
    if (day(date) === day(new Date())) return time;
    const lang = document.documentElement.lang || "id";
    return new Intl.DateTimeFormat(lang, { ...zone, day: "numeric", month: "short" }).format(date) + " " + time;
  }

  // "20261123-140512": a file name stamp in Jakarta time.
  function wibStamp(date) {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(date).forEach((part) => { parts[part.type] = part.value; });
    return `${parts.year}${parts.month}${parts.day}-${parts.hour}${parts.minute}${parts.second}`;
  }

  class StreamRefused extends Error {
    constructor(status, detail) {
      super(detail || String(status));
      this.status = status;
      this.final = FINAL.includes(status);
    }
  }

  class LivePlayer {
    constructor(root) {
      this.root = root;
      this.video = root.querySelector("video");
      this.stateBox = root.querySelector("[data-player-state]");
      this.texts = config().texts;
      this.viewing = null; // the viewing session, continued on every token refresh
      this.token = null;
      this.hls = null;
      this.running = false;
      this.run = 0; // bumped by start and stop, so that late answers of an old run are dropped
      this.failures = 0;
      this.timers = {};
      this.lastTime = -1;
      this.lastMoved = 0; // when the picture last moved (0: not yet on this page)
      this.movingSince = 0; // start of the current stretch of moving picture
      this.attachedAt = 0;
      this.attachedUrl = null; // the playlist playing: the master, or the low one's own
      this.urls = null; // {main, low} of the last stream answer
      this.skew = 0; // server clock minus this device's clock, in ms
      // Known offline when the page was made: say so from the start (and keep trying).
      const since = root.dataset.offlineSince;
      this.offlineSince = root.dataset.online === "0" ? (since ? new Date(since) : "unknown") : null;
      this.video.muted = true;
      this.video.addEventListener("timeupdate", () => this.moved());
      root.querySelector("[data-action=snapshot]")?.addEventListener("click", () => this.snapshot());
      root.querySelector("[data-action=fullscreen]")?.addEventListener("click", () => this.fullscreen());
      // The play button asks; whoever manages the player (this file, wall.js) decides.
      root.querySelector("[data-action=play]")?.addEventListener("click", () => {
        if (this.running) this.play();
        else root.dispatchEvent(new CustomEvent("player:wanted"));
      });
      this.show("stopped");
    }

    start() {
      if (this.running) return;
      this.running = true;
      this.run += 1;
      this.failures = 0;
      this.connect();
      this.repeat("watchdog", 5, () => this.checkStall());
    }

    // Stop playing and let go of the stream (off screen, hidden tab, another tile chosen).
    stop() {
      this.running = false;
      this.run += 1;
      Object.keys(this.timers).forEach((name) => this.clear(name));
      this.detach();
      this.show("stopped");
    }

    async connect() {
      if (!this.running) return;
      const run = this.run;
      this.show(this.offlineSince ? "offline" : this.failures ? "reconnecting" : "connecting");
      try {
        // hls.js arrives while the token is asked for (one round trip less on a slow network).
        const [answer] = await Promise.all([this.fetchToken(), loadHls()]);
        // Hemat data starts on the low rendition's own playlist (one round trip less than
        // through the master); otherwise the master, and hls.js chooses.
        this.urls = { main: answer.url, low: answer.low_url };
        if (run === this.run) this.attach(this.wantedUrl());
      } catch (error) {
        if (run !== this.run) return;
        if (error.final) this.refused(error);
        else this.retry();
      }
    }

    async fetchToken() {
      const run = this.run;
      const response = await fetch(this.root.dataset.stream, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": config().csrf },
        body: JSON.stringify(this.viewing ? { viewing: this.viewing } : {}),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) throw new StreamRefused(response.status, answer.detail);
      if (run !== this.run) return answer;
      this.token = answer.token;
      this.viewing = answer.viewing;
      // Measure the token's life (and the stream's delay) against the server's clock.
      const now = Date.parse(response.headers.get("Date")) || Date.now();
      this.skew = now - Date.now();
      const life = (Date.parse(answer.expires_at) - now) / 1000;
      const refreshIn = Number.isFinite(life) ? Math.max(5, life * 0.6) : 30;
      this.after("refresh", refreshIn, () => this.refresh());
      return answer;
    }

    async refresh() {
      const run = this.run;
      try {
        await this.fetchToken();
      } catch (error) {
        if (run !== this.run) return;
        if (error.final) this.refused(error);
        else this.after("refresh", 5, () => this.refresh()); // the old token still has a while
      }
    }

    attach(url) {
      this.detach();
      this.attachedAt = Date.now();
      this.attachedUrl = url;
      // The low playlist holds only the low rendition; through the master, hls.js says which.
      if (this.urls && url === this.urls.low) this.root.dataset.rendition = "low";
      else delete this.root.dataset.rendition;
      const Hls = window.Hls;
      if (Hls && Hls.isSupported()) {
        const hls = new Hls({
          autoStartLoad: false, // the rendition is chosen first (Hemat data)
          liveSyncDurationCount: 2,
          maxBufferLength: 8,
          backBufferLength: 4,
          xhrSetup: (xhr, requestUrl) => {
            xhr.open("GET", requestUrl, true);
            xhr.setRequestHeader("Authorization", `Bearer ${this.token}`);
          },
        });
        hls.on(Hls.Events.ERROR, (_event, data) => this.hlsError(data));
        hls.on(Hls.Events.MANIFEST_PARSED, () => {
          this.applyDataSaver();
          hls.startLoad();
          this.play();
        });
        hls.on(Hls.Events.LEVEL_SWITCHED, (_event, data) => {
          const onLow = this.urls && this.attachedUrl === this.urls.low;
          this.root.dataset.rendition = onLow || data.level === this.lowestLevel() ? "low" : "main";
        });
        hls.loadSource(url);
        hls.attachMedia(this.video);
        this.hls = hls;
      } else if (this.video.canPlayType("application/vnd.apple.mpegurl")) {
        // Native HLS cannot send headers: the query parameter is the fallback.
        const separator = url.includes("?") ? "&" : "?";
        this.video.src = `${url}${separator}token=${encodeURIComponent(this.token)}`;
        this.play();
      } else {
        this.running = false;
        this.show("message", this.texts.unsupported);
      }
    }

    // The level of the smallest bit rate (-1 before the master playlist is read).
    lowestLevel() {
      const levels = (this.hls && this.hls.levels) || [];
      let low = -1;
      levels.forEach((level, index) => {
        if (low < 0 || level.bitrate < levels[low].bitrate) low = index;
      });
      return levels.length > 1 ? low : -1;
    }

    wantedUrl() {
      return dataSaver() && this.urls.low ? this.urls.low : this.urls.main;
    }

    // Hemat data on: start on the low rendition and never go above it; off: hls.js chooses.
    applyDataSaver() {
      if (this.attachedUrl && this.urls && this.attachedUrl !== this.wantedUrl()) {
        this.attach(this.wantedUrl()); // switched: from the low playlist to the master or back
        return;
      }
      const hls = this.hls;
      const low = this.lowestLevel();
      if (!hls || low < 0) return;
      if (dataSaver()) {
        hls.autoLevelCapping = low;
        hls.startLevel = low;
        if (hls.currentLevel >= 0 && hls.currentLevel !== low) hls.nextLevel = low;
      } else {
        hls.autoLevelCapping = -1;
        hls.nextLevel = -1;
      }
    }

    detach() {
      this.attachedAt = 0;
      this.attachedUrl = null;
      this.movingSince = 0;
      if (this.hls) {
        this.hls.destroy();
        this.hls = null;
      }
      if (this.video.getAttribute("src")) {
        this.video.removeAttribute("src");
        this.video.load();
      }
    }

    play() {
      // Muted autoplay is allowed almost everywhere; where it is not, the play button shows.
      this.video.play().then(
        () => { if (this.root.dataset.state === "blocked") this.show("connecting"); },
        (error) => { if (error.name === "NotAllowedError" && this.running) this.show("blocked"); },
      );
    }

    hlsError(data) {
      if (!data.fatal || !this.running) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && !this.recovering) {
        this.recovering = true; // one in-place recovery, then a full reconnect
        this.hls.recoverMediaError();
        return;
      }
      // Anything else, including a 401/403 from the gate (the token lapsed while a laptop
      // slept, or the right was lost): reconnect, and the stream endpoint tells which.
      this.retry();
    }

    // Reconnect after a pause that grows with each failure in a row.
    retry() {
      this.detach();
      this.clear("refresh");
      this.failures += 1;
      if (this.failures >= OFFLINE_AFTER_FAILURES && !this.offlineSince) {
        this.offlineSince = this.lastMoved ? new Date(this.lastMoved) : "unknown";
      }
      const wait = BACKOFF_SECONDS[Math.min(this.failures, BACKOFF_SECONDS.length) - 1];
      this.show(this.offlineSince ? "offline" : "reconnecting");
      this.after("retry", wait, () => this.connect());
    }

    refused(error) {
      this.stop();
      let message = error.message; // 409: the server's "not operating" message
      if (error.status === 401 || error.status === 403) message = this.texts.signedOut;
      if (error.status === 404) message = this.texts.refused;
      this.show("message", message);
    }

    // The picture moved. Only a stretch of HEALTHY_SECONDS counts as recovered: a frozen
    // playlist still plays its last few seconds after every reconnect.
    moved() {
      const time = this.video.currentTime;
      if (!this.running || this.video.paused || time <= 0 || time === this.lastTime) return;
      const now = Date.now();
      if (!this.movingSince || now - this.lastMoved > 2000) this.movingSince = now;
      this.lastTime = time;
      this.lastMoved = now;
      const behind = this.behind();
      if (now - this.movingSince >= HEALTHY_SECONDS * 1000 || (behind !== null && behind < 10)) {
        this.failures = 0;
        this.recovering = false;
        this.offlineSince = null;
      }
      if (!this.offlineSince && this.root.dataset.state !== "playing") this.show("playing");
    }

    // How many seconds the picture is behind the server's clock, from the playlist's program
    // date time (null when the stream does not carry one).
    behind() {
      const shown = this.hls && this.hls.playingDate;
      return shown ? (Date.now() + this.skew - shown.getTime()) / 1000 : null;
    }

    checkStall() {
      if (!this.running || this.timers.retry || this.root.dataset.state === "blocked") return;
      const since = Math.max(this.lastMoved, this.attachedAt);
      const frozen = since && Date.now() - since > STALL_SECONDS * 1000;
      if (frozen || this.behind() > STALE_SECONDS) this.retry();
      else if (this.root.dataset.state === "playing" && Date.now() - this.lastMoved > 5000) {
        this.show("reconnecting"); // the picture stopped: say so while hls.js tries
      }
    }

    show(state, message) {
      this.root.dataset.state = state;
      let text = message || "";
      if (state === "connecting") text = this.texts.connecting;
      if (state === "reconnecting") text = this.texts.reconnecting;
      if (state === "stopped") text = this.texts.paused;
      if (state === "offline") {
        text = this.offlineSince instanceof Date && !Number.isNaN(this.offlineSince.getTime())
          ? this.texts.offline.replace("%(time)s", wibTime(this.offlineSince))
          : this.texts.offlineUnknown;
      }
      this.stateBox.textContent = text || "";
    }

    snapshot() {
      const video = this.video;
      if (!video.videoWidth) {
        this.flash(this.texts.snapshotFailed);
        return;
      }
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob((blob) => {
        const link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = `${this.root.dataset.code}-${wibStamp(new Date())}.png`;
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
      }, "image/png");
    }

    flash(text) {
      const previous = this.stateBox.textContent;
      this.stateBox.textContent = text;
      this.root.classList.add("flash");
      setTimeout(() => {
        this.root.classList.remove("flash");
        if (this.stateBox.textContent === text) this.stateBox.textContent = previous;
      }, 2500);
    }

    fullscreen() {
      if (document.fullscreenElement) {
        document.exitFullscreen();
      } else if (this.root.requestFullscreen) {
        this.root.requestFullscreen().catch(() => {});
      } else if (this.video.webkitEnterFullscreen) {
        this.video.webkitEnterFullscreen(); // iPhone: only the video element goes full screen
      }
    }

    after(name, seconds, action) {
      this.clear(name);
      this.timers[name] = setTimeout(() => {
        delete this.timers[name];
        action();
      }, seconds * 1000);
    }

    repeat(name, seconds, action) {
      this.clear(name);
      this.timers[name] = setInterval(action, seconds * 1000);
    }

    clear(name) {
      clearTimeout(this.timers[name]);
      clearInterval(this.timers[name]);
      delete this.timers[name];
    }
  }

  window.LivePlayer = LivePlayer;
  window.JakCCTV = { dataSaver, setDataSaver, loadHls, config, PHONE };

  document.addEventListener("datasaver:change", () => {
    document.querySelectorAll("[data-player]").forEach((root) => root.player?.applyDataSaver());
    document.querySelectorAll("[data-saver-switch]").forEach((box) => { box.checked = dataSaver(); });
  });

  // A page with one player (the camera page) plays it at once, and lets go of the stream
  // while the tab is hidden. The wall (wall.js) manages its own tiles.
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-saver-switch]").forEach((box) => {
      box.checked = dataSaver();
      box.addEventListener("change", () => setDataSaver(box.checked));
    });
    document.querySelectorAll("[data-player][data-autostart]").forEach((root) => {
      const player = new LivePlayer(root);
      root.player = player;
      player.start();
      // While a recording plays (static/js/recordings.js sets data-mode), live stays off.
      const recording = () => root.dataset.mode === "recording";
      root.addEventListener("player:wanted", () => { if (!recording()) player.start(); });
      document.addEventListener("visibilitychange", () => {
        if (recording()) return;
        if (document.hidden) player.stop();
        else player.start();
      });
    });
  });
})();
