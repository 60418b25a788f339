"""Incident photos: what a phone or a camera snapshot sends, made safe to keep.

The type is read from the bytes (never from the name or the browser's word), only JPEG, PNG and
WebP are taken, the size is capped, and every image is decoded and encoded again: the EXIF
orientation is applied first, then all metadata (EXIF with any GPS position, XMP, comments) is
left behind. Huge photos are scaled down, because storage is costly and a 2,560-pixel photo
shows everything an officer needs.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Sniffed format → (content type, file extension, encoder options).
FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 85, "optimize": True}),
    "PNG": ("image/png", "png", {"optimize": True}),
    "WEBP": ("image/webp", "webp", {"quality": 85}),
}
MAX_SIDE = 2560  # longer side, in pixels, of what is stored
MAX_PIXELS = 60_000_000  # larger pictures are refused before they are decoded
# What survives the re-encoding besides the pixels: colours and transparency, never places.
KEPT_INFO = {"icc_profile", "transparency"}


class ImageRefused(Exception):
    """The upload is not an image we take; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int

    @property
    def name(self):
        """A fresh file name: the uploaded name (which may say who or where) is not kept."""
        return f"{uuid.uuid4().hex}.{self.extension}"


def clean_image(upload):
    """Check and re-encode an uploaded file (a Django UploadedFile or any file object).

    Raises ImageRefused with a message for the user; returns a CleanImage.
    """
    limit = settings.INCIDENT_ATTACHMENT_MAX_BYTES
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > limit:
        raise ImageRefused(
            _("Gambar terlalu besar (%(size)s); batasnya %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )
    if size == 0:
        raise ImageRefused(_("Berkas gambar kosong."))
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=list(FORMATS))
            if image.width * image.height > MAX_PIXELS:
                raise ImageRefused(_("Gambar terlalu besar ukurannya (piksel)."))
            image.load()
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(_("Gambar terlalu besar ukurannya (piksel).")) from None
    except UnidentifiedImageError:
        raise ImageRefused(_("Hanya gambar JPEG, PNG, atau WebP yang dapat dilampirkan.")) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageRefused(_("Gambar ini rusak atau tidak lengkap.")) from None
    return _reencode(image)


def _reencode(image):
    content_type, extension, options = FORMATS[image.format]
    image_format = image.format
    image = ImageOps.exif_transpose(image)  # upright, as the phone showed it
    kept = {key: value for key, value in image.info.items() if key in KEPT_INFO}
    image.info.clear()  # EXIF (GPS), XMP, comments: nothing of it is written again
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if image_format == "JPEG" and image.mode not in {"RGB", "L", "CMYK"}:
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, image_format, **options, **_encoder_info(image_format, kept))
    return CleanImage(out.getvalue(), content_type, extension, image.width, image.height)


def _encoder_info(image_format, kept):
    info = {}
    if kept.get("icc_profile"):
        info["icc_profile"] = kept["icc_profile"]
    if image_format == "PNG" and "transparency" in kept:
        info["transparency"] = kept["transparency"]
    return info
