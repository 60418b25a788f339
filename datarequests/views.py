"""Pages: the public request form and the citizen's status page (by its secret link), and the
staff's list and detail with verify / grant / refuse. Both sides call datarequests.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from datarequests.forms import GrantForm, RefuseForm, RequestForm
from datarequests.models import DataRequest, RefusalReason, Status
from datarequests.queries import (
    NewRequestThrottle,
    document_response,
    requests_for,
    status_url,
)
from datarequests.services import (
    RequestRefused,
    clips_for,
    document_opened,
    footage_downloaded,
    request_file,
    request_grant,
    request_opened,
    request_refuse,
    request_verify,
    status_viewed,
)

STAFF_PAGE_SIZE = 100


def request_new(request):
    """The public form: no account; throttled per visitor; CSRF-protected like every form."""
    form = RequestForm()
    status = 200
    if request.method == "POST":
        throttle = NewRequestThrottle()
        if not throttle.allow_request(request, None):
            messages.error(
                request, _("Terlalu banyak permohonan dari alamat ini; coba lagi nanti.")
            )
            return render(request, "datarequests/new.html", {"form": form}, status=429)
        form = RequestForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                data_request, secret = request_file(
                    name=data["name"],
                    contact=data["contact"],
                    area_code=data["area"].code,
                    camera_id=data["camera"].pk if data["camera"] else None,
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    reason=data["reason"],
                    document=data["id_document"],
                )
            except RequestRefused as refused:
                form.add_error(None, refused.message)
            else:
                return redirect(status_url(data_request, secret) + "?baru=1")
    return render(request, "datarequests/new.html", {"form": form}, status=status)


@require_safe
def request_status(request, number, secret):
    """The citizen's page: found only by number and secret together (else 404, the same for
    both); shows the status, the deadline and, once granted, the download window."""
    data_request = _by_secret(number, secret)
    status_viewed(data_request=data_request)
    response = render(
        request, "datarequests/status.html", _status_context(request, data_request, secret)
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"  # the secret is in the address
    return response


@require_safe
def request_footage(request, number, secret):
    """The granted clip, by the status link only, inside its download window; each download is
    counted and on the trail."""
    data_request = _by_secret(number, secret)
    try:
        footage_downloaded(request_id=data_request.pk)
    except RequestRefused as refused:
        if refused.status == 404:
            raise Http404(refused.message) from None
        return render(
            request,
            "datarequests/status.html",
            _status_context(request, data_request, secret, refused.message),
            status=refused.status,
        )
    clip = data_request.clip
    response = FileResponse(
        clip.file.open("rb"),
        as_attachment=True,
        filename=f"{data_request.number}.mp4",
        content_type="video/mp4",
    )
    response["X-Content-SHA256"] = clip.sha256
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _status_context(request, data_request, secret, problem=""):
    return {
        "data_request": data_request,
        "fresh": "baru" in request.GET,
        "link": request.build_absolute_uri(status_url(data_request, secret)),
        "footage_url": reverse("datarequests:footage", args=[data_request.number, secret]),
        "download_open": data_request.download_open(),
        "problem": problem,
    }


def _by_secret(number, secret):
    found = DataRequest.objects.select_related("area", "camera", "clip").by_secret(number, secret)
    if found is None:
        raise Http404(_("Permohonan tidak ditemukan."))
    return found


@require_safe
@login_required
def staff_list(request):
    rows = requests_for(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        rows = rows.filter(status=status)
    context = {
        "rows": rows[:STAFF_PAGE_SIZE],
        "statuses": Status.choices,
        "chosen": status,
        "now": timezone.now(),
    }
    return render(request, "datarequests/list.html", context)


@require_safe
@login_required
def staff_detail(request, pk):
    data_request = get_object_or_404(requests_for(request.user), pk=pk)
    request_opened(data_request=data_request, by=request.user)
    return _detail(request, data_request)


def _detail(request, data_request, *, refuse_form=None, grant_form=None, status=200):
    context = {
        "data_request": data_request,
        "now": timezone.now(),
        "refuse_form": refuse_form or RefuseForm(initial={"reason": RefusalReason.REVEALS_OTHERS}),
        "grant_form": grant_form or GrantForm(clips=clips_for(data_request, request.user)),
    }
    return render(request, "datarequests/detail.html", context, status=status)


@require_safe
@login_required
def staff_document(request, pk):
    """The identity document photo: staff in scope only, every look on the trail."""
    data_request = get_object_or_404(requests_for(request.user), pk=pk)
    response = document_response(data_request)
    document_opened(data_request=data_request, by=request.user)
    return response


@require_POST
@login_required
def staff_act(request, pk, action):
    data_request = get_object_or_404(requests_for(request.user), pk=pk)
    try:
        if action == "verifikasi":
            request_verify(request_id=pk, by=request.user)
            done = _("Identitas pemohon diverifikasi.")
        elif action == "kabulkan":
            form = GrantForm(request.POST, clips=clips_for(data_request, request.user))
            if not form.is_valid():
                return _detail(request, data_request, grant_form=form, status=400)
            clip = form.cleaned_data["clip"]
            request_grant(
                request_id=pk,
                by=request.user,
                note=form.cleaned_data["note"],
                clip_id=clip.pk if clip else None,
                request=request,
            )
            done = _("Permohonan dikabulkan.")
        elif action == "tolak":
            form = RefuseForm(request.POST)
            if not form.is_valid():
                return _detail(request, data_request, refuse_form=form, status=400)
            request_refuse(
                request_id=pk,
                by=request.user,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
            done = _("Permohonan ditolak.")
        else:
            raise Http404(_("Tindakan tidak dikenal."))
    except RequestRefused as refused:
        if refused.status == 404:
            raise Http404(refused.message) from None
        messages.error(request, refused.message)
        return _detail(request, data_request, status=refused.status)
    messages.success(request, done)
    return redirect("datarequests:detail", pk)
