import re

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.response import Response

from common.api import QueryParams
from kelurahan.access import can
from kelurahan.codes import AREA_CODE_PATTERN
from kelurahan.models import Area, RoleAssignment
from kelurahan.roles import Action, Level


@extend_schema_field(
    {"type": "string", "pattern": f"^{AREA_CODE_PATTERN}$", "example": "31.73.05.1001"}
)
class AreaCodeField(serializers.CharField):
    """A Kemendagri area code of any level ('31.73.05.1001'), in a body or a query string.
    Not trimmed: " 31.73" does not match the schema's pattern, so it is refused too."""

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"invalid": gettext_lazy("Kode wilayah tidak valid.")})
        super().__init__(max_length=24, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        code = super().to_internal_value(data)
        if not re.fullmatch(AREA_CODE_PATTERN, code):
            self.fail("invalid")
        return code


class AreaSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent_id", allow_null=True)

    class Meta:
        model = Area
        fields = ["code", "name", "level", "parent_code"]


class AreaQuery(QueryParams):
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    under = AreaCodeField(required=False, help_text="Kode wilayah: wilayah di bawahnya")
    q = serializers.CharField(required=False, max_length=100, help_text="Cari nama")


@extend_schema_view(
    list=extend_schema(parameters=[AreaQuery]),
    retrieve=extend_schema(
        parameters=[
            OpenApiParameter("code", str, OpenApiParameter.PATH, pattern=f"^{AREA_CODE_PATTERN}$")
        ]
    ),
)
class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Areas the user's assignments cover. Filters: `level`, `under` (a code), `q` (name)."""

    serializer_class = AreaSerializer
    lookup_field = "code"
    lookup_value_regex = AREA_CODE_PATTERN

    def get_queryset(self):
        areas = Area.objects.visible_to(self.request.user)
        if self.action != "list":
            return areas
        query = AreaQuery.read(self.request)
        if query.get("level"):
            areas = areas.filter(level=query["level"])
        if query.get("under"):
            areas = areas.under(query["under"])
        if query.get("q"):
            areas = areas.filter(name__icontains=query["q"])
        return areas.order_by("code")


@extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Pengguna ini dan perannya")
@api_view(["GET"])
def me(request):
    """The signed-in user, their live roles and the areas those cover."""
    user = request.user
    assignments = (
        RoleAssignment.objects.live().filter(user=user).select_related("area", "maintainer")
    )
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
                    "area_name": assignment.scope_name,
                    "area_level": assignment.area.level if assignment.area_id else None,
                    "maintainer": assignment.maintainer_id,
                    "valid_from": assignment.valid_from,
                    "valid_until": assignment.valid_until,
                }
                for assignment in assignments
            ],
            "areas": sorted({a.area_id for a in assignments if a.area_id is not None}),
            "actions": sorted(action.value for action in Action if can(user, action)),
        }
    )
