"""A log's photo in the dashboard's village popup, in a real browser: a small thumbnail from the API
that loads over the session, linking to the photo as stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

from specialists.fieldwork.service_logs import service_log_photo_add
from tests.frontend.conftest import wait_for_popup_lists
from tests.frontend.test_dashboard import _open_dashboard

pytestmark = pytest.mark.browser


def _jpeg(size):
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 40)).save(out, "JPEG")
    return SimpleUploadedFile("field.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_popup_shows_a_logs_photo_as_a_thumbnail_linking_to_the_photo(page, mapped_counties, sign_in, media):
    photo, _ = service_log_photo_add(log=mapped_counties.log, uuid="0b8f4c1e-2d3a-4e5f-8a9b-1c2d3e4f5a6b", upload=_jpeg((1600, 1200)))
    _open_dashboard(page, sign_in, mapped_counties.users["leader_city"])

    page.locator(f"path.village-{mapped_counties.huaiyuan.villages['covered'].code}").click()
    popup = page.locator(".village-popup")
    wait_for_popup_lists(popup)

    link = popup.locator("a.log-photo")
    expect(link).to_have_count(1)
    photo_url = f"/api/v1/service-logs/{mapped_counties.log.uuid}/photos/{photo.uuid}/"
    assert link.get_attribute("href") == photo_url
    image = link.locator("img")
    assert image.get_attribute("src") == photo_url + "?size=thumbnail"
    # Loaded over the session: the 320-pixel JPEG, drawn 48 pixels wide.
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert image.evaluate("(img) => [img.naturalWidth, img.naturalHeight]") == [320, 240]
    assert image.get_attribute("width") == "48"
