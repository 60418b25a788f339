"""People and role assignments over the API, for scripts and HR systems (/api/v1/people/,
/api/v1/assignments/).

Only callers holding `manage_roles` somewhere get in (403 for the rest). Querysets start from
`User.objects.manageable_by` and `RoleAssignment.objects.visible_to` (an outsider gets 404);
changes go through kelurahan/people/services.py, whose refusals become 400 (field errors), 403,
404 or 409 with the message in the caller's language. Nothing is ever deleted: no DELETE.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from common.api import Body, QueryParams, id_field
from common.dates import DateTimeField
from kelurahan.access import can
from kelurahan.api import AreaCodeField
from kelurahan.models import RoleAssignment, User, in_areas
from kelurahan.people import services
from kelurahan.roles import Action, Role

# --- Serializers ------------------------------------------------------------------------------


class AssignmentSerializer(serializers.ModelSerializer):
    person = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    area = serializers.CharField(source="area_id", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    granted_by = serializers.SerializerMethodField()
    revoked_by = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()

    class Meta:
        model = RoleAssignment
        fields = [
            "id",
            "person",
            "username",
            "role",
            "role_label",
            "area",
            "area_name",
            "valid_from",
            "valid_until",
            "granted_by",
            "granted_at",
            "revoked_at",
            "revoked_by",
            "state",
        ]

    def get_granted_by(self, assignment) -> str | None:
        return assignment.granted_by.username if assignment.granted_by_id else None

    def get_revoked_by(self, assignment) -> str | None:
        return assignment.revoked_by.username if assignment.revoked_by_id else None

    def get_state(self, assignment) -> str:
        """aktif, belum_berlaku, berakhir or dicabut."""
        return assignment.state()


class PersonAssignmentSerializer(AssignmentSerializer):
    class Meta(AssignmentSerializer.Meta):
        fields = [f for f in AssignmentSerializer.Meta.fields if f not in {"person", "username"}]


class PersonSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    assignments = PersonAssignmentSerializer(source="shown_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "first_name",
            "last_name",
            "email",
            "is_active",
            "status",
            "last_login",
            "date_joined",
            "assignments",
        ]

    def get_name(self, person) -> str:
        return person.get_full_name()

    def get_status(self, person) -> str:
        """aktif, diundang (invited, no password yet), tanpa_peran or nonaktif."""
        return services.person_status(person, person.shown_assignments)


# DRF's own Indonesian catalogue misses some messages: ours say it in the user's language.
_BODY = {"invalid": gettext_lazy("Kirim objek JSON berisi isian, bukan {datatype}.")}
_TEXT = {
    "invalid": gettext_lazy("Isian ini harus berupa teks."),
    "max_length": gettext_lazy("Paling panjang {max_length} karakter."),
    "required": gettext_lazy("Isian ini wajib diisi."),
    "blank": gettext_lazy("Isian ini wajib diisi."),
}
_ROLE = {
    "required": gettext_lazy("Pilih peran."),
    "invalid_choice": gettext_lazy(
        "Peran tidak dikenal (pilihan: admin_provinsi, operator, staf_kelurahan, "
        "petugas_piket, relawan_fkdm)."
    ),
}
_WHEN = {
    "invalid": gettext_lazy(
        "Waktu tidak valid; tulis seperti 2026-12-31T23:59 (WIB) atau dengan zona waktu."
    ),
}


class GrantSerializer(Body):
    default_error_messages = _BODY
    role = serializers.ChoiceField(choices=Role.choices, error_messages=_ROLE)
    area = AreaCodeField(help_text="Area code")
    valid_until = DateTimeField(
        required=False,
        allow_null=True,
        error_messages=_WHEN,
        help_text="End of the assignment; without a zone it is WIB. Empty: no end.",
    )


class AssignmentCreateSerializer(GrantSerializer):
    person = id_field(
        required=False,
        error_messages={"invalid": gettext_lazy("Isian ini harus berupa angka.")},
        help_text="Person id (or give `username`).",
    )
    username = serializers.CharField(required=False, max_length=150, error_messages=_TEXT)

    def validate(self, data):
        if data.get("person") is None and not data.get("username"):
            raise ValidationError({"person": [_("Sebutkan orang (id) atau nama penggunanya.")]})
        return data


class InviteSerializer(GrantSerializer):
    email = serializers.EmailField(
        error_messages={**_TEXT, "invalid": gettext_lazy("Alamat email tidak valid.")}
    )
    first_name = serializers.CharField(max_length=150, error_messages=_TEXT)
    last_name = serializers.CharField(
        max_length=150, required=False, allow_blank=True, error_messages=_TEXT
    )
    username = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        error_messages=_TEXT,
        help_text="Empty: made from the email.",
    )


# --- Helpers ----------------------------------------------------------------------------------


class ManagesRoles(BasePermission):
    message = gettext_lazy("Peran Anda tidak dapat mengelola orang.")

    def has_permission(self, request, view):
        return can(request.user, Action.MANAGE_ROLES)


def _refusal(refused):
    body = {refused.field: [refused.message]} if refused.field else {"detail": refused.message}
    return Response(body, status=refused.status)


def _found(viewset, message):
    try:
        return viewsets.GenericViewSet.get_object(viewset)
    except Http404:
        raise NotFound(message) from None


_REFUSALS = {
    400: OpenApiResponse(description="Isian tidak valid (pesan per isian)"),
    403: OpenApiResponse(description="Peran Anda tidak mengizinkan tindakan ini"),
    404: OpenApiResponse(description="Tidak ditemukan di wilayah Anda"),
    409: OpenApiResponse(description="Sudah dicabut, sudah nonaktif, atau sudah dipegang"),
}
_STATUSES = ["aktif", "diundang", "tanpa_peran", "nonaktif"]
_STATES = ["aktif", "belum_berlaku", "berakhir", "dicabut"]


class PeopleQuery(QueryParams):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Name, username or email"
    )
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    area = AreaCodeField(required=False, help_text="Area code: assignments in or below it")
    status = serializers.ChoiceField(choices=_STATUSES, required=False)


class AssignmentQuery(QueryParams):
    person = id_field(required=False, help_text="Person id")
    granted_by = id_field(required=False, help_text="Id of the person who granted the assignments")
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    area = AreaCodeField(required=False, help_text="Area code: assignments in or below it")
    state = serializers.ChoiceField(choices=_STATES, required=False)


# --- People -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[PeopleQuery]),
    create=extend_schema(request=InviteSerializer, responses={201: PersonSerializer, **_REFUSALS}),
)
class PersonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """People holding a role in the caller's areas, each with the assignments there. POST
    invites a new person (an email with a link to set their password) with one role."""

    serializer_class = PersonSerializer
    permission_classes = [ManagesRoles]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        if self.action != "list":
            return services.people_for(self.request.user)
        query = PeopleQuery.read(self.request)
        return services.people_for(
            self.request.user,
            q=query.get("q", "").strip(),
            role=query.get("role", ""),
            area=query.get("area", ""),
            status=query.get("status", ""),
        )

    def get_object(self):
        return _found(self, _("Orang tidak ditemukan."))

    def get_serializer_class(self):
        return InviteSerializer if self.action == "create" else PersonSerializer

    def create(self, request, *args, **kwargs):
        body = InviteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            person, sent = services.person_invite(
                by=request.user,
                request=request,
                email=data["email"],
                first_name=data["first_name"],
                last_name=data.get("last_name", ""),
                username=data.get("username", ""),
                role=data["role"],
                area_code=data["area"],
                valid_until=data.get("valid_until"),
            )
        except services.PeopleRefused as refused:
            return _refusal(refused)
        answer = self._answer(person.pk)
        answer["invitation_sent"] = sent
        return Response(answer, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PersonSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Switch the account off: refused from its next request on (pages, API, video)."""
        person = self.get_object()
        try:
            services.person_deactivate(by=request.user, person_id=person.pk)
        except services.PeopleRefused as refused:
            return _refusal(refused)
        return Response(self._answer(person.pk))

    @extend_schema(request=None, responses={200: PersonSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def reinvite(self, request, pk=None):
        """Send a new invitation link to someone who has not set a password yet."""
        person = self.get_object()
        try:
            sent = services.person_reinvite(by=request.user, person_id=person.pk, request=request)
        except services.PeopleRefused as refused:
            return _refusal(refused)
        return Response({**self._answer(person.pk), "invitation_sent": sent})

    def _answer(self, pk):
        person = services.people_for(self.request.user).filter(pk=pk).first()
        if person is None:  # invited into an area the caller sees: never, but say so
            raise NotFound(_("Orang tidak ditemukan."))
        return PersonSerializer(person, context=self.get_serializer_context()).data


# --- Assignments ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[AssignmentQuery]),
    create=extend_schema(
        request=AssignmentCreateSerializer, responses={201: AssignmentSerializer, **_REFUSALS}
    ),
)
class AssignmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Role assignments in the caller's areas, newest first. POST grants a role to a person the
    caller sees, in an area they manage, ranked below their own."""

    serializer_class = AssignmentSerializer
    permission_classes = [ManagesRoles]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        assignments = RoleAssignment.objects.visible_to(self.request.user).select_related(
            "user", "area", "granted_by", "revoked_by"
        )
        if self.action != "list":
            return assignments
        query = AssignmentQuery.read(self.request)
        if "person" in query:
            assignments = assignments.filter(user_id=query["person"])
        if "granted_by" in query:
            assignments = assignments.filter(granted_by_id=query["granted_by"])
        if query.get("role"):
            assignments = assignments.filter(role=query["role"])
        if query.get("area"):
            assignments = assignments.filter(in_areas("area__code", [query["area"]]))
        if query.get("state"):
            assignments = assignments.in_state(query["state"])
        return assignments.order_by("-valid_from", "-pk")

    def get_object(self):
        return _found(self, _("Penugasan tidak ditemukan."))

    def get_serializer_class(self):
        return AssignmentCreateSerializer if self.action == "create" else AssignmentSerializer

    def create(self, request, *args, **kwargs):
        body = AssignmentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        people = User.objects.manageable_by(request.user)
        if data.get("person") is not None:
            person = people.filter(pk=data["person"]).first()
        else:
            person = people.filter(username__iexact=data["username"].strip()).first()
        if person is None:
            raise NotFound(_("Orang tidak ditemukan."))
        try:
            assignment = services.assignment_grant(
                by=request.user,
                person_id=person.pk,
                role=data["role"],
                area_code=data["area"],
                valid_until=data.get("valid_until"),
            )
        except services.PeopleRefused as refused:
            return _refusal(refused)
        return Response(self._answer(assignment.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AssignmentSerializer, **_REFUSALS})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """End the assignment now: its holder loses what it granted on their next request."""
        assignment = self.get_object()
        try:
            services.assignment_revoke(by=request.user, assignment_id=assignment.pk)
        except services.PeopleRefused as refused:
            return _refusal(refused)
        return Response(self._answer(assignment.pk))

    def _answer(self, pk):
        assignment = (
            RoleAssignment.objects.visible_to(self.request.user)
            .select_related("user", "area", "granted_by", "revoked_by")
            .get(pk=pk)
        )
        return AssignmentSerializer(assignment, context=self.get_serializer_context()).data
