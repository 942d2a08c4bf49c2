"""The interface is Chinese first: every message has a zh-hans translation, compiled and current."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_message_has_a_chinese_translation():
    catalogue = polib.pofile(str(PO))

    missing = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert missing == []
    assert fuzzy == []


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)):
        for placeholder in ("%(", "%s", "%d"):
            assert entry.msgid.count(placeholder) == entry.msgstr.count(placeholder), entry.msgid


def test_the_compiled_catalogue_matches_the_source():
    compiled = gettext.GNUTranslations(MO.open("rb"))
    for entry in polib.pofile(str(PO)):
        if entry.translated() and not entry.obsolete:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext's xgettext is not installed (apt-get install gettext)")
def test_the_catalogue_holds_every_message_in_the_code(tmp_path):
    # makemessages on a copy of the source, so the working tree is left as it is.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules", "*.mo"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--ignore=.venv", "--ignore=tests", "--ignore=benchmarks", "--ignore=scripts"],
        cwd=copy, check=True, capture_output=True,
    )
    fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")) if not entry.obsolete}
    committed = {entry.msgid for entry in polib.pofile(str(PO)) if not entry.obsolete}
    assert sorted(fresh - committed) == []
