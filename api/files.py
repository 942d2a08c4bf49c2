"""Stored files (service log photos, achievement evidence) sent through the API, never from /media/.

A file is reached only as a child of a row the user may see: the viewset's scoped get_object()
finds the parent (another unit's answers 404), `child` picks the file's row among the parent's
prefetched children by its UUID (another parent's answers 404, as a missing one does), and
`file_response` sends the bytes. Both routes answer alike: the stored content type, with
`X-Content-Type-Options: nosniff` so that a browser never guesses another, `Cache-Control:
private` so that no shared cache keeps a file meant for one scope, and 404 in the API's JSON shape
when the row has outlived its file. The route negotiates nothing (FILE_ROUTE): no Accept header
refuses the file (406), and every error is JSON.
"""

import logging

from django.http import FileResponse, Http404
from rest_framework.renderers import JSONRenderer

from api.exports import ExportNegotiation

logger = logging.getLogger(__name__)

# The @action arguments of a file route: errors rendered as JSON, whatever the client accepts.
FILE_ROUTE = {"renderer_classes": [JSONRenderer], "content_negotiation_class": ExportNegotiation}


def child(rows, uuid):
    """The row among `rows` (a parent's prefetched children: no query) whose UUID is `uuid`, with or
    without its hyphens; Http404 when none is."""
    wanted = uuid.replace("-", "").lower()
    found = next((row for row in rows if row.uuid.hex == wanted), None)
    if found is None:
        raise Http404
    return found


def file_response(stored, *, content_type, filename, as_attachment):
    """A FieldFile's bytes as the API sends a stored file; Http404 when the file is gone."""
    try:
        opened = stored.open("rb")
    except OSError:
        # The row outlived its file (a restored database, a cleaned media folder): nothing to send.
        logger.warning("No stored file at %s", stored.name)
        raise Http404 from None
    response = FileResponse(opened, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private"
    response["X-Content-Type-Options"] = "nosniff"
    return response
