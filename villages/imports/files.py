"""An uploaded file, checked before anything parses it: size, what it really is, and how far its
archive would expand.

Every import reads its file through `open_upload`. The checks are cheap and come first: a file over
its limit, a file whose bytes are not what its name says, a zip (an .xlsx is one) whose members would
expand past a limit or whose paths leave its folder, are refused with a message that names the
file, before openpyxl, csv or GDAL sees a byte.
"""

import dataclasses
import io
import posixpath
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from villages.imports.plans import ImportRefused, Problem

XLSX, CSV, GEOJSON, GPKG, SHAPEFILE_ZIP = "xlsx", "csv", "geojson", "gpkg", "shp.zip"
FORMATS = (XLSX, CSV, GEOJSON, GPKG, SHAPEFILE_ZIP)
# The file names' endings people use for each format.
_SUFFIXES = {".xlsx": XLSX, ".csv": CSV, ".txt": CSV, ".geojson": GEOJSON, ".json": GEOJSON, ".gpkg": GPKG, ".zip": SHAPEFILE_ZIP}
_ZIP_MAGIC = b"PK\x03\x04"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def refuse(message):
    raise ImportRefused([Problem(None, "", message)])


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file's name and bytes, and the format its bytes were found to be."""

    name: str
    data: bytes
    format: str

    def stream(self):
        return io.BytesIO(self.data)

    def members(self):
        """The archive's member names (checked by open_upload: none leaves the folder)."""
        with zipfile.ZipFile(self.stream()) as archive:
            return [info.filename for info in archive.infolist() if not info.is_dir()]


def format_of_name(name: str) -> str | None:
    lowered = name.lower()
    for suffix, format_ in _SUFFIXES.items():
        if lowered.endswith(suffix):
            return format_
    return None


def open_upload(name: str, data: bytes, *, formats=FORMATS, max_bytes=None) -> Upload:
    """The upload, once its size, type and archive are checked; ImportRefused otherwise."""
    max_bytes = settings.TEPAI_IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if len(data) > max_bytes:
        refuse(_("The file %(name)s is %(size)s MB; the limit is %(limit)s MB.") % {
            "name": name, "size": round(len(data) / 1048576, 1), "limit": round(max_bytes / 1048576, 1)})
    if not data:
        refuse(_("The file %(name)s is empty.") % {"name": name})
    format_ = format_of_name(name)
    if format_ is None or format_ not in formats:
        refuse(_("%(name)s is not a file this import reads: give %(formats)s.") % {
            "name": name, "formats": ", ".join("." + f for f in formats)})
    found = _sniff(data)
    expected = "zip" if format_ in (XLSX, SHAPEFILE_ZIP) else None if format_ == CSV else format_
    if found != expected:
        refuse(_("%(name)s is not what its name says: its content is not %(format)s.") % {"name": name, "format": format_})
    if found == "zip":
        _check_archive(name, data, format_)
    return Upload(name, data, format_)


def _sniff(data: bytes):
    head = data[:64]
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_SQLITE_MAGIC):
        return GPKG
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return GEOJSON
    return None


def _check_archive(name, data, format_):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        refuse(_("%(name)s is not a readable zip archive.") % {"name": name})
    if len(infos) > settings.TEPAI_IMPORT_MAX_MEMBERS:
        refuse(_("%(name)s holds %(count)s files; the limit is %(limit)s.") % {
            "name": name, "count": len(infos), "limit": settings.TEPAI_IMPORT_MAX_MEMBERS})
    expanded = sum(info.file_size for info in infos)
    if expanded > settings.TEPAI_IMPORT_MAX_EXPANDED_BYTES:
        refuse(_("%(name)s would expand to %(size)s MB; the limit is %(limit)s MB.") % {
            "name": name, "size": round(expanded / 1048576, 1), "limit": round(settings.TEPAI_IMPORT_MAX_EXPANDED_BYTES / 1048576, 1)})
    for info in infos:
        path = info.filename.replace("\\", "/")
        if path.startswith("/") or ".." in posixpath.normpath(path).split("/") or ":" in path.split("/")[0]:
            refuse(_("%(name)s holds a path that leaves its folder: %(path)s.") % {"name": name, "path": info.filename})
    names = {info.filename for info in infos}
    if format_ == XLSX and "[Content_Types].xml" not in names:
        refuse(_("%(name)s is not what its name says: its content is not %(format)s.") % {"name": name, "format": format_})
    if format_ == SHAPEFILE_ZIP and not any(n.lower().endswith(".shp") for n in names):
        refuse(_("%(name)s holds no .shp file.") % {"name": name})
