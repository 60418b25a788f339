"""The demo's cameras: real places in the demo kelurahan, streaming generated test patterns.

Coordinates are approximate but fall inside their kelurahan's official boundary (a test checks).
Demo cameras have no source URL: `run_streams` encodes a test pattern with the camera code and a
clock burnt in, so nothing here pretends to be real footage.
"""

from dataclasses import dataclass

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from cameras.models import Camera, Tag
from kelurahan.signals import demo_seeded

TAGS = {
    "taman-24-jam": "Taman 24 jam",
    "rawan-banjir": "Rawan banjir",
    "rawan-kebakaran": "Rawan kebakaran",
    "rawan-tawuran": "Rawan tawuran",
    "jalan": "Jalan",
    "pasar": "Pasar",
    "halte": "Halte",
    "permukiman": "Permukiman",
    "sekolah": "Sekolah",
}


@dataclass(frozen=True)
class DemoCamera:
    code: str
    name: str
    area: str
    lat: float
    lon: float
    tags: tuple
    public: bool = False
    kind: str = Camera.Kind.FIXED
    status: str = Camera.Status.ACTIVE
    sponsor: str = ""


KEBON_JERUK = "31.73.05.1001"
TEBET_BARAT = "31.74.01.1002"
TEBET_TIMUR = "31.74.01.1001"

# Recorded demo cameras keep a day; tools/demo.sh also caps all recordings (RECORDING_MAX_MB) so
# that a newcomer can rewind within minutes and the demo stays under 1 GB of disk.
RECORDING_DEMO_DAYS = 1
RECORDED_DEMO_CAMERAS = ["kebonjeruk-simpang", "tebet-eco-park-utara"]

DEMO_CAMERAS = [
    # Kelurahan Kebon Jeruk, Jakarta Barat
    DemoCamera(
        "kebonjeruk-simpang",
        "Simpang Jl. Panjang – Jl. Kebon Jeruk Raya",
        KEBON_JERUK,
        -6.1937,
        106.7695,
        ("jalan", "rawan-tawuran"),
        kind=Camera.Kind.PTZ,
    ),
    DemoCamera(
        "kebonjeruk-pasar",
        "Pasar Kebon Jeruk",
        f"{KEBON_JERUK}.002",
        -6.1982,
        106.7760,
        ("pasar",),
    ),
    DemoCamera(
        "kebonjeruk-gang-masjid",
        "Gang Masjid RT 003/RW 005",
        f"{KEBON_JERUK}.005.003",
        -6.1905,
        106.7745,
        ("permukiman", "rawan-kebakaran"),
    ),
    DemoCamera(
        "kebonjeruk-halte",
        "Halte Kebon Jeruk",
        KEBON_JERUK,
        -6.1950,
        106.7721,
        ("halte", "jalan"),
        public=True,
    ),
    DemoCamera(
        "kebonjeruk-pos-rw001",
        "Pos Kamling RW 001",
        f"{KEBON_JERUK}.001",
        -6.1960,
        106.7700,
        ("permukiman",),
    ),
    DemoCamera(
        "kebonjeruk-sekolah",
        "Jl. Kebon Jeruk XII (sekolah)",
        KEBON_JERUK,
        -6.1925,
        106.7730,
        ("sekolah", "rawan-tawuran"),
    ),
    # Kebon Jeruk's neighbours
    DemoCamera(
        "sukabumiutara-arjuna",
        "Jl. Arjuna Utara",
        "31.73.05.1002",
        -6.2090,
        106.7776,
        ("jalan",),
    ),
    DemoCamera(
        "sukabumiutara-rw004",
        "Permukiman RW 004 Sukabumi Utara",
        "31.73.05.1002",
        -6.2070,
        106.7790,
        ("permukiman", "rawan-kebakaran"),
    ),
    DemoCamera(
        "kelapadua-kali",
        "Kali Pesanggrahan – Kelapa Dua",
        "31.73.05.1004",
        -6.2094,
        106.7687,
        ("rawan-banjir", "permukiman"),
        status=Camera.Status.MAINTENANCE,
    ),
    # Kelurahan Tebet Barat, Jakarta Selatan
    DemoCamera(
        "tebet-eco-park-utara",
        "Tebet Eco Park – Gerbang Utara",
        TEBET_BARAT,
        -6.2357,
        106.8462,
        ("taman-24-jam",),
        public=True,
    ),
    DemoCamera(
        "tebet-eco-park-jembatan",
        "Tebet Eco Park – Jembatan",
        TEBET_BARAT,
        -6.2378,
        106.8449,
        ("taman-24-jam",),
        public=True,
        kind=Camera.Kind.PTZ,
        sponsor="Sponsor CSR (contoh demo)",
    ),
    DemoCamera(
        "tebetbarat-dalam-raya",
        "Jl. Tebet Barat Dalam Raya",
        TEBET_BARAT,
        -6.2320,
        106.8500,
        ("jalan", "rawan-tawuran"),
    ),
    DemoCamera(
        "tebetbarat-pos-rw004",
        "Pos Kamling RW 004",
        f"{TEBET_BARAT}.004",
        -6.2365,
        106.8480,
        ("permukiman",),
    ),
    DemoCamera(
        "tebetbarat-pasar",
        "Pasar Tebet Barat",
        TEBET_BARAT,
        -6.2330,
        106.8470,
        ("pasar",),
    ),
    # Tebet Timur and Menteng Dalam
    DemoCamera(
        "tebettimur-dalam-raya",
        "Jl. Tebet Timur Dalam Raya",
        TEBET_TIMUR,
        -6.2338,
        106.8555,
        ("jalan",),
    ),
    DemoCamera(
        "tebettimur-saluran-rw003",
        "Saluran Penghubung RW 003",
        f"{TEBET_TIMUR}.003",
        -6.2300,
        106.8580,
        ("rawan-banjir",),
    ),
    DemoCamera(
        "tebettimur-halte",
        "Halte Tebet Timur",
        TEBET_TIMUR,
        -6.2360,
        106.8540,
        ("halte",),
    ),
    DemoCamera(
        "mentengdalam-raya",
        "Jl. Menteng Dalam Raya",
        "31.74.01.1003",
        -6.2316,
        106.8412,
        ("jalan",),
    ),
    # Kebayoran Baru's parks
    DemoCamera(
        "taman-leuser",
        "Taman Leuser",
        "31.74.07.1002",
        -6.2380,
        106.7935,
        ("taman-24-jam",),
        public=True,
    ),
    DemoCamera(
        "taman-langsat",
        "Taman Langsat",
        "31.74.07.1003",
        -6.2468,
        106.7934,
        ("taman-24-jam",),
        public=True,
    ),
    DemoCamera(
        "taman-ayodya",
        "Taman Ayodya",
        "31.74.07.1003",
        -6.2440,
        106.7960,
        ("taman-24-jam",),
    ),
    DemoCamera(
        "selong-senopati",
        "Jl. Senopati",
        "31.74.07.1004",
        -6.2342,
        106.8046,
        ("jalan",),
    ),
    # Menteng, Jakarta Pusat
    DemoCamera(
        "taman-suropati",
        "Taman Suropati",
        "31.71.06.1001",
        -6.1990,
        106.8325,
        ("taman-24-jam",),
        public=True,
    ),
    DemoCamera(
        "taman-menteng",
        "Taman Menteng",
        "31.71.06.1001",
        -6.1960,
        106.8300,
        ("taman-24-jam",),
        status=Camera.Status.RETIRED,
    ),
]


