"""Shared by the incident tests: raising incidents, images made with Pillow, extra personas."""

import io

from PIL import ExifTags, Image

from incidents.models import Agency
from incidents.services import incident_create
from tests.personas import KEBON_JERUK, make_user

# Inside Kebon Jeruk's official boundary (the demo camera kebonjeruk-simpang stands here).


def raise_incident(by=None, **fields):
    """An incident in Kebon Jeruk (tawuran, tinggi) unless told otherwise."""
    defaults = {
        "category": "tawuran",
        "severity": "tinggi",
        "title": "Tawuran di gang",
        "area_code": KEBON_JERUK,
    }
    return incident_create(by=by, **{**defaults, **fields})


def kecamatan_operators():
    """Operators of Kecamatan Kebon Jeruk and of Kecamatan Tebet."""
    return {
        "operator.kec.kebonjeruk": make_user("operator.kec.kebonjeruk", "operator", "31.73.05"),
        "operator.kec.tebet": make_user("operator.kec.tebet", "operator", "31.74.01"),
    }


def jpeg_with_gps(size=(64, 32), orientation=6):
    """A JPEG as a phone makes it: GPS position, an orientation tag, XMP naming the place."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PonselUji"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "S",
        ExifTags.GPS.GPSLatitude: (6.0, 11.0, 37.32),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (106.0, 46.0, 10.2),
    }
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(
        out, "JPEG", exif=exif, xmp=b"<x:xmpmeta>Jl. Kebon Jeruk Raya GPS</x:xmpmeta>"
    )
    return out.getvalue()


def image_bytes(fmt="PNG", size=(48, 27), color=(20, 90, 160)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def demo_agencies():
    from incidents.demo import create_agencies

    create_agencies()
    return {agency.name: agency for agency in Agency.objects.all()}
