// Camera map: the user's cameras as markers coloured by state, over their kelurahan outlines.
// Markers are vector circles, so they show even when the tile server cannot be reached.
// Config: data- attributes of [data-map]; texts from the JSON block #map-texts.
"use strict";

(function () {
  const JAKARTA = [-6.2, 106.83];

  // GET JSON, trying once more after a moment when the network or the server stumbles.
  async function getJSON(url, retries = 1) {
    let response = null;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      // No answer at all: handled like a server error below.
    }
    if (response && response.ok) return response.json();
    if ((!response || response.status >= 500) && retries > 0) {
      await new Promise((resolve) => { setTimeout(resolve, 1500); });
      return getJSON(url, retries - 1);
    }
    throw new Error(`${response ? response.status : "no answer"}: ${url}`);
  }

  function popup(camera, texts) {
    const box = document.createElement("div");
    box.className = "map-popup";
    const name = document.createElement("strong");
    name.textContent = camera.name;
    const state = document.createElement("span");
    state.className = `status status-${camera.state}`;
    state.textContent = texts[camera.state] || camera.state;
    const link = document.createElement("a");
    link.href = camera.url;
    link.textContent = texts.open;
    box.append(name, state, link);
    return box;
  }

  async function showCameras(map, box, texts) {
    const { cameras } = await getJSON(box.dataset.cameras);
    const counts = {};
    const markers = {};
    cameras.forEach((camera) => {
      counts[camera.state] = (counts[camera.state] || 0) + 1;
      const marker = L.circleMarker([camera.lat, camera.lon], {
        radius: 9,
        weight: 2,
        fillOpacity: 0.9,
        className: `marker marker-${camera.state}`,
      });
      marker.bindPopup(popup(camera, texts)).bindTooltip(camera.name).addTo(map);
      marker.getElement()?.setAttribute("data-camera", camera.code);
      markers[camera.id] = marker;
    });
    document.querySelectorAll("[data-count]").forEach((slot) => {
      slot.textContent = `(${counts[slot.dataset.count] || 0})`;
    });
    return { cameras, markers };
  }

  async function showAreas(map, box) {
    const outlines = await getJSON(box.dataset.areas);
    return L.geoJSON(outlines, {
      pane: "areas",
      interactive: false,
      style: () => ({ className: "area-outline", weight: 2, fillOpacity: 0.06 }),
    }).addTo(map);
  }

  // Show the user's cameras, and their own kelurahan whole when there are only a few.
  function frame(map, shown, outlines) {
    let bounds = null;
    if (shown && shown.cameras.length) bounds = L.latLngBounds(shown.cameras.map((c) => [c.lat, c.lon]));
    if (outlines && outlines.getLayers().length && outlines.getLayers().length <= 5) {
      bounds = bounds ? bounds.extend(outlines.getBounds()) : outlines.getBounds();
    }
    if (bounds) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16 });
    // /peta/#kamera-12 (the camera page's "see on the map") opens that camera.
    const id = (window.location.hash.match(/^#kamera-(\d+)$/) || [])[1];
    const wanted = shown && shown.markers[id];
    if (wanted) {
      map.setView(wanted.getLatLng(), 17);
      wanted.openPopup();
    }
  }

  function startMap(box) {
    const texts = JSON.parse(document.getElementById("map-texts").textContent);
    const status = document.querySelector("[data-map-status]");
    const map = L.map(box, { zoomSnap: 0.5 }).setView(JAKARTA, 11);
    map.createPane("areas").classList.add("leaflet-areas-pane"); // below the markers
    if (box.dataset.tileUrl) {
      L.tileLayer(box.dataset.tileUrl, {
        attribution: box.dataset.tileAttribution,
        maxZoom: 19,
      }).addTo(map);
    }
    // The markers first (they are what matters), then the outlines (a nicety).
    (async () => {
      let shown = null;
      let outlines = null;
      try {
        shown = await showCameras(map, box, texts);
      } catch (error) {
        status.textContent = texts.loadFailed;
      }
      try {
        outlines = await showAreas(map, box);
      } catch (error) {
        // Without outlines the map still shows every camera.
      }
      frame(map, shown, outlines);
      box.dataset.ready = "";
    })();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-map]").forEach(startMap);
  });
})();
