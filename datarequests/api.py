"""The data requests API.

`POST /api/v1/public/requests/` (no account, throttled per visitor, multipart with the document
photo) answers 201 {number, status_url}. `/api/v1/requests/` is for staff who manage requests
(Action.MANAGE_REQUESTS): a list and a detail starting from `visible_to` (another area's request
is a 404), the actions verify / grant / refuse, and the document photo (logged)."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from common.api import QueryParams
from datarequests.models import Status
from datarequests.queries import (
    NewRequestThrottle,
    document_response,
    requests_for,
    status_url,
)
from datarequests.serializers import (
    DataRequestSerializer,
    FiledSerializer,
    GrantSerializer,
    PublicRequestSerializer,
    RefuseSerializer,
)
from datarequests.services import (
    RequestRefused,
    document_opened,
    request_file,
    request_grant,
    request_opened,
    request_refuse,
    request_verify,
)

_ERROR = OpenApiTypes.OBJECT


@extend_schema(
    summary="Ajukan permohonan rekaman/data pribadi (tanpa akun)",
    request=PublicRequestSerializer,
    responses={201: FiledSerializer, 400: _ERROR, 409: _ERROR},
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttle_classes([NewRequestThrottle])
def public_request(request):
    body = PublicRequestSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    data = body.validated_data
    try:
        data_request, secret = request_file(
            name=data["name"],
            contact=data["contact"],
            area_code=data["area"],
            camera_id=data.get("camera"),
            period_start=data["period_start"],
            period_end=data["period_end"],
            reason=data["reason"],
            document=data["id_document"],
        )
    except RequestRefused as refused:
        return Response({"detail": refused.message}, status=refused.status)
    link = request.build_absolute_uri(status_url(data_request, secret))
    return Response({"number": data_request.number, "status_url": link}, status=201)


class RequestQuery(QueryParams):
    status = serializers.ChoiceField(choices=Status.choices, required=False)


def _action_schema(body, summary):
    return extend_schema(
        summary=summary,
        request=body,
        responses={200: DataRequestSerializer, 409: _ERROR},
    )


@extend_schema_view(
    list=extend_schema(parameters=[RequestQuery], summary="Permohonan data di wilayah Anda"),
    retrieve=extend_schema(summary="Satu permohonan data"),
)
class DataRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DataRequestSerializer

    def get_queryset(self):
        rows = requests_for(self.request.user)  # 403 for those who manage none
        if self.action == "list":
            chosen = RequestQuery.read(self.request).get("status")
            if chosen:
                rows = rows.filter(status=chosen)
        return rows

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def retrieve(self, request, *args, **kwargs):
        data_request = self.get_object()
        request_opened(data_request=data_request, by=request.user)
        return Response(self.get_serializer(data_request).data)

    def perform_content_negotiation(self, request, force=False):
        # The document answers with its image whatever the client said it accepts.
        return super().perform_content_negotiation(
            request, force=force or self.action == "document"
        )

    @_action_schema(None, "Verifikasi identitas pemohon (diterima → diverifikasi)")
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act(None, lambda r, d: request_verify(request_id=r.pk, by=request.user))

    @_action_schema(GrantSerializer, "Kabulkan (diverifikasi → dikabulkan; unduhan terbatas waktu)")
    @action(detail=True, methods=["post"])
    def grant(self, request, pk=None):
        return self._act(
            GrantSerializer,
            lambda r, d: request_grant(
                request_id=r.pk,
                by=request.user,
                note=d["note"],
                clip_id=d.get("clip"),
                request=request,
            ),
        )

    @_action_schema(RefuseSerializer, "Tolak dengan alasan (mis. akan mengungkap orang lain)")
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._act(
            RefuseSerializer,
            lambda r, d: request_refuse(
                request_id=r.pk, by=request.user, reason=d["reason"], note=d["note"]
            ),
        )

    @extend_schema(
        summary="Foto dokumen identitas (tercatat di jejak audit)",
        responses={(200, "image/*"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        data_request = self.get_object()
        response = document_response(data_request)
        document_opened(data_request=data_request, by=request.user)
        return response

    def _act(self, body_class, perform):
        data_request = self.get_object()  # another area's: 404
        data = {}
        if body_class is not None:
            body = body_class(data=self.request.data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        try:
            changed = perform(data_request, data)
        except RequestRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        fresh = self.get_queryset().get(pk=changed.pk)
        return Response(
            DataRequestSerializer(fresh, context=self.get_serializer_context()).data,
            status=status.HTTP_200_OK,
        )
