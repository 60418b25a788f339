from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from kelurahan.access import can
from kelurahan.models import Area, RoleAssignment, level_of_code
from kelurahan.roles import Action, Level


class AreaSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent_code"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("level", str, enum=Level.values),
            OpenApiParameter("under", str, description="Kode wilayah: wilayah di bawahnya"),
            OpenApiParameter("q", str, description="Cari nama"),
        ]
    ),
    retrieve=extend_schema(parameters=[OpenApiParameter("code", str, OpenApiParameter.PATH)]),
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas the user's assignments cover. Filters: `level`, `under` (a code), `q` (name)."""

    serializer_class = AreaSerializer
    lookup_field = "code"
    lookup_value_regex = r"[0-9.]+"

    def get_queryset(self):
        areas = Area.objects.visible_to(self.request.user)
        params = self.request.query_params
        if params.get("level") in Level.values:
            areas = areas.filter(level=params["level"])
        if "under" in params:
            if level_of_code(params["under"]) is None:
                raise ValidationError({"under": _("Kode wilayah tidak valid.")})
            areas = areas.under(params["under"])
        if params.get("q"):
            areas = areas.filter(name__icontains=params["q"])
        return areas.order_by("code")


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Pengguna ini dan perannya")
@api_view(["GET"])
def me(request):
    """The signed-in user, their live roles and the areas those cover."""
    user = request.user
    assignments = RoleAssignment.objects.live().filter(user=user).select_related("area")
    return Response(
        {
            "username": user.username,
            "name": user.get_full_name(),
            "email": user.email,
            "roles": [
                {
                    "role": assignment.role,
                    "role_label": assignment.get_role_display(),
                    "area": assignment.area_id,
                    "area_name": assignment.area.name,
                    "area_level": assignment.area.level,
                    "valid_from": assignment.valid_from,
                    "valid_until": assignment.valid_until,
                }
                for assignment in assignments
            ],
            "areas": sorted({assignment.area_id for assignment in assignments}),
            "actions": sorted(action.value for action in Action if can(user, action)),
        }
    )
