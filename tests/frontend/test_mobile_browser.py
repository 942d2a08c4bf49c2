"""The specialists' phone page in a real browser: offline logging, one row per entry, refusals, the offline shell.

Every test is at phone width (390 px). The browser is taken offline with context.set_offline, its
position is set inside the specialist's village (荆山村: 117.02-117.10 E, 32.95-33.03 N), and rows
are checked on the server with the ORM.
"""

import datetime
import io
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from specialists.fieldwork.models import Achievement, ServiceLog
from tests import factories as f
from tests.frontend import untranslated_text
from tests.frontend.conftest import PHONE

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("TEPAI_MOBILE_SHOTS_DIR", "/tmp/shots"))
IN_JINGSHAN = {"longitude": 117.061, "latitude": 32.991, "accuracy": 12}
# The failed fetch of a lost response, as Chromium reports it in the console.
NETWORK_FAILURE = r"Failed to load resource|net::ERR_"


def _jpeg(colour="green"):
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return {"name": "field.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _pdf():
    return {"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"}


def _shoot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"mobile-{name}.png"), full_page=True)


@pytest.fixture
def phone(open_page, mapped_counties, sign_in):
    """phone(language=None) -> the specialist's /m/ at 390 px, located in 荆山村, villages loaded."""

    def opener(language=None):
        page = open_page(viewport=PHONE, language=language)
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation(IN_JINGSHAN)
        sign_in(page, mapped_counties.users["specialist"])
        page.goto("/m/")
        page.locator(f"#log-village option[value='{mapped_counties.huaiyuan.villages['covered'].code}']").wait_for(state="attached")
        return page

    return opener


def _worker_ready(page):
    """Wait until the service worker controls the page (it claims the page once active)."""
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def _fill_log(page, *, description="石榴冬季修剪培训", people="12", kind="training", when=None, photo=True):
    page.locator("#log-kind").select_option(kind)
    if when is not None:
        page.locator("#log-occurred-at").fill(when)
    page.locator("#log-people").fill(people)
    page.locator("#log-description").fill(description)
    if photo:
        page.locator("#log-photo").set_input_files(_jpeg())
        page.locator("#log-photo-preview img[src]").wait_for()
    page.locator("#log-location[data-located=true]").wait_for()


def _entry(page, state=None):
    selector = "#log-outbox li.entry" + (f"[data-state={state}]" if state else "")
    return page.locator(selector)


def _edit(page, entry):
    """Opens a refused entry in the form. The form is filled after the entry is read back from
    IndexedDB, so wait for the editing note before reading or changing a field."""
    entry.locator("button[data-action=edit]").click()
    page.locator("#log-editing").wait_for(state="visible")


def _new_logs(mapped_counties):
    return ServiceLog.objects.exclude(pk=mapped_counties.log.pk)


@pytest.mark.clock
def test_a_log_saved_offline_waits_and_arrives_once_when_online(phone, mapped_counties):
    page = phone()
    _worker_ready(page)
    page.context.set_offline(True)
    page.locator("#connection[data-online=false]").wait_for()

    _fill_log(page)
    _shoot(page, "offline-form")
    page.locator("#log-form button[type=submit]").click()

    waiting = _entry(page, "waiting")
    waiting.wait_for()
    uuid = waiting.get_attribute("data-uuid")
    assert "石榴冬季修剪培训" in waiting.inner_text()
    assert not _new_logs(mapped_counties).exists()
    _shoot(page, "offline-waiting")

    page.context.set_offline(False)
    _entry(page, "sent").wait_for()

    log = _new_logs(mapped_counties).get()
    assert str(log.uuid) == uuid
    assert (log.kind, log.people_served, log.description, log.in_village) == ("training", 12, "石榴冬季修剪培训", True)
    assert log.village == mapped_counties.huaiyuan.villages["covered"]
    assert abs(log.lon - IN_JINGSHAN["longitude"]) < 1e-6 and log.accuracy_m == 12
    # Sent with the phone's offset: the time is the one shown in the form, whatever the zone.
    assert timezone.now() - log.occurred_at < datetime.timedelta(minutes=5)
    (photo,) = log.photos.all()
    assert Path(photo.image.path).is_file() and (photo.width, photo.height) == (64, 48)
    _shoot(page, "online-sent")

    # Cleared from the phone, the log is still listed, as the server has it.
    page.locator("#outbox-clear").click()
    page.locator(f"#recent-logs li[data-uuid='{uuid}']").wait_for()
    expect(_entry(page)).to_have_count(0)


