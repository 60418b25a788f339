// JakCCTV incidents: reporting from the camera page (the frame on screen, as PNG), the report
// form (GPS position, photo preview, the camera's frame put back into the photo field) and the
// incident page (closing asks for a reason).
//
// The camera page keeps the frame in IndexedDB (a full-HD PNG is too big for sessionStorage)
// and opens the form with ?kamera=<id>&gambar=<when taken>; the form puts exactly that frame into
// its file field, so a reload or a form error shows it again, and an old frame never comes back
// uninvited. Texts come from the JSON block #incident-config.
"use strict";

(function () {
  const DB_NAME = "jakcctv";
  const STORE = "snapshots";
  const KEY = "incident";

  function config() {
    const node = document.getElementById("incident-config");
    return node ? JSON.parse(node.textContent) : { texts: {} };
  }

  function fill(text, values) {
    return Object.entries(values).reduce((out, [key, value]) => out.replace(`%(${key})s`, value), text || "");
  }

  // Jakarta time as "HH.MM", whatever the device's zone.
  function wibTime(date) {
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    }).format(date).replace(":", ".");
  }

  // One object store, one key: the last frame taken for a report.
  function snapshots(mode, use) {
    return new Promise((resolve, reject) => {
      if (!window.indexedDB) {
        reject(new Error("IndexedDB unavailable"));
        return;
      }
      const opening = indexedDB.open(DB_NAME, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
      opening.onerror = () => reject(opening.error);
      opening.onsuccess = () => {
        const db = opening.result;
        const transaction = db.transaction(STORE, mode);
        const request = use(transaction.objectStore(STORE));
        transaction.oncomplete = () => { db.close(); resolve(request.result); };
        transaction.onerror = () => { db.close(); reject(transaction.error); };
      };
    });
  }

  // The frame the video shows now, as a PNG blob (null when there is no picture yet).
  function captureFrame(video) {
    return new Promise((resolve, reject) => {
      if (!video || !video.videoWidth) {
        resolve(null);
        return;
      }
      const canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      try {
        canvas.getContext("2d").drawImage(video, 0, 0);
        canvas.toBlob(resolve, "image/png");
      } catch (error) {
        reject(error);
      }
    });
  }

  // Camera page: "Laporkan kejadian" keeps the frame of this moment and opens the form.
  function cameraButton(link) {
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      let target = link.href;
      try {
        const blob = await captureFrame(document.querySelector("[data-player] video"));
        if (blob) {
          const taken = Date.now();
          const camera = link.dataset.camera;
          await snapshots("readwrite", (store) => store.put({ blob, taken, camera }, KEY));
          target += `&gambar=${taken}`;
        }
      } catch (error) {
        // No frame (no picture yet, no IndexedDB): the form opens without one.
      }
      window.location.assign(target);
    });
  }

  function reportForm(form) {
    const { texts = {}, maxBytes = 0 } = config();
    const photo = form.querySelector("input[type=file]");
    const preview = form.querySelector("[data-photo-preview]");
    const image = form.querySelector("[data-photo-img]");
    const caption = form.querySelector("[data-photo-caption]");

    function showPhoto(file, text) {
      if (!preview) return;
      if (image.src) URL.revokeObjectURL(image.src);
      image.src = URL.createObjectURL(file);
      const megabytes = (file.size / 1048576).toFixed(1);
      caption.textContent = text || `${file.name} · ${megabytes} MB`;
      if (maxBytes && file.size > maxBytes) {
        caption.textContent += " · " + fill(texts.tooBig, { limit: (maxBytes / 1048576).toFixed(0) });
      }
      preview.hidden = false;
    }

    photo?.addEventListener("change", () => {
      if (photo.files.length) showPhoto(photo.files[0]);
      else preview.hidden = true;
    });
    form.querySelector("[data-photo-remove]")?.addEventListener("click", () => {
      photo.value = "";
      preview.hidden = true;
    });

    // The camera page's frame, when this form was opened from it.
    const taken = new URLSearchParams(window.location.search).get("gambar");
    if (taken && form.dataset.camera && photo && !photo.files.length) {
      snapshots("readonly", (store) => store.get(KEY)).then((record) => {
        if (!record || String(record.taken) !== taken || record.camera !== form.dataset.camera) return;
        const name = `kamera-${record.camera}-${record.taken}.png`;
        const file = new File([record.blob], name, { type: "image/png" });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        photo.files = transfer.files;
        showPhoto(file, fill(texts.snapshot, { time: wibTime(new Date(record.taken)) }));
        form.dataset.snapshotReady = "";
      }).catch(() => {});
    }

    // Where: one of the user's areas, or the phone's position.
    const choices = form.querySelectorAll("input[name=where]");
    const state = form.querySelector("[data-location]");
    const locate = form.querySelector("[data-locate]");
    function showWhere() {
      const chosen = form.querySelector("input[name=where]:checked")?.value || "wilayah";
      form.querySelectorAll("[data-where]").forEach((block) => {
        block.hidden = block.dataset.where !== chosen;
      });
      return chosen;
    }
    function showPosition(lat, lon, accuracy) {
      const values = { lat: Number(lat).toFixed(5), lon: Number(lon).toFixed(5) };
      if (accuracy === undefined) state.textContent = fill(texts.kept, values);
      else state.textContent = fill(texts.located, { ...values, accuracy: Math.round(accuracy) });
    }
    function readPosition() {
      if (!navigator.geolocation) {
        state.textContent = texts.unsupported;
        return;
      }
      state.textContent = texts.locating;
      locate.disabled = true;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          const { latitude, longitude, accuracy } = position.coords;
          form.elements.lat.value = latitude.toFixed(6);
          form.elements.lon.value = longitude.toFixed(6);
          showPosition(latitude, longitude, accuracy);
          form.dataset.located = "";
          locate.disabled = false;
        },
        (error) => {
          state.textContent = error.code === error.PERMISSION_DENIED ? texts.denied : texts.unavailable;
          locate.disabled = false;
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
      );
    }
    if (choices.length) {
      choices.forEach((choice) => choice.addEventListener("change", () => {
        if (showWhere() === "gps" && !form.elements.lat.value) readPosition();
      }));
      locate?.addEventListener("click", readPosition);
      showWhere();
      if (form.elements.lat.value && form.elements.lon.value) {
        showPosition(form.elements.lat.value, form.elements.lon.value); // kept after a form error
      }
    }
  }

  // Incident page: the reason field matters only when closing.
  function statusForm(form) {
    const select = form.querySelector("select");
    const reason = form.querySelector("[data-reason]");
    if (!select || !reason) return;
    const show = () => {
      reason.hidden = select.value !== "ditutup" && !("hasErrors" in reason.dataset);
    };
    select.addEventListener("change", show);
    show();
  }

  document.addEventListener("DOMContentLoaded", () => {
    // The list's filters stay folded on a phone (the list comes first); open on wider screens.
    document.querySelectorAll("details[data-filters]").forEach((box) => {
      if (window.matchMedia("(min-width: 481px)").matches) box.open = true;
    });
    document.querySelectorAll("[data-incident-from-camera]").forEach(cameraButton);
    document.querySelectorAll("[data-incident-form]").forEach(reportForm);
    document.querySelectorAll("[data-action-form=status]").forEach(statusForm);
  });
})();
