"""config/settings.py read in a fresh process under controlled environments.

Settings are read once per process, so each case starts Python anew with only the variables it
names (everything Tepai reads is stripped from the inherited environment first).
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import _DEV_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
OURS = ("DJANGO_", "TEPAI_", "DATABASE_", "CELERY_", "CACHE_")

READ_SETTINGS = """
import importlib, json
s = importlib.import_module("config.settings")
db = s.DATABASES["default"]
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "ENGINE": db["ENGINE"], "NAME": str(db["NAME"]), "HOST": db.get("HOST"), "PORT": db.get("PORT"),
    "USER": db.get("USER"), "CONN_MAX_AGE": db.get("CONN_MAX_AGE"),
    "LANGUAGE_CODE": s.LANGUAGE_CODE, "TIME_ZONE": s.TIME_ZONE, "USE_TZ": s.USE_TZ,
    "CELERY_BROKER_URL": s.CELERY_BROKER_URL, "CELERY_RESULT_BACKEND": s.CELERY_RESULT_BACKEND,
    "CELERY_TASK_ALWAYS_EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT, "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE, "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "CACHE_BACKEND": s.CACHES["default"]["BACKEND"], "CACHE_LOCATION": s.CACHES["default"]["LOCATION"],
}))
"""


def run_python(tmp_path, args, **variables):
    env = {name: value for name, value in os.environ.items() if not name.startswith(OURS)}
    # The default SQLite folder is created on import: keep it out of the checkout.
    env.update(DJANGO_SETTINGS_MODULE="config.settings", TEPAI_DATA_DIR=str(tmp_path / "data"))
    env.update(variables)
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60)


def read_settings(tmp_path, **variables):
    run = run_python(tmp_path, ["-c", READ_SETTINGS], **variables)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def refusal(tmp_path, **variables):
    run = run_python(tmp_path, ["-c", READ_SETTINGS], **variables)
    assert run.returncode != 0, run.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in run.stderr
    return run.stderr.strip().splitlines()[-1]


def a_secret(length=50):
    return secrets.token_hex(length)[:length]


def test_nothing_set_runs_development_on_sqlite_in_chinese_with_eager_tasks(tmp_path):
    values = read_settings(tmp_path)

    assert values["DEBUG"] is True
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["NAME"] == str(tmp_path / "data" / "tepai.sqlite3")
    assert (tmp_path / "data").is_dir()
    assert values["LANGUAGE_CODE"] == "zh-hans"
    assert values["TIME_ZONE"] == "Asia/Shanghai"
    assert values["USE_TZ"] is True
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert values["CELERY_BROKER_URL"] == ""
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["SECURE_SSL_REDIRECT"] is False


@pytest.mark.parametrize(
    "secret",
    [None, a_secret(49), _DEV_SECRET_KEY],
    ids=["no key", "49 characters", "the development key"],
)
def test_debug_off_refuses_to_start_without_a_real_secret_key(tmp_path, secret):
    variables = {"DJANGO_DEBUG": "0"}
    if secret is not None:
        variables["DJANGO_SECRET_KEY"] = secret

    message = refusal(tmp_path, **variables)

    assert message == (
        "django.core.exceptions.ImproperlyConfigured: DJANGO_SECRET_KEY must be set to a random value "
        "of at least 50 characters when DJANGO_DEBUG is off."
    )


def test_debug_off_with_a_real_key_turns_the_security_settings_on(tmp_path):
    values = read_settings(tmp_path, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=a_secret(50))

    assert values["DEBUG"] is False
    # No host is trusted until DJANGO_ALLOWED_HOSTS names one.
    assert values["ALLOWED_HOSTS"] == []
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"DJANGO_DEBUG": "maybe"},
            "DJANGO_DEBUG must be one of true/false/1/0/yes/no/on/off, not 'maybe'",
        ),
        (
            {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": a_secret(60), "DJANGO_SESSION_COOKIE_SECURE": "ja"},
            "DJANGO_SESSION_COOKIE_SECURE must be one of true/false/1/0/yes/no/on/off, not 'ja'",
        ),
        ({"CELERY_TASK_TIME_LIMIT": "ten"}, "CELERY_TASK_TIME_LIMIT must be a whole number, not 'ten'"),
        (
            {"TEPAI_LOGIN_MAX_FAILURES_PER_ACCOUNT": "0"},
            "The TEPAI_LOGIN_* limits and TEPAI_LOGIN_LOCKOUT_SECONDS must be at least 1",
        ),
        (
            {"DATABASE_URL": "mysql://root@127.0.0.1:3306/tepai"},
            "DATABASE_URL must be a postgresql:// or sqlite:// URL",
        ),
        ({"TEPAI_EXPORT_MAX_ROWS": "0"}, "TEPAI_EXPORT_MAX_ROWS must be at least 1"),
    ],
    ids=["bad boolean", "bad boolean when debug is off", "bad number", "sign-in limit of 0", "unsupported database", "export cap of 0"],
)
def test_a_bad_value_fails_loudly(tmp_path, variables, expected):
    assert refusal(tmp_path, **variables) == f"django.core.exceptions.ImproperlyConfigured: {expected}"


def test_database_url_switches_to_postgresql(tmp_path):
    values = read_settings(tmp_path, DATABASE_URL="postgresql://tepai:s3cret@db.tepai.internal:5433/tepai")

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert (values["NAME"], values["HOST"], values["PORT"], values["USER"]) == ("tepai", "db.tepai.internal", 5433, "tepai")
    assert values["CONN_MAX_AGE"] == 60
    assert not (tmp_path / "data").exists()


def test_database_conn_max_age_is_read(tmp_path):
    values = read_settings(tmp_path, DATABASE_URL="postgres://tepai@127.0.0.1/tepai", DATABASE_CONN_MAX_AGE="0")

    assert values["ENGINE"] == "django.db.backends.postgresql"
    assert values["CONN_MAX_AGE"] == 0


def test_cache_url_switches_to_a_shared_redis_cache(tmp_path):
    assert read_settings(tmp_path)["CACHE_BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"

    values = read_settings(tmp_path, CACHE_URL="redis://127.0.0.1:6379/1")

    assert (values["CACHE_BACKEND"], values["CACHE_LOCATION"]) == ("django.core.cache.backends.redis.RedisCache", "redis://127.0.0.1:6379/1")
    assert refusal(tmp_path, CACHE_URL="memcached://127.0.0.1:11211") == (
        "django.core.exceptions.ImproperlyConfigured: CACHE_URL must be a redis://, rediss:// or unix:// URL"
    )


def test_a_broker_turns_eager_tasks_off_and_doubles_as_result_backend(tmp_path):
    values = read_settings(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:6379/3")

    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["CELERY_RESULT_BACKEND"] == "redis://127.0.0.1:6379/3"


def readme_production_environment():
    """The variables of README.md's production block, each <placeholder> filled with a fresh secret."""
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```sh\n# Production environment[^\n]*\n(.*?)```", readme, re.S)
    assert block, "README.md has lost its production environment block"
    variables = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        variables[name] = re.sub(r"<[^>]*>", lambda _placeholder: a_secret(64), value)
    return variables


