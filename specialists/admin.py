"""Admin for specialists, teams, assignments and what they achieve: each concept's admin module
(specialists/<concept>/admin.py) registers its models; this one, which Django's autodiscovery reads,
imports them and sets the site's titles.

Every list page loads the rows it shows in a fixed number of queries: foreign keys through
select_related (with the joined villages' and counties' boundaries deferred), many-to-many columns
through one prefetch, counts through annotations. Writes with rules go through the services
(assignments are created by theirs and never edited in place), the rest through full_clean(), so
the admin obeys the same rules as the API and the pages.

Who may use it: superusers, and coordinators of the whole deployment with the permissions their role carries
(specialists/access/backends.py). A coordinator manages users and their roles here, but only users
whose every power comes from a role (users_coordinators_manage), and never sets a user's superuser
flag, permissions, groups or staff flag: staff follows the role (specialists/access/signals.py).
"""


from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# Each concept registers its own models.
from specialists.access import admin as access_admin  # noqa: F401
from specialists.access.throttle import ThrottledAdminAuthenticationForm
from specialists.assignments import admin as assignments_admin  # noqa: F401
from specialists.coverage import admin as coverage_admin  # noqa: F401
from specialists.fieldwork import admin as fieldwork_admin  # noqa: F401
from specialists.imports import admin as imports_admin  # noqa: F401
from specialists.people import admin as people_admin  # noqa: F401

admin.site.site_header = _("Tepai: science and technology specialists")
admin.site.site_title = _("Tepai administration")
# Django's own message, so that it reads 站点管理 from Django's catalogue.
admin.site.index_title = _("Site administration")
# The admin's sign-in obeys the same failure limits as the pages and the API.
admin.site.login_form = ThrottledAdminAuthenticationForm