# The public demo cameras' purpose and signage (the public page's transparency section); the
# others keep the defaults (no purpose written, signage not checked yet).
DEMO_PURPOSES = {
    "kebonjeruk-halte": ("Keamanan penumpang di halte dan arus lalu lintas", "terpasang"),
    "tebet-eco-park-utara": ("Keamanan pengunjung taman dan pemantauan genangan", "terpasang"),
    "tebet-eco-park-jembatan": ("Keamanan pengunjung taman", "belum"),
    "taman-leuser": ("Keamanan pengunjung taman", "terpasang"),
    "taman-langsat": ("Keamanan pengunjung taman", "belum_diperiksa"),
    "taman-suropati": ("Keamanan pengunjung taman", "terpasang"),
}


@transaction.atomic
def create_cameras():
    """Create the demo cameras that do not exist yet; existing ones are left as they are."""
    tags = {}
    for slug, name in TAGS.items():
        tags[slug], _ = Tag.objects.get_or_create(slug=slug, defaults={"name": name})
    created = []
    for demo in DEMO_CAMERAS:
        camera, is_new = Camera.objects.get_or_create(
            code=demo.code,
            defaults={
                "name": demo.name,
                "area_id": demo.area,
                "lat": demo.lat,
                "lon": demo.lon,
                "kind": demo.kind,
                "is_public": demo.public,
                "status": demo.status,
                "funding": Camera.Funding.CSR if demo.sponsor else Camera.Funding.APBD,
                "sponsor": demo.sponsor,
                "purpose": DEMO_PURPOSES.get(demo.code, ("", ""))[0],
                "signage": DEMO_PURPOSES.get(demo.code, ("", Camera.Signage.UNCHECKED))[1],
            },
        )
        if is_new:
            camera.tags.set([tags[slug] for slug in demo.tags])
            created.append(camera)
    return created


@receiver(demo_seeded, dispatch_uid="demo-cameras")
def _seed(sender, stdout, **kwargs):
    created = create_cameras()
    stdout.write(_("Kamera demo baru: %d") % len(created))
    # The demo records a few cameras from their creation on (tests' cameras record nothing).
    recorded = [c.pk for c in created if c.code in RECORDED_DEMO_CAMERAS]
    Camera.objects.filter(pk__in=recorded).update(record=True, recording_days=RECORDING_DEMO_DAYS)
