"""The interface is Chinese first: every message has a zh-hans translation, compiled and current.

Both catalogues are held to this: django (Python and templates) and djangojs (the pages' scripts, served by /jsi18n/).
"""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
MESSAGES = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
IGNORED = ["--ignore=.venv", "--ignore=tests", "--ignore=benchmarks", "--ignore=scripts"]
# The makemessages arguments that build each catalogue (the same as README's translation steps).
DOMAINS = {
    "django": ["-l", "zh_Hans", *IGNORED],
    "djangojs": ["-d", "djangojs", "-l", "zh_Hans", *IGNORED, "--ignore=var", "--ignore=*/vendor/*"],
}
# What a translation must carry over unchanged: printf and brace placeholders ("%%" is a literal percent sign and is
# matched first so that "%(done)d%%" counts as one placeholder and one percent sign), and HTML tags.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%[#0 +-]*\d*(?:\.\d+)?[sdifr]|\{\w*\}|<[^>]+>")


def entries(domain):
    return [entry for entry in polib.pofile(str(MESSAGES / f"{domain}.po")) if not entry.obsolete]


def translations(entry):
    """The msgstr, or every plural form's (Chinese has one: nplurals=1)."""
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_message_has_a_chinese_translation(domain):
    catalogue = entries(domain)

    missing = [entry.msgid for entry in catalogue if not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
    assert catalogue
    assert missing == []
    assert fuzzy == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_placeholders_survive_translation(domain):
    for entry in entries(domain):
        if not entry.translated():
            continue  # reported by test_every_message_has_a_chinese_translation
        # A plural's forms each take the plural msgid's placeholders ("%(count)s villages").
        expected = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for translation in translations(entry):
            assert sorted(PLACEHOLDER.findall(translation)) == expected, entry.msgid


def test_the_placeholder_pattern_tells_a_changed_placeholder():
    assert PLACEHOLDER.findall("%(count)s of %(total)d (%(rate).1f%%) {value} <span>%s</span>") == [
        "%(count)s", "%(total)d", "%(rate).1f", "%%", "{value}", "<span>", "%s", "</span>",
    ]
    assert PLACEHOLDER.findall("进度（%）") == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_the_compiled_catalogue_matches_the_source(domain):
    with (MESSAGES / f"{domain}.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.info()["plural-forms"].replace(" ", "") == "nplurals=1;plural=0;"
    for entry in entries(domain):
        if not entry.translated():
            continue
        if entry.msgid_plural:
            for n in (1, 2):
                assert compiled.ngettext(entry.msgid, entry.msgid_plural, n) == entry.msgstr_plural[0], entry.msgid
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, (entry.msgctxt, entry.msgid)
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr, entry.msgid


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext's xgettext is not installed (apt-get install gettext)")
def test_the_catalogues_hold_every_message_in_the_code(tmp_path):
    # makemessages on a copy of the source, so the working tree is left as it is.
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__", "node_modules", "*.mo"))
    new = {}
    for domain, arguments in DOMAINS.items():
        subprocess.run([sys.executable, "manage.py", "makemessages", *arguments], cwd=copy, check=True, capture_output=True)
        fresh = {entry.msgid for entry in polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / f"{domain}.po"))
                 if not entry.obsolete}
        committed = {entry.msgid for entry in entries(domain)}
        new[domain] = sorted(fresh - committed)
    assert new == {"django": [], "djangojs": []}


# The names makemessages (xgettext's Python keywords and Django's additions) extracts messages from.
EXTRACTED_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
                   "npgettext", "npgettext_lazy"}


def test_translation_functions_are_imported_under_names_makemessages_reads():
    """A message marked as `_lazy("...")` is never extracted: the catalogue silently lacks it and the
    interface shows English in Chinese. Every alias of django.utils.translation's functions must be
    one xgettext knows."""
    import ast

    wrong = []
    for path in sorted(ROOT.glob("**/*.py")):
        if any(part in (".venv", "var", "node_modules") for part in path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                wrong += [f"{path.relative_to(ROOT)}: {alias.name} as {alias.asname}" for alias in node.names
                          if alias.name in EXTRACTED_NAMES and (alias.asname or alias.name) not in EXTRACTED_NAMES]
    assert wrong == []
