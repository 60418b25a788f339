"""Reads shared by the pages and the API: the requests a staff member manages, the identity
document's bytes, and the throttle on new requests."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.throttling import AnonRateThrottle

from datarequests.models import DataRequest
from kelurahan.access import can
from kelurahan.roles import Action


def status_url(data_request, secret):
    """The citizen's status link (relative): number and secret, shown once when filed."""
    return reverse("datarequests:status", args=[data_request.number, secret])


def requests_for(user):
    """The requests `user` manages; 403 for someone who manages none anywhere (piket, FKDM),
    so that an out-of-scope request is a 404 exactly like a missing one."""
    if not can(user, Action.MANAGE_REQUESTS):
        raise PermissionDenied(
            _("Permohonan data hanya untuk Staf Kelurahan, Operator dan Admin Provinsi.")
        )
    return DataRequest.objects.visible_to(user, Action.MANAGE_REQUESTS).select_related(
        "area", "camera", "verified_by", "answered_by"
    )


def document_response(data_request):
    """The identity document photo, never cached by the browser or a proxy."""
    if not data_request.id_document:
        raise Http404(_("Foto dokumen sudah dihapus: masa simpannya berakhir."))
    try:
        handle = data_request.id_document.open("rb")
    except FileNotFoundError:
        raise Http404(_("Foto dokumen tidak ditemukan.")) from None
    extension = data_request.id_document.name.rpartition(".")[2]
    response = FileResponse(
        handle,
        content_type=data_request.id_document_type,
        filename=f"{data_request.number}-identitas.{extension}",
    )
    response["Cache-Control"] = "private, no-store"
    return response


class NewRequestThrottle(AnonRateThrottle):
    """New requests per visitor (by IP address), page and API alike (one counter)."""

    scope = "datarequest"

    def get_rate(self):
        return settings.DATAREQUEST_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