# slow: `manage.py check --deploy` in a fresh process (3 to 5 s here); the whole suite (scripts/test.sh) runs it.
@pytest.mark.slow
def test_check_deploy_reports_nothing_with_the_readme_production_settings(tmp_path):
    variables = readme_production_environment()
    assert variables["DJANGO_DEBUG"] == "0"
    assert variables["DJANGO_ALLOWED_HOSTS"] == "tepai.example.gov.cn"

    run = run_python(tmp_path, ["manage.py", "check", "--deploy"], **variables)

    assert run.returncode == 0, run.stderr
    assert run.stdout == "System check identified no issues (0 silenced).\n"
    assert "WARNINGS" not in run.stderr


# slow: `manage.py check --deploy` in a fresh process (3 to 5 s here); the whole suite (scripts/test.sh) runs it.
@pytest.mark.slow
def test_check_deploy_warns_when_failed_sign_ins_are_counted_per_process(tmp_path):
    variables = readme_production_environment()
    del variables["CACHE_URL"]

    run = run_python(tmp_path, ["manage.py", "check", "--deploy"], **variables)

    assert run.returncode == 0, run.stderr
    assert "(tepai.W001) The default cache is not shared between processes" in run.stderr


def test_readme_documents_every_variable_the_settings_read():
    source = (BASE_DIR / "config" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""", source))
    readme = (BASE_DIR / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", readme, re.M))

    assert "DJANGO_SECRET_KEY" in read
    assert sorted(read - documented) == []
