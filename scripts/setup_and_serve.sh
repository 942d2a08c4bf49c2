#!/usr/bin/env bash
# Creates .venv, installs Tepai, migrates, loads the demo and serves it on 127.0.0.1:8000
# (or the address given as the first argument). Safe to run again: every step is idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_common.sh

address=${1:-127.0.0.1:8000}

# fonts-noto-cjk lets maps draw Chinese names; gettext recompiles the Chinese catalogue.
ensure_debian_packages fonts-noto-cjk gettext
ensure_venv requirements.txt
compile_translations
say "Migrating the database"
.venv/bin/python manage.py migrate --no-input
say "Loading the demo (Bengbu, 2022)"
.venv/bin/python manage.py load_demo
# No collectstatic: with DJANGO_DEBUG on (the default), runserver serves the apps' static files itself.

cat <<MESSAGE

==> Tepai is starting. Open http://$address/ (Ctrl-C stops it).
    请打开 http://$address/ 并用演示账号登录，密码均为 tepai-demo。
    Demo logins, all with the password tepai-demo (load_demo listed what each may see, above):
      leader, leader-wuhe                                    the dashboard
      admin (superuser), coordinator, coordinator-huaiyuan   the dashboard; staff also /admin/
      specialist                                             the specialist's page

MESSAGE
exec .venv/bin/python manage.py runserver "$address"