def test_a_lost_response_is_retried_and_still_makes_one_log(phone, mapped_counties, browser_problems):
    browser_problems.allow(NETWORK_FAILURE)
    page = phone()
    posts = []

    def lose_the_first_answer(route):
        # The outbox sends through the batch route ({"logs": [...]}); the single route takes one log.
        body = route.request.post_data_json
        posts.extend(log["uuid"] for log in body["logs"]) if "logs" in body else posts.append(body["uuid"])
        if len(posts) == 1:
            route.fetch()  # the server stores the log ...
            route.abort()  # ... and the phone never hears back
        else:
            route.continue_()

    page.route(re.compile(r"/api/v1/service-logs/(batch/)?$"), lose_the_first_answer)
    _fill_log(page, photo=False)
    page.locator("#log-form button[type=submit]").click()
    _entry(page, "sent").wait_for()

    assert len(posts) >= 2 and len(set(posts)) == 1
    log = _new_logs(mapped_counties).get()
    assert str(log.uuid) == posts[0]


def test_the_outbox_sends_logs_through_the_batch_route_and_an_older_server_still_gets_them(phone, mapped_counties, browser_problems):
    browser_problems.allow(r"status of 404")
    page = phone()
    sent = []
    page.on("request", lambda request: sent.append(request.url) if "/api/v1/service-logs/" in request.url and request.method == "POST" else None)
    _fill_log(page, photo=True)
    page.locator("#log-form button[type=submit]").click()
    _entry(page, "sent").wait_for()
    first = _new_logs(mapped_counties).get()
    # The record in a batch, then its photo.
    assert [url.split("/api/v1/")[1] for url in sent] == ["service-logs/batch/", f"service-logs/{first.uuid}/photos/"]

    # A server from before batches answers 404 there: the log goes by the single route instead.
    page.route(re.compile(r"/api/v1/service-logs/batch/$"), lambda route: route.fulfill(
        status=404, content_type="application/json", body='{"code": "not_found", "message": "Not found.", "fields": {}}'))
    sent.clear()
    _fill_log(page, photo=False)
    page.locator("#log-form button[type=submit]").click()
    expect(_entry(page, "sent")).to_have_count(2)
    assert [url.split("/api/v1/")[1] for url in sent] == ["service-logs/batch/", "service-logs/"]
    assert _new_logs(mapped_counties).count() == 2


@pytest.mark.clock
def test_a_refused_log_shows_the_servers_message_and_can_be_corrected(phone, mapped_counties, browser_problems):
    browser_problems.allow(r"status of 422")
    page = phone(language="en")
    # Before the specialist's assignment to the village began: the server refuses it (422).
    long_ago = timezone.localtime() - datetime.timedelta(days=200)
    _fill_log(page, when=long_ago.strftime("%Y-%m-%dT%H:%M"), photo=False)
    page.locator("#log-form button[type=submit]").click()

    failed = _entry(page, "failed")
    failed.wait_for()
    message = failed.locator(".error-box").inner_text()
    assert f"张怀远 was not assigned to 荆山村 on {long_ago.date().isoformat()}" in message
    assert message.startswith("Some of the data sent is not valid.")
    assert "Village:" in message  # the field by its label, not the API's name
    assert not _new_logs(mapped_counties).exists()
    _shoot(page, "refused")

    _edit(page, failed)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    page.locator("#log-occurred-at").fill(now)
    page.locator("#log-form button[type=submit]").click()
    _entry(page, "sent").wait_for()

    expect(_entry(page)).to_have_count(1)
    # The minute typed, read in the site's zone: the stored value is UTC, whose day is not the
    # site's from 16:00 to 24:00 UTC.
    assert timezone.localtime(_new_logs(mapped_counties).get().occurred_at).strftime("%Y-%m-%dT%H:%M") == now


