"""The pages' scripts as the browser meets them: the <script> tags of a page, and the ES modules an
entry module imports, read from the static files (frontend/static/frontend/js/)."""

import posixpath
import re

from django.conf import settings
from django.contrib.staticfiles import finders

_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_ATTRIBUTE = re.compile(r'\b(type|src)="([^"]*)"')
_BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_LINE_COMMENT = re.compile(r"^\s*//.*$", re.M)
# import x from "./a.js"; import {a,\n b} from "./a.js"; import "./a.js"; export {a} from "./a.js"; export * from "./a.js"
_STATIC_IMPORT = re.compile(r"""(?:^|[;}])\s*(?:import|export)\b\s*(?:[\w$*{},\s]*?\bfrom\s*)?["']([^"']+)["']""", re.M)
_DYNAMIC_IMPORT = re.compile(r"""\bimport\s*\(\s*["']([^"']+)["']\s*\)""")


def page_scripts(html):
    """The page's scripts with a src, in order: [(type, src)], type "" for a classic script."""
    scripts = []
    for match in _SCRIPT.finditer(html):
        attributes = dict(_ATTRIBUTE.findall(match.group(1)))
        if "src" in attributes:
            scripts.append((attributes.get("type", ""), attributes["src"]))
    return scripts


def imports_of(source):
    """The module specifiers a module's source imports, statically or dynamically, in order; comments are not code."""
    code = _LINE_COMMENT.sub("", _BLOCK_COMMENT.sub("", source))
    return [match.group(1) for pattern in (_STATIC_IMPORT, _DYNAMIC_IMPORT) for match in pattern.finditer(code)]


def static_path(url):
    """/static/frontend/js/a.js -> frontend/js/a.js"""
    prefix = "/" + settings.STATIC_URL.lstrip("/")
    assert url.startswith(prefix), url
    return url[len(prefix):]


def module_graph(entry):
    """Every module `entry` (a static path, frontend/js/x.js) loads, itself included, as static paths.

    Only relative specifiers resolve without an import map, so any other is an error."""
    seen, todo = set(), [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        found = finders.find(path)
        assert found, f"{path} is not a static file"
        with open(found, encoding="utf-8") as source:
            for specifier in imports_of(source.read()):
                assert specifier.startswith(("./", "../")), f"{path} imports {specifier!r}: only relative specifiers load"
                todo.append(posixpath.normpath(posixpath.join(posixpath.dirname(path), specifier)))
    return seen


def page_modules(html):
    """Every module a page loads: the graphs of its module scripts."""
    modules = set()
    for kind, src in page_scripts(html):
        if kind == "module":
            modules |= module_graph(static_path(src))
    return modules
