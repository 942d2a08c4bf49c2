"""The pages: views over the access selectors and services, rendered with Django templates.

How to add a page (see frontend/README-frontend.md for the whole recipe):

1. Write the view here, or in a module of its own, decorated with `@page(Role.X, ...)`: it shows
   the page in the chosen language, requires a signed-in person with one of those roles, and puts
   their Scope on `request.scope`. Read rows only through `specialists.access.*_for(request.user)`.
2. Route it in frontend/urls.py under the name the menu uses (`frontend:desk`, `frontend:mobile`),
   or add a NavItem in frontend/navigation.py.
3. Extend `frontend/base.html`; put page scripts in `{% block scripts %}` and call the API with
   `Tepai.api` from static/frontend/js/api.js.
4. Test it: plain client tests beside tests/frontend/test_views.py and a browser test with the
   `page` fixture of tests/frontend/conftest.py.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog

from frontend.forms import DashboardForm
from frontend.navigation import home_url_for
from frontend.pages import in_page_language, page
from specialists.access import scope as access
from specialists.coverage.queries import coverage_for
from specialists.access.throttle import ThrottledAuthenticationForm
from specialists.access.models import UserRole
from specialists.reports.figures import headline_figures

Role = UserRole.Role


class LoginView(auth_views.LoginView):
    """Sign-in through the throttled form: a locked account or address answers 429 with the time to wait."""

    template_name = "frontend/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "throttled" for error in form.non_field_errors().as_data()):
            response.status_code = 429
        return response


login = in_page_language(LoginView.as_view())
logout = in_page_language(auth_views.LogoutView.as_view())


@in_page_language
def javascript_catalog(request):
    """The scripts' translations (gettext() in JavaScript) in the page's language."""
    response = JavaScriptCatalog.as_view()(request)
    patch_vary_headers(response, ["Cookie"])
    return response


@in_page_language
def home(request):
    """Send each role to its own page; a person with no role gets a page saying so."""
    if not request.user.is_authenticated:
        return auth_views.redirect_to_login(request.get_full_path())
    url = home_url_for(request.user)
    if url is not None:
        return redirect(url)
    reason = "no_role" if not access.scope_for(request.user).has_access else "no_page"
    return render(request, "frontend/no_access.html", {"reason": reason}, status=403)


def _yuan(amount):
    return _("%(amount)s yuan") % {"amount": f"{amount:,}"}


def _figure_rows(figures):
    """The headline figures with the labels of `manage.py figures`."""
    count = "{:,}".format
    return [
        (_("Specialists selected"), count(figures["specialists"])),
        (_("of whom college-student specialists"), count(figures["college_student_specialists"])),
        (_("Rated provincial excellent specialists"), count(figures["excellent_specialists"])),
        (_("Specialist teams"), count(figures["teams"])),
        (_("Economic entities led or founded by specialists"), count(figures["enterprises"])),
        (_("Income increase of farmers and new agricultural businesses"), _yuan(figures["farmer_income_increase_yuan"])),
        (_("Income increase of village collectives"), _yuan(figures["collective_income_increase_yuan"])),
        (_("Industry problems analysed"), count(figures["industry_problems"])),
        (_("Countermeasures made"), count(figures["countermeasures"])),
        (_("County-level units"), count(figures["county_units"])),
        (_("Towns"), count(figures["towns"])),
        (_("Administrative villages"), count(figures["administrative_villages"])),
    ]


def _percent(rate):
    return f"{rate * 100:.1f}%"


@page(Role.LEADER, Role.COORDINATOR)
def dashboard(request):
    """The leaders' dashboard: headline figures, coverage by county-level unit, the map, the industry matrix.

    Scope: a county-level person sees their own unit's coverage only, and not the city's headline
    figures (city-wide totals, which include the other units); a city-wide person sees both and
    may narrow the coverage to one unit.
    """
    scope = request.scope
    counties = list(access.counties_for(request.user).order_by("code"))
    years = []
    if scope.is_city_wide:
        years = list(
            access.specialists_for(request.user).order_by("-year_selected").values_list("year_selected", flat=True).distinct()
        )
    data = request.GET.copy()
    data.setdefault("as_of", timezone.localdate().isoformat())  # so that the date field shows the day it is
    form = DashboardForm(data, years=years, counties=counties, city_wide=scope.is_city_wide)
    valid = form.is_valid()
    chosen = form.choices()
    county = scope.county if scope.is_county else chosen["county"]

    coverage = coverage_for(as_of=chosen["as_of"], county=county)
    figures = headline_figures(year=chosen["year"]) if scope.is_city_wide else None
    map_config = {
        "asOf": chosen["as_of"].isoformat(),
        "county": county.code if county else "",
        "tileUrl": settings.TEPAI_MAP_TILE_URL,
        "tileAttribution": settings.TEPAI_MAP_TILE_ATTRIBUTION,
        "dashboardUrl": reverse("frontend:dashboard"),
    }
    context = {
        "form": form,
        "county": county,
        "year": chosen["year"],
        "as_of": chosen["as_of"],
        "figures": _figure_rows(figures) if figures else None,
        "coverage": coverage,
        "total": coverage.city,
        "total_rate": _percent(coverage.city.village_rate),
        "county_rows": [(tally, _percent(tally.village_rate)) for tally in coverage.counties],
        "synthetic": access.villages_for(request.user).filter(synthetic=True).exists(),
        "map_config": map_config,
        "map_formats": [("png", "PNG"), ("pdf", "PDF"), ("gpkg", "GeoPackage")],
    }
    return render(request, "frontend/dashboard.html", context, status=200 if valid else 400)
