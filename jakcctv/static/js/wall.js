// Video wall and public page: one LivePlayer (player.js) per tile. Only tiles on screen in a
// visible tab play; the others let go of their stream. On a phone (<= 480px) the tiles form one
// column and one tile plays at a time: the first, or the one last tapped.
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

  function startWall(wall) {
    if (rememberChoice(wall)) return;
    const phone = window.matchMedia("(max-width: 480px)");
    const tiles = [...wall.querySelectorAll("[data-player]")].map((root) => {
      const tile = { root, player: new window.LivePlayer(root), onScreen: false };
      root.player = tile.player;
      return tile;
    });
    if (!tiles.length) return;
    let chosen = tiles[0];

    const wanted = (tile) =>
      !document.hidden && tile.onScreen && (!phone.matches || tile === chosen);
    // Tiles start one after another, not all at once: 16 players asking for their token and
    // first segments in the same instant is a burst the server does not need.
    const update = () => {
      let delay = 0;
      tiles.forEach((tile) => {
        clearTimeout(tile.pending);
        if (!wanted(tile)) {
          tile.player.stop();
        } else if (!tile.player.running) {
          tile.pending = setTimeout(() => { if (wanted(tile)) tile.player.start(); }, delay);
          delay += STAGGER_MS;
        }
      });
    };

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
        update();
      });
    });
    document.addEventListener("visibilitychange", update);
    phone.addEventListener("change", update);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-wall]").forEach(startWall);
  });
})();