def test_a_uuid_the_server_holds_with_other_content_is_refused_and_the_edit_goes_with_a_new_uuid(phone, mapped_counties, browser_problems):
    browser_problems.allow(r"status of 409")
    page = phone(language="en")
    taken = str(mapped_counties.log.uuid)
    # An entry whose UUID the server already holds for another log (409), put in the outbox as a save would.
    page.evaluate("""async ([uuid, village]) => {
        // The page's own module (a module is loaded once per page, whoever imports it).
        const {Outbox} = await import("/static/frontend/js/outbox.js");
        const outbox = new Outbox({owner: "specialist"});
        await outbox.add({type: "log", uuid: uuid, files: [], payload: {
            uuid: uuid, village: village, kind: "visit", occurred_at: new Date().toISOString(), description: "重复的编号",
            people_served: 3, location: {lon: 117.06, lat: 32.99, accuracy_m: 5, crs: "WGS84"},
        }});
    }""", [taken, mapped_counties.huaiyuan.villages["covered"].code])
    page.reload()

    failed = _entry(page, "failed")
    failed.wait_for()
    assert f"UUID {taken}" in failed.locator(".error-box").inner_text()

    _edit(page, failed)
    assert page.locator("#log-description").input_value() == "重复的编号"
    page.locator("#log-form button[type=submit]").click()
    sent = _entry(page, "sent")
    sent.wait_for()

    assert sent.get_attribute("data-uuid") != taken
    expect(_entry(page)).to_have_count(1)
    assert _new_logs(mapped_counties).get().description == "重复的编号"
    assert ServiceLog.objects.get(uuid=taken).description == "石榴嫁接技术指导"


def test_signing_out_forgets_the_offline_copies_but_keeps_what_waits(phone, mapped_counties, browser_problems):
    browser_problems.allow(NETWORK_FAILURE)
    page = phone()
    _worker_ready(page)
    # The server never gets the log, so that it still waits when the specialist signs out.
    page.route(re.compile(r"/api/v1/service-logs/(batch/)?$"), lambda route: route.abort())
    _fill_log(page, photo=False)
    page.locator("#log-form button[type=submit]").click()
    _entry(page, "waiting").locator(".retry-note").wait_for()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))

    page.locator("form.logout button").click()
    page.wait_for_url(re.compile(r"/login/"))

    kept = page.evaluate("""async () => {
        const cached = [];
        for (const name of await caches.keys()) {
            cached.push(...(await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname));
        }
        const db = await new Promise((resolve) => { const open = indexedDB.open("tepai-phone"); open.onsuccess = () => resolve(open.result); });
        const all = (store) => new Promise((resolve) => { const request = db.transaction(store).objectStore(store).getAll(); request.onsuccess = () => resolve(request.result); });
        return {cached: cached, kept: (await all("kept")).map((row) => row.key), outbox: (await all("outbox")).map((row) => row.state)};
    }""")
    assert "/m/" not in kept["cached"] and "/m/sw.js" not in kept["cached"]
    assert any(path.endswith("/mobile.js") for path in kept["cached"])  # the shell's static files stay
    assert kept["kept"] == []
    # (A retry may have been under way: "sending" turns back into "waiting" at the next load.)
    assert kept["outbox"] in (["waiting"], ["sending"])
    assert len(dialogs) == 1  # the specialist was told that one entry waits


