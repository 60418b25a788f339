"""The OpenAPI schema's refusals: what each operation can answer besides what its view says
(REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS)."""

from django.utils.translation import gettext_lazy
from drf_spectacular import openapi
from drf_spectacular.plumbing import force_instance, is_serializer
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from common import idempotency
from common.api import ID_PATTERN, MAX_ID, Pagination

# The header of operations that create something a phone may send twice (common/idempotency.py).
IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    pattern=idempotency.PATTERN,
    description=str(idempotency.DESCRIPTION),
)

_ERROR = inline_serializer(
    "Error", {"detail": serializers.CharField(help_text="Why, in the user's language")}
)
_ERRORS = {
    "400": gettext_lazy(
        'Permintaan tidak valid: {"isian": ["pesan"]} per isian atau parameter, atau '
        '{"detail": "pesan"} (JSON yang rusak)'
    ),
    "401": gettext_lazy("Token API tidak ada, tidak valid atau sudah dicabut"),
    "403": gettext_lazy("Belum masuk, atau peran dan wilayah Anda tidak mengizinkan ini"),
    "404": gettext_lazy("Tidak ditemukan di wilayah Anda (atau halaman di luar daftar)"),
    "429": gettext_lazy("Terlalu banyak permintaan; coba lagi sebentar lagi"),
}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, listing the refusals an operation can answer besides those its view
    declares: 400 when it reads a body or a query string, 401 when a token is its only way in,
    403 everywhere (AccessMiddleware refuses a session without a live role on every API path),
    404 for an object in the path or a page past the end, 429 when it is throttled."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter["schema"].get("pattern") == f"^{ID_PATTERN}$":
                # The router's ids (common.api.Router), as the numbers they are.
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        responses = operation["responses"]
        for code in self._refusal_codes(operation):
            if code not in responses:
                body = OpenApiTypes.OBJECT if code == "400" else _ERROR
                responses[code] = self._get_response_for_code(body, code)
                responses[code]["description"] = str(_ERRORS[code])
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.ManyRelatedField) and not field.allow_empty:
            schema["minItems"] = 1  # DRF refuses an empty list there
        return schema

    def map_parsers(self):
        # Bodies are described as JSON, the API's language, or as multipart where a file is
        # sent. The server also reads forms (the browser's and the test client's way), but a
        # form has no way to say null or a number, so it is not offered to API clients.
        serializer = force_instance(self.get_request_serializer())
        fields = serializer.fields if is_serializer(serializer) else {}
        if any(isinstance(field, serializers.FileField) for field in fields.values()):
            return ["multipart/form-data"]
        return ["application/json"]

    def _refusal_codes(self, operation):
        codes = {"403"}
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if query or "requestBody" in operation:
            codes.add("400")
        if "{" in self.path or Pagination.page_query_param in query:
            codes.add("404")
        authenticators = self.view.get_authenticators()
        if authenticators and authenticators[0].authenticate_header(self.view.request):
            codes.add("401")
        if self.view.get_throttles():
            codes.add("429")
        return codes
