"""Web Push over the API: the VAPID public key, and the person's own devices.

`GET /api/v1/push/key/`, `GET/POST /api/v1/push/subscriptions/`,
`DELETE /api/v1/push/subscriptions/<id>/`. Every query starts from the person's own
subscriptions: another person's device is "not found" (404), never listed."""

from django.conf import settings
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from alerts.push import keys
from alerts.push.forms import device_label, endpoint_problem, key_problem
from alerts.push.models import PushSubscription
from alerts.push.services import PushRefused, push_subscribe, push_unsubscribe
from common.api import Body
from incidents.models import Severity


class KeysSerializer(Body):
    p256dh = serializers.CharField(max_length=100)
    auth = serializers.CharField(max_length=50)


class SubscribeSerializer(Body):
    endpoint = serializers.URLField(max_length=1000)
    keys = KeysSerializer(
        error_messages={"invalid": gettext_lazy("Isian keys harus berisi p256dh dan auth.")}
    )
    min_severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.SEDANG)

    def validate(self, data):
        problem = endpoint_problem(data["endpoint"])
        if problem:
            raise serializers.ValidationError({"endpoint": [problem]})
        problem = key_problem(data["keys"]["p256dh"], data["keys"]["auth"])
        if problem:
            raise serializers.ValidationError({"keys": {problem[0]: [problem[1]]}})
        return data


class SubscriptionSerializer(serializers.ModelSerializer):
    """One of the person's devices (the keys are never sent back)."""

    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "min_severity", "label", "created_at", "last_sent_at"]
        read_only_fields = fields


_REFUSED = {
    400: OpenApiResponse(description="Isian tidak valid (pesan per isian)"),
    409: OpenApiResponse(description="Notifikasi push belum diatur di server ini"),
}


@extend_schema(
    summary="Kunci publik VAPID untuk berlangganan notifikasi push",
    responses={
        200: inline_serializer(
            "PushKey",
            {"public_key": serializers.CharField(), "enabled": serializers.BooleanField()},
        )
    },
)
@api_view(["GET"])
def push_key(request):
    return Response(
        {
            "public_key": settings.VAPID_PUBLIC_KEY if keys.enabled() else "",
            "enabled": keys.enabled(),
        }
    )


@extend_schema_view(
    list=extend_schema(summary="Perangkat Anda yang menerima notifikasi push"),
    create=extend_schema(
        summary="Daftarkan perangkat ini (langganan Push API dan ambang tingkat bahaya)",
        request=SubscribeSerializer,
        responses={201: SubscriptionSerializer, **_REFUSED},
    ),
    destroy=extend_schema(
        summary="Hapus salah satu perangkat Anda", responses={204: None, 404: OpenApiResponse()}
    ),
)
class PushSubscriptionViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = SubscriptionSerializer

    def get_queryset(self):
        return PushSubscription.objects.of(self.request.user)

    def create(self, request, *args, **kwargs):
        body = SubscribeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            subscription = push_subscribe(
                user=request.user,
                endpoint=data["endpoint"],
                p256dh=data["keys"]["p256dh"],
                auth=data["keys"]["auth"],
                min_severity=data["min_severity"],
                label=device_label(request.headers.get("User-Agent")),
            )
        except PushRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        return Response(SubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        try:
            push_unsubscribe(user=request.user, subscription_id=self.kwargs["pk"])
        except PushRefused as refused:
            raise NotFound(refused.message) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