def test_the_page_opens_offline_from_the_workers_cache(phone, mapped_counties):
    page = phone()
    _worker_ready(page)
    page.context.set_offline(True)

    response = page.reload()

    assert response.from_service_worker

    # The page, its scripts and the catalogue came from the worker's cache; the villages from the phone's store.
    page.locator(f"#log-village option[value='{mapped_counties.huaiyuan.villages['covered'].code}']").wait_for(state="attached")
    expect(page.locator("#connection")).to_have_attribute("data-online", "false")
    expect(page.locator("#data-age")).to_be_visible()
    page.locator("#tab-villages").click()
    expect(page.locator("#villages")).to_contain_text("荆山村")
    assert page.evaluate("() => typeof gettext") == "function"
    _shoot(page, "offline-reload")


@pytest.mark.clock
def test_an_achievement_is_submitted_with_its_evidence_and_reviews_are_shown(phone, mapped_counties):
    specialist = mapped_counties.huaiyuan.specialists["张怀远"]
    f.make_achievement(
        specialist=specialist, title="石榴新品种引进", status=Achievement.Status.REJECTED, reject_reason="缺少品种审定证书",
        reviewed_at=timezone.now(),
    )
    page = phone()
    page.locator("#tab-achievements").click()
    page.locator("#achievements li[data-status=rejected]").wait_for()
    assert "缺少品种审定证书" in page.locator("#achievements li[data-status=rejected]").inner_text()

    page.locator("#achievement-kind").select_option("farmer_income")
    page.locator("#achievement-title").fill("带动石榴种植户增收")
    page.locator("#achievement-amount").fill("56000")
    page.locator("#achievement-village").select_option(mapped_counties.huaiyuan.villages["covered"].code)
    page.locator("#achievement-evidence").set_input_files([_pdf(), _jpeg()])
    expect(page.locator("#achievement-files li")).to_have_count(2)
    _shoot(page, "achievement-form")
    page.context.set_offline(True)
    page.locator("#achievement-form button[type=submit]").click()

    page.locator("#achievements li.entry[data-state=waiting]").wait_for()
    _shoot(page, "achievement-waiting")
    assert not Achievement.objects.filter(title="带动石榴种植户增收").exists()
    page.context.set_offline(False)
    page.locator("#achievements li[data-status=submitted][data-evidence='2']").wait_for()
    achievement = Achievement.objects.get(title="带动石榴种植户增收")
    assert (achievement.kind, achievement.amount_yuan, achievement.specialist, achievement.status) == (
        "farmer_income", 56000, specialist, Achievement.Status.SUBMITTED,
    )
    # The form's date is the phone's today; the phone is in the site's zone, so it is the server's.
    assert achievement.date == timezone.localdate()
    assert achievement.evidence.count() == 2
    _shoot(page, "achievements")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_page_is_all_in_one_language_with_every_panel_filled(phone, mapped_counties, language):
    f.make_service_log(
        specialist=mapped_counties.huaiyuan.specialists["张怀远"], village=mapped_counties.huaiyuan.villages["covered"], description="病虫害防治咨询",
        occurred_at=timezone.now() - datetime.timedelta(days=1), in_village=False, distance_m=1800,
    )
    f.make_achievement(
        specialist=mapped_counties.huaiyuan.specialists["张怀远"], title="石榴新品种引进", status=Achievement.Status.REJECTED,
        reject_reason="缺少品种审定证书",
    )
    page = phone(language=language)
    page.locator("#recent-logs li").first.wait_for()
    _fill_log(page, description="冬季修剪")
    page.context.set_offline(True)
    page.locator("#log-form button[type=submit]").click()
    _entry(page, "waiting").wait_for()

    problems = {}
    for tab in ("log", "villages", "achievements"):
        page.locator(f"#tab-{tab}").click()
        problems[tab] = untranslated_text(page, language)
        _shoot(page, f"{tab}-{language}")
    assert problems == {"log": [], "villages": [], "achievements": []}
    # Nothing sideways on a phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
