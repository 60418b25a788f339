// Video wall and public page: one LivePlayer (player.js) per tile. Only tiles on screen in a
// visible tab play; the others let go of their stream. On a phone (<= 480px) the tiles form one
// column and one tile plays at a time: the first, or the one last tapped.
//
// Snapshot mode (a phone with Hemat data on): the tiles show stills instead of video, asked
// again every SNAPSHOT_SECONDS (the server makes one per camera per interval, and answers 304
// while it has not changed); no video element is on the page until a tile is tapped, which then
// plays live, on the low rendition. hls.js is fetched once the stills are shown.
"use strict";

(function () {
  const REMEMBER = "jakcctv.wall";
  const STAGGER_MS = 150;

  // The wall's choice lives in the URL; coming back to a bare /dinding/ restores the last one
  // (kept per user: officers on one shift may share a computer).
  function rememberChoice(wall) {
    if (!("remember" in wall.dataset)) return false;
    const key = `${REMEMBER}.${wall.dataset.remember}`;
    try {
      if (window.location.search) {
        localStorage.setItem(key, window.location.search);
      } else if (localStorage.getItem(key)) {
        window.location.replace(window.location.pathname + localStorage.getItem(key));
        return true;
      }
    } catch (error) {
      // Storage may be unavailable (private mode): the URL still holds the choice.
    }
    return false;
  }

  // A tile's still: fetched with the browser's cache revalidating (If-None-Match), so an
  // unchanged picture costs a 304 and no image.
  async function refreshStill(tile) {
    const url = tile.root.dataset.snapshot;
    if (!url || tile.loading) return;
    tile.loading = true;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (!response.ok) return;
      const etag = response.headers.get("ETag");
      if (etag && etag === tile.etag) return;
      const blob = await response.blob();
      const previous = tile.image.src;
      tile.etag = etag;
      tile.image.src = URL.createObjectURL(blob);
      if (previous.startsWith("blob:")) URL.revokeObjectURL(previous);
      tile.root.dataset.still = "shown";
      // Once the stills are up, fetch hls.js while idle: a tap then plays without waiting for it.
      setTimeout(() => window.JakCCTV.loadHls(), 1000);
    } catch (error) {
      // No network for now: the last still stays, the next turn tries again.
    } finally {
      tile.loading = false;
    }
  }

  function makeStill(tile, texts) {
    const image = document.createElement("img");
    image.className = "player-still";
    image.alt = texts.still || "";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "player-live";
    button.dataset.action = "live";
    button.textContent = texts.tapForLive || "Live";
    const box = document.createElement("div");
    box.className = "player-still-box";
    box.append(image, button);
    tile.image = image;
    tile.stillBox = box;
    box.addEventListener("click", () => tile.root.dispatchEvent(new CustomEvent("player:wanted")));
  }

  // Swap a tile between its still and its video element (taken out of the page, not hidden:
  // a still tile holds no video at all).
  function showStill(tile, still) {
    if (still === Boolean(tile.stillBox?.isConnected)) return;
    if (still) {
      tile.player.stop();
      tile.video.replaceWith(tile.stillBox);
      tile.root.dataset.mode = "still";
      tile.etag = null;
    } else {
      tile.stillBox.replaceWith(tile.video);
      tile.root.dataset.mode = "video";
    }
  }

  function startWall(wall) {
    if (rememberChoice(wall)) return;
    const saver = window.JakCCTV;
    const texts = saver.config().texts;
    const phone = window.matchMedia(saver.PHONE);
    const tiles = [...wall.querySelectorAll("[data-player]")].map((root) => {
      const tile = { root, player: new window.LivePlayer(root), onScreen: false };
      tile.video = root.querySelector("video");
      root.player = tile.player;
      makeStill(tile, texts);
      return tile;
    });
    if (!tiles.length) return;
    let chosen = tiles[0];
    let live = null; // in snapshot mode: the tile tapped to play

    const snapshotMode = () => phone.matches && saver.dataSaver();
    const still = (tile) => snapshotMode() && tile !== live;
    const wanted = (tile) =>
      !document.hidden && tile.onScreen && !still(tile) && (!phone.matches || tile === chosen);
    // Tiles start one after another, not all at once: 16 players asking for their token and
    // first segments in the same instant is a burst the server does not need.
    const update = () => {
      let delay = 0;
      tiles.forEach((tile) => {
        clearTimeout(tile.pending);
        showStill(tile, still(tile));
        if (still(tile)) {
          if (tile.onScreen && !document.hidden && !tile.etag) refreshStill(tile);
        } else if (!wanted(tile)) {
          tile.player.stop();
        } else if (!tile.player.running) {
          tile.pending = setTimeout(() => { if (wanted(tile)) tile.player.start(); }, delay);
          delay += STAGGER_MS;
        }
      });
    };

    const every = (saver.config().snapshotSeconds || 10) * 1000;
    setInterval(() => {
      if (document.hidden) return;
      tiles.filter((tile) => tile.onScreen && still(tile)).forEach(refreshStill);
    }, every);

    const observer = new IntersectionObserver((entries) => {
      entries.forEach((entry) => {
        const tile = tiles.find((t) => t.root === entry.target);
        tile.onScreen = entry.isIntersecting;
      });
      update();
    }, { threshold: 0.2 });
    tiles.forEach((tile) => {
      observer.observe(tile.root);
      tile.root.addEventListener("player:wanted", () => {
        chosen = tile;
        live = tile;
        update();
      });
    });
    update();
    document.addEventListener("visibilitychange", update);
    document.addEventListener("datasaver:change", () => { live = null; update(); });
    phone.addEventListener("change", update);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-wall]").forEach(startWall);
  });
})();
