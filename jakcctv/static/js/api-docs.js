// The API docs page: Swagger UI (npm swagger-ui-dist, served by us) reading our OpenAPI schema.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-api-docs]");
  if (!root || !window.SwaggerUIBundle) return;
  const csrfToken = root.dataset.csrfToken;
  window.SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    // Never ask validator.swagger.io (the CSP admits no outside origin anyway).
    validatorUrl: null,
    // "Try it out" runs as the signed-in user: the session cookie goes along by itself, and
    // Django wants the CSRF token on anything that writes.
    requestInterceptor: (request) => {
      if (!["GET", "HEAD", "OPTIONS"].includes((request.method || "GET").toUpperCase())) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
    onComplete: () => root.setAttribute("data-ready", ""),
  });
});
