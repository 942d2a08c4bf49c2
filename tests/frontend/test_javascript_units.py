"""The pages' JavaScript unit tests (tests/frontend/js/*.test.mjs), run by Node's own test runner.

They test the modules that need no browser (the outbox's rules, outbox-entries.js) in a second or
so, with no npm package: `node --test tests/frontend/js/`. Here pytest runs them and fails with
Node's report when one fails. Without `node` they are skipped, except under CI (CI=true or
TEPAI_REQUIRE_SERVICES=1), where they fail.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
JS_TESTS = ROOT / "tests" / "frontend" / "js"
TIMEOUT_S = 120


def _required():
    truthy = {"1", "true", "yes", "on"}
    return os.environ.get("CI", "").strip().lower() in truthy or os.environ.get("TEPAI_REQUIRE_SERVICES", "").strip().lower() in truthy


def _node():
    node = shutil.which("node")
    if node is None:
        reason = "Node.js (`node`) runs the JavaScript unit tests (apt-get install nodejs)"
        if _required():
            pytest.fail(f"{reason}, and it is not installed", pytrace=False)
        pytest.skip(f"{reason}; it is not installed")
    return node


def run_node_tests(node, files):
    """Run `files` with `node --test`: (passed, failed, output). TAP, whose summary is the same in every Node version."""
    # The files by name, not the folder: Node 22 and later read the arguments as glob patterns.
    result = subprocess.run(
        [node, "--test", "--test-reporter=tap", *map(str, files)],
        cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )
    output = result.stdout + result.stderr

    def count(name):
        found = re.search(rf"^# {name} (\d+)$", result.stdout, flags=re.M)
        return int(found.group(1)) if found else None

    passed, failed = count("pass"), count("fail")
    if result.returncode != 0 and not failed:
        failed = 1  # Node itself failed (a file that does not load): a failure all the same
    return passed or 0, failed or 0, output


@pytest.mark.parametrize("name", sorted(path.name for path in JS_TESTS.glob("*.test.mjs")))
def test_the_javascript_unit_tests_pass(name):
    node = _node()

    passed, failed, output = run_node_tests(node, [JS_TESTS / name])

    if failed:
        pytest.fail(f"{failed} JavaScript unit test(s) of {name} failed:\n{output}", pytrace=False)
    # A file whose tests were all skipped, or that holds none, is no pass.
    assert passed > 0, output


def test_there_are_javascript_unit_tests():
    assert sorted(path.name for path in JS_TESTS.glob("*.test.mjs")) != [], f"no JavaScript unit tests in {JS_TESTS}"


def test_a_failing_javascript_test_is_reported_as_a_failure(tmp_path):
    # The check above is only worth something if a failing JavaScript test makes it fail.
    node = _node()
    failing = tmp_path / "broken.test.mjs"
    failing.write_text(
        'import assert from "node:assert/strict";\nimport {test} from "node:test";\n'
        'test("one plus one", () => assert.equal(1 + 1, 3));\ntest("fine", () => assert.ok(true));\n'
    )
    unloadable = tmp_path / "unloadable.test.mjs"
    unloadable.write_text('import {nothing} from "./missing.js";\n')

    passed, failed, output = run_node_tests(node, [failing])
    assert (passed, failed) == (1, 1), output
    assert "one plus one" in output and "3" in output

    _, failed, output = run_node_tests(node, [unloadable])
    assert failed >= 1, output
