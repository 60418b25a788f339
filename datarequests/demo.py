"""The demo's data requests: two citizens' requests (Kebon Jeruk and Tebet Barat), so that the
staff's list, the workflow and the public figures can be tried. Their "identity documents" are
drawn placeholders that say they are samples; no real document is pretended."""

import io
from datetime import timedelta

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from common.images import clean_image
from datarequests.models import DataRequest
from datarequests.services import public_cameras_in, request_file
from kelurahan.models import Area
from kelurahan.signals import demo_seeded

DEMO_REQUESTS = [
    ("31.73.05.1001", "Warga Contoh Kebon Jeruk (demo)", "warga.kebonjeruk@contoh.test"),
    ("31.74.01.1002", "Warga Contoh Tebet Barat (demo)", "0812-0000-0000"),
]


def sample_document():
    """A drawn card that says it is a sample, as a cleaned image."""
    image = Image.new("RGB", (640, 400), "#dfe8f0")
    draw = ImageDraw.Draw(image)
    draw.rectangle((16, 16, 623, 383), outline="#34506b", width=4)
    draw.text((40, 40), "CONTOH - BUKAN DOKUMEN ASLI", fill="#a01010")
    draw.text((40, 80), "Data demo JakCCTV", fill="#34506b")
    out = io.BytesIO()
    image.save(out, "PNG")
    out.seek(0)
    return clean_image(out)


@transaction.atomic
def create_requests(now=None):
    """File the demo requests not filed yet (by requester name); returns the new ones."""
    now = now or timezone.now()
    created = []
    for area_code, name, contact in DEMO_REQUESTS:
        if DataRequest.objects.filter(requester_name=name).exists():
            continue
        if not Area.objects.filter(code=area_code).exists():
            continue
        camera = public_cameras_in(area_code).first()
        data_request, _secret = request_file(
            name=name,
            contact=contact,
            area_code=area_code,
            camera_id=camera.pk if camera else None,
            period_start=now - timedelta(hours=26),
            period_end=now - timedelta(hours=25),
            reason=_("Contoh permohonan: rekaman kendaraan saya yang diserempet di depan pasar."),
            document=sample_document(),
            now=now,
        )
        created.append(data_request)
    return created


@receiver(demo_seeded, dispatch_uid="demo-datarequests")
def _seed(sender, stdout, **kwargs):
    stdout.write(_("Permohonan data demo baru: %d") % len(create_requests()))
