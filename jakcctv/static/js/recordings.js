// JakCCTV recordings on the camera page: a 24-hour timeline under the live player (what is
// recorded, gaps, incidents and shift notes), click or drag to play from a moment, "mundur 30
// detik", back to live, 1x/2x/4x, and the WIB time of the picture shown.
//
// Markup: templates/cameras/_recordings.html; addresses and texts in #recordings-config. The
// playback endpoint hands out a token for one range (at most an hour); the VOD playlist and its
// segments are fetched with it as a Bearer header, like live video (static/js/player.js). When a
// range has played to its end, the next one is asked for, until the present: then live again.
// A range never crosses a move of the camera to another media node (the timeline's `moves`).
"use strict";

(function () {
  const DAY_MS = 24 * 3600 * 1000;
  const RANGE_MS = 3600 * 1000;
  const REFRESH_TIMELINE_MS = 60 * 1000;

  // "2026-12-07 18.23.45"-like parts of a date in Jakarta time, as the burnt-in clock shows it
  // ("%F %T": 2026-12-07 18:23:45).
  function wibClock(date) {
    const parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(date).forEach((part) => { parts[part.type] = part.value; });
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  }

  function wibHour(date) {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(date);
  }

  class Recordings {
    constructor(root, player) {
      this.root = root;
      this.player = player; // the page's LivePlayer
      this.video = player.video;
      this.config = JSON.parse(document.getElementById("recordings-config").textContent);
      this.texts = this.config.texts;
      this.csrf = JSON.parse(document.getElementById("player-config")?.textContent || "{}").csrf;
      this.timeline = root.querySelector("[data-timeline]");
      this.track = root.querySelector("[data-timeline-track]");
      this.cursor = root.querySelector("[data-timeline-cursor]");
      this.clock = root.querySelector("[data-recording-clock]");
      this.liveButton = root.querySelector("[data-action=live]");
      this.hls = null;
      this.rate = 1;
      this.rangeEnd = null;
      this.run = 0;
      this.skew = 0; // server clock minus this device's, in ms
      this.moves = []; // ms: moments the camera moved to another media node (timeline's `moves`)
      root.querySelector("[data-action=back30]").addEventListener("click", () => {
        const now = this.now();
        const shown = this.shownDate();
        this.playFrom(new Date((shown && this.hls ? shown.getTime() : now) - 30 * 1000));
      });
      this.liveButton.addEventListener("click", () => this.goLive());
      root.querySelectorAll("[data-rate]").forEach((button) => {
        button.addEventListener("click", () => this.setRate(Number(button.dataset.rate)));
      });
      this.video.addEventListener("timeupdate", () => this.showClock());
      this.video.addEventListener("ended", () => this.nextRange());
      this.video.addEventListener("ratechange", () => {
        if (this.hls && this.video.playbackRate !== this.rate) this.video.playbackRate = this.rate;
      });
      this.bindTimeline();
      this.loadTimeline();
      setInterval(() => this.loadTimeline(), REFRESH_TIMELINE_MS);
      if (this.config.openAt) this.playFrom(new Date(this.config.openAt));
    }

    now() {
      return Date.now() + this.skew;
    }

    windowStart() {
      return this.now() - DAY_MS;
    }

    // --- The timeline ------------------------------------------------------------------------

    async loadTimeline() {
      const end = new Date(this.now());
      const start = new Date(end.getTime() - DAY_MS);
      const query = new URLSearchParams({ start: start.toISOString(), end: end.toISOString() });
      try {
        const response = await fetch(`${this.config.timeline}?${query}`, { credentials: "same-origin" });
        if (!response.ok) return;
        const server = Date.parse(response.headers.get("Date"));
        if (server) this.skew = server - Date.now();
        this.drawTimeline(await response.json(), start.getTime());
      } catch (error) {
        // Kept as it was; the next refresh tries again.
      }
    }

    drawTimeline(data, from) {
      this.moves = (data.moves || []).map((at) => Date.parse(at));
      const percent = (time) => Math.min(100, Math.max(0, ((time - from) / DAY_MS) * 100));
      this.track.replaceChildren();
      for (const span of data.spans) {
        const left = percent(Date.parse(span.start));
        const piece = document.createElement("div");
        piece.className = "timeline-span";
        piece.style.left = `${left}%`;
        piece.style.width = `${Math.max(0.15, percent(Date.parse(span.end)) - left)}%`;
        this.track.append(piece);
      }
      const marks = [
        ...data.incidents.map((m) => ({ ...m, kind: "incident", label: this.texts.incident })),
        ...data.notes.map((m) => ({ ...m, kind: "note", label: this.texts.note })),
      ];
      for (const mark of marks) {
        const at = new Date(mark.at);
        const tick = document.createElement("button");
        tick.type = "button";
        tick.className = `timeline-mark timeline-${mark.kind}`;
        tick.style.left = `${percent(at.getTime())}%`;
        tick.title = `${mark.label} ${wibHour(at)} WIB: ${mark.title}`;
        tick.dataset.at = mark.at;
        tick.addEventListener("click", (event) => {
          event.stopPropagation();
          this.playFrom(new Date(at.getTime() - 10 * 1000)); // a little before it
        });
        this.track.append(tick);
      }
      const hours = this.root.querySelector("[data-timeline-hours]");
      hours.replaceChildren();
      for (let i = 0; i <= 24; i += 3) {
        const label = document.createElement("span");
        label.style.left = `${(i / 24) * 100}%`;
        label.textContent = wibHour(new Date(from + i * 3600 * 1000));
        hours.append(label);
      }
      this.moveCursor();
    }

    bindTimeline() {
      let dragging = false;
      const momentAt = (event) => {
        const box = this.timeline.getBoundingClientRect();
        const share = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
        return new Date(this.windowStart() + share * DAY_MS);
      };
      this.timeline.addEventListener("pointerdown", (event) => {
        if (event.target.closest(".timeline-mark")) return;
        dragging = true;
        this.timeline.setPointerCapture(event.pointerId);
        this.placeCursor(momentAt(event));
      });
      this.timeline.addEventListener("pointermove", (event) => {
        if (dragging) this.placeCursor(momentAt(event));
      });
      this.timeline.addEventListener("pointerup", (event) => {
        if (!dragging) return;
        dragging = false;
        this.playFrom(momentAt(event));
      });
      this.timeline.addEventListener("keydown", (event) => {
        const shown = this.shownDate()?.getTime() || this.now();
        const step = { ArrowLeft: -60 * 1000, ArrowRight: 60 * 1000 }[event.key];
        if (step) {
          event.preventDefault();
          this.playFrom(new Date(shown + step));
        }
      });
    }

    placeCursor(date) {
      const share = (date.getTime() - this.windowStart()) / DAY_MS;
      const value = Math.round(Math.min(1, Math.max(0, share)) * 100);
      this.cursor.style.left = `${value}%`;
      this.timeline.setAttribute("aria-valuenow", String(value));
      this.timeline.setAttribute("aria-valuetext", `${wibClock(date)} WIB`);
    }

    moveCursor() {
      this.placeCursor(this.hls ? this.shownDate() || new Date(this.now()) : new Date(this.now()));
    }

    // --- Playing a recording -----------------------------------------------------------------

    async playFrom(moment) {
      const now = this.now();
      if (moment.getTime() > now - 3000) {
        this.goLive();
        return;
      }
      const run = ++this.run;
      // A range ends at the next move to another media node (its recordings are on the node
      // that made them); the next range starts there, on the other node.
      const nextMove = this.moves.find((at) => at > moment.getTime()) || Infinity;
      const end = new Date(Math.min(moment.getTime() + RANGE_MS, now, nextMove));
      this.player.stop();
      this.root.closest(".camera-live")?.querySelector("[data-player]")?.setAttribute("data-mode", "recording");
      this.liveButton.hidden = false;
      this.placeCursor(moment);
      let answer;
      try {
        const response = await fetch(this.config.playback, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": this.csrf },
          body: JSON.stringify({ start: moment.toISOString(), end: end.toISOString() }),
        });
        answer = await response.json().catch(() => ({}));
        if (!response.ok) throw new Error(answer.detail || this.texts.loadFailed);
      } catch (error) {
        if (run === this.run) this.say(error.message || this.texts.loadFailed);
        return;
      }
      if (run !== this.run) return;
      this.rangeEnd = end;
      this.attach(answer);
    }

    attach(answer) {
      this.detach();
      const Hls = window.Hls;
      if (answer.url.includes(".m3u8") && Hls && Hls.isSupported()) {
        const hls = new Hls({
          maxBufferLength: 20,
          xhrSetup: (xhr, url) => {
            xhr.open("GET", url, true);
            xhr.setRequestHeader("Authorization", `Bearer ${answer.token}`);
          },
        });
        hls.on(Hls.Events.MANIFEST_PARSED, () => this.start());
        hls.on(Hls.Events.LEVEL_LOADED, (_event, data) => {
          if (!data.details.fragments.length) this.say(this.texts.noRecording);
        });
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (data.fatal) this.say(this.texts.loadFailed);
        });
        hls.loadSource(answer.url);
        hls.attachMedia(this.video);
        this.hls = hls;
      } else {
        // MediaMTX's playback server answers one MP4 of the range (its URL carries the token).
        const separator = answer.url.includes("?") ? "&" : "?";
        this.video.src = answer.url.includes("token=")
          ? answer.url
          : `${answer.url}${separator}token=${encodeURIComponent(answer.token)}`;
        this.hls = { playingDate: null, destroy() {} };
        this.rangeStart = new Date(answer.start);
        this.start();
      }
    }

    start() {
      this.video.playbackRate = this.rate;
      this.video.play().catch(() => {});
    }

    detach() {
      if (this.hls) {
        this.hls.destroy();
        this.hls = null;
      }
      if (this.video.getAttribute("src")) {
        this.video.removeAttribute("src");
        this.video.load();
      }
    }

    nextRange() {
      if (!this.hls || !this.rangeEnd) return;
      if (this.rangeEnd.getTime() < this.now() - 3000) this.playFrom(this.rangeEnd);
      else this.goLive();
    }

    goLive() {
      this.run += 1;
      this.detach();
      this.rangeEnd = null;
      this.root.closest(".camera-live")?.querySelector("[data-player]")?.removeAttribute("data-mode");
      this.liveButton.hidden = true;
      this.clock.textContent = this.texts.live;
      this.clock.dataset.at = "";
      this.setRate(1);
      this.player.start();
      this.moveCursor();
    }

    setRate(rate) {
      this.rate = rate;
      this.root.querySelectorAll("[data-rate]").forEach((button) => {
        button.setAttribute("aria-pressed", String(Number(button.dataset.rate) === rate));
      });
      if (this.hls) this.video.playbackRate = rate;
    }

    // The date of the picture shown: hls.js's PROGRAM-DATE-TIME, or the MP4's start + time.
    shownDate() {
      if (!this.hls) return null;
      if (this.hls.playingDate) return this.hls.playingDate;
      if (this.rangeStart) return new Date(this.rangeStart.getTime() + this.video.currentTime * 1000);
      return null;
    }

    showClock() {
      if (!this.hls) return;
      const shown = this.shownDate();
      if (!shown) return;
      this.clock.textContent = this.texts.recording.replace("%(time)s", wibClock(shown));
      this.clock.dataset.at = shown.toISOString();
      this.placeCursor(shown);
    }

    say(text) {
      this.clock.textContent = text;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const root = document.querySelector("[data-recordings]");
    const playerRoot = document.querySelector("[data-player]");
    if (!root || !playerRoot || !playerRoot.player) return;
    root.recordings = new Recordings(root, playerRoot.player);
  });
})();
