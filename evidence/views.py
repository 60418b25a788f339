"""The evidence pages: save a clip from an incident, watch it with its hash and custody log,
download it with a reason, give an agency a link, lift a hold, check a file by its hash."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evidence import services
from evidence.files import file_response, starts_playback
from evidence.forms import ClipForm, LinkForm, ReasonForm, VerifyForm
from evidence.models import Clip, ClipEvent
from evidence.services import EvidenceRefused, may
from incidents.models import Incident
from kelurahan.roles import Action

# Opening the video again within this time is the same viewing (players fetch in pieces).
VIEW_AGAIN_AFTER = timedelta(minutes=10)


def _clip(request, pk):
    queryset = Clip.objects.visible_to(request.user).select_related("incident", "camera")
    return get_object_or_404(queryset, pk=pk)


@login_required
@require_POST
def clip_create(request, incident_pk):
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=incident_pk)
    if not may(request.user, Action.VIEW_RECORDINGS, incident):
        raise PermissionDenied(services.refusal_to_save())
    form = ClipForm(request.POST, incident=incident, user=request.user)
    if form.is_valid():
        try:
            clip = services.clip_create(
                incident=incident,
                by=request.user,
                request=request,
                **form.cleaned_data,
            )
        except EvidenceRefused as refused:
            if refused.status == 403:
                raise PermissionDenied(refused.message) from None
            form.add_error(refused.field if refused.field in form.fields else None, refused.message)
        else:
            messages.success(request, _("Rekaman disimpan sebagai bukti kejadian ini."))
            return redirect(clip)
    context = {"incident": incident, "form": form}
    return render(request, "evidence/clip_form.html", context, status=400)


@login_required
def clip_detail(request, pk):
    clip = _clip(request, pk)
    services.clip_viewed(clip=clip, by=request.user, request=request)
    return _detail_page(request, clip)


def _detail_page(
    request,
    clip,
    *,
    link_form=None,
    lift_form=None,
    new_link=None,
    revoke_form=None,
    revoking=None,
    status=200,
):
    may_export = may(request.user, Action.EXPORT_EVIDENCE, clip.incident)
    links = clip.links.select_related("agency", "created_by") if may_export else []
    context = {
        "links": links,
        "revoke_form": revoke_form or ReasonForm(prefix="cabut-tautan"),
        "revoking": revoking,
        "clip": clip,
        "events": clip.events.select_related("actor", "agency"),
        "may_export": may_export,
        "download_form": ReasonForm(),
        "link_form": link_form or LinkForm(incident=clip.incident),
        "lift_form": lift_form or ReasonForm(prefix="cabut"),
        "new_link": new_link,
    }
    return render(request, "evidence/clip_detail.html", context, status=status)


@login_required
def clip_video(request, pk):
    """The clip to play in the page (inline, in pieces when the player asks: HTTP Range). A
    viewing is logged when playback starts (no Range, or from byte 0) unless the same person
    opened it within VIEW_AGAIN_AFTER (the page's own opening is one)."""
    clip = _clip(request, pk)
    if not clip.has_file:
        raise Http404
    if starts_playback(request, clip):  # a further piece (seeking) is the same viewing
        recent = clip.events.filter(
            kind=ClipEvent.Kind.VIEWED,
            actor=request.user,
            at__gte=timezone.now() - VIEW_AGAIN_AFTER,
        )
        if not recent.exists():
            services.clip_viewed(clip=clip, by=request.user, request=request)
    return file_response(clip, request, attachment=False)


@login_required
def clip_download(request, pk):
    """GET with ?reason=: the file, as an attachment, logged with the reason; without: the form."""
    clip = _clip(request, pk)
    if not may(request.user, Action.EXPORT_EVIDENCE, clip.incident):
        return _refused_page(request, clip, 403, _("Anda tidak berhak mengunduh bukti ini."))
    if "reason" not in request.GET:
        return render(request, "evidence/clip_download.html", {"clip": clip, "form": ReasonForm()})
    form = ReasonForm(request.GET)
    if not form.is_valid():
        return render(
            request, "evidence/clip_download.html", {"clip": clip, "form": form}, status=400
        )
    try:
        services.clip_download(
            clip=clip,
            by=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
            log=starts_playback(request, clip),
        )
    except EvidenceRefused as refused:
        return _refused_page(request, clip, refused.status, refused.message)
    return file_response(clip, request)


def _refused_page(request, clip, status, message):
    messages.error(request, message)
    return render(request, "evidence/clip_refused.html", {"clip": clip}, status=status)


@login_required
@require_POST
def link_give(request, pk):
    clip = _clip(request, pk)
    form = LinkForm(request.POST, incident=clip.incident)
    if not may(request.user, Action.EXPORT_EVIDENCE, clip.incident):
        return _refused_page(request, clip, 403, _("Anda tidak berhak memberikan bukti ini."))
    if form.is_valid():
        try:
            link, token = services.link_give(
                clip=clip, by=request.user, request=request, **form.cleaned_data
            )
        except EvidenceRefused as refused:
            form.add_error(None, refused.message)
        else:
            url = services.link_url(token, request)
            return _detail_page(request, clip, new_link={"link": link, "url": url})
    return _detail_page(request, clip, link_form=form, status=400)


@login_required
@require_POST
def hold_lift(request, pk):
    clip = _clip(request, pk)
    form = ReasonForm(request.POST, prefix="cabut")
    if not may(request.user, Action.EXPORT_EVIDENCE, clip.incident):
        return _refused_page(request, clip, 403, _("Anda tidak berhak mencabut penahanan ini."))
    if form.is_valid():
        try:
            services.hold_lift(
                clip=clip, by=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except EvidenceRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("Penahanan dicabut; tercatat dalam riwayat penanganan."))
            return redirect(clip)
    return _detail_page(request, clip, lift_form=form, status=400)


@login_required
@require_POST
def link_revoke(request, pk, link_pk):
    """End an agency's link before it expires (a reason is asked and logged)."""
    clip = _clip(request, pk)
    if not may(request.user, Action.EXPORT_EVIDENCE, clip.incident):
        return _refused_page(request, clip, 403, _("Anda tidak berhak mencabut tautan bukti ini."))
    if not clip.links.filter(pk=link_pk).exists():
        raise Http404
    form = ReasonForm(request.POST, prefix="cabut-tautan")
    if form.is_valid():
        try:
            link = services.link_revoke(
                clip=clip,
                link_id=link_pk,
                by=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except EvidenceRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _("Tautan untuk %(agency)s dicabut; tercatat dalam riwayat penanganan.")
                % {"agency": link.agency.name},
            )
            return redirect(clip)
    return _detail_page(request, clip, revoke_form=form, revoking=link_pk, status=400)


def agency_link(request, token):
    """An agency's link (no sign-in): what the clip is and its hash, and the download."""
    try:
        link = services.link_for_token(token)
    except EvidenceRefused as refused:
        return render(
            request,
            "evidence/agency_link.html",
            {"refused": refused.message},
            status=refused.status,
        )
    if request.GET.get("unduh") == "1":
        try:
            link = services.link_use(
                token=token, request=request, log=starts_playback(request, link.clip)
            )
        except EvidenceRefused as refused:  # revoked or expired since the page was opened
            context = {"refused": refused.message}
            return render(request, "evidence/agency_link.html", context, status=refused.status)
        return file_response(link.clip, request)
    return render(request, "evidence/agency_link.html", {"link": link, "clip": link.clip})


@login_required
def verify(request):
    """Check a file handed over against the portal by its SHA-256 (only clips the user may see
    are named; anything else answers as "not found", like a hash nobody made)."""
    form = VerifyForm(request.GET or None)
    clips = None
    if form.is_valid():
        clips = list(services.clips_with_hash(request.user, form.cleaned_data["sha256"]))
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "evidence/verify.html", {"form": form, "clips": clips}, status=status)
