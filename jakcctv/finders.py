"""Static files from node_modules: the browser libraries (installed by make from package.json,
never committed), and of each only the files our pages load.

A package's dist folder holds many builds and source maps (hls.js alone: 32 MB); serving the lot
would make collectstatic copy and compress all of it for every deploy.
"""

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# URL prefix → (folder under node_modules, the files served; a source map stays beside its
# file because the hashed-name storage rewrites the reference to it).
VENDOR_FILES = {
    "vendor/hls.js": (
        "hls.js/dist",
        ["hls.min.js", "hls.min.js.map", "hls.light.min.js", "hls.light.min.js.map"],
    ),
    "vendor/leaflet": (
        "leaflet/dist",
        [
            "leaflet.js",
            "leaflet.js.map",
            "leaflet.css",
            "images/layers.png",
            "images/layers-2x.png",
            "images/marker-icon.png",
            "images/marker-icon-2x.png",
            "images/marker-shadow.png",
        ],
    ),
    "vendor/swagger-ui": (
        "swagger-ui-dist",
        [
            "swagger-ui-bundle.js",
            "swagger-ui-bundle.js.map",
            "swagger-ui.css",
            "swagger-ui.css.map",
        ],
    ),
}


class VendorFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.storages = {}
        for prefix, (folder, _files) in VENDOR_FILES.items():
            location = settings.BASE_DIR / "node_modules" / folder
            if location.is_dir():
                storage = FileSystemStorage(location=location)
                storage.prefix = prefix
                self.storages[prefix] = storage

    def check(self, **kwargs):
        return []

    def find(self, path, find_all=False, **kwargs):
        found = []
        for prefix, storage in self.storages.items():
            name = path.removeprefix(prefix + "/")
            if name != path and name in VENDOR_FILES[prefix][1] and storage.exists(name):
                if not find_all:
                    return storage.path(name)
                found.append(storage.path(name))
        return found

    def list(self, ignore_patterns):
        for prefix, storage in self.storages.items():
            for name in VENDOR_FILES[prefix][1]:
                if storage.exists(name):
                    yield name, storage
