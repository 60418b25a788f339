// The file's SHA-256 is computed here, in the browser: the file itself is never sent.
document.addEventListener("DOMContentLoaded", () => {
  const input = document.querySelector("[data-verify-file]");
  const field = document.querySelector("[data-verify-form] input[name=sha256]");
  if (!input || !field || !window.crypto?.subtle) return;
  input.addEventListener("change", async () => {
    const file = input.files[0];
    if (!file) return;
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    field.value = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  });
});
