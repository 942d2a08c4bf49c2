"""The pages: views over the access selectors and services, rendered with Django templates.

How to add a page (see frontend/README-frontend.md for the whole recipe):

1. Write the view here, or in a module of its own, decorated with `@page(Role.X, ...)`: it shows
   the page in the chosen language, requires a signed-in person with one of those roles, and puts
   their Scope on `request.scope`. Read rows only through the selectors (`specialists.<concept>.selectors`,
   `specialists.access.divisions`: `*_for(request.user)`), and resolve the place a page is about with
   `specialists.access.places.place_for`, as the API does.
2. Route it in frontend/urls.py under the name the menu uses (`frontend:desk`, `frontend:mobile`),
   or add a NavItem in frontend/navigation.py.
3. Extend `frontend/base.html`; load the page's entry module in `{% block scripts %}` and call the API
   with `api` imported from static/frontend/js/api.js.
4. Test it: plain client tests beside tests/frontend/test_views.py and a browser test with the
   `page` fixture of tests/frontend/conftest.py.
"""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.i18n import JavaScriptCatalog

from frontend.forms import DashboardForm
from frontend.navigation import home_url_for
from frontend.pages import in_page_language, page
from specialists.access import scope as access
from specialists.coverage.queries import coverage_for
from specialists.access.throttle import ThrottledAuthenticationForm
from specialists.access.models import UserRole
from specialists.access.places import place_for
from specialists.reports.figures import figure_rows, headline_figures
from specialists.access.divisions import counties_for, villages_for
from specialists.people.selectors import specialists_for
from villages import palette

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


def _percent(rate):
    return f"{rate * 100:.1f}%"


# County-level rows per page of the dashboard's table: a province has about a hundred, the nation 2,500.
COUNTY_ROWS_PER_PAGE = 50
# The industry matrix is drawn for at most this many units (a province); wider, the tables' industry
# columns say it, and choosing a unit shows its matrix (the nation's would be 2,500 rows by every industry).
MATRIX_MAX_UNITS = 200


def _county_page(request, counties):
    """The page of county-level rows asked for (`county_page`, the first when missing or not a page), and
    the query string of every other parameter, for the links to the other pages."""
    paginator = Paginator(counties, COUNTY_ROWS_PER_PAGE)
    rows = paginator.get_page(request.GET.get("county_page"))
    others = request.GET.copy()
    others.pop("county_page", None)
    return rows, others.urlencode()


@page(Role.LEADER, Role.COORDINATOR)
def dashboard(request):
    """The leaders' dashboard for a place: its headline figures, coverage by county-level unit, the map,
    the industry matrix.

    The place is the person's own (their unit, city or province; everything for a role of the whole
    deployment), or one county-level unit of it they choose; the title, the figures, the coverage
    and the maps all follow it (specialists.access.places resolves it, as for the API).
    """
    scope = request.scope
    counties = list(counties_for(request.user).order_by("code"))
    years = list(specialists_for(request.user).order_by("-year_selected").values_list("year_selected", flat=True).distinct())
    data = request.GET.copy()
    data.setdefault("as_of", timezone.localdate().isoformat())  # so that the date field shows the day it is
    form = DashboardForm(data, years=years, counties=counties, city_wide=scope.is_city_wide)
    valid = form.is_valid()
    chosen = form.choices()
    place = place_for(request.user, county=chosen["county"].code if chosen["county"] else None)

    coverage = coverage_for(as_of=chosen["as_of"], place=place)
    figures = headline_figures(year=chosen["year"], place=place)
    total = coverage.total
    map_config = {
        "asOf": chosen["as_of"].isoformat(),
        "county": place.county.code if place.county else "",
        "tileUrl": settings.TEPAI_MAP_TILE_URL,
        "tileAttribution": settings.TEPAI_MAP_TILE_ATTRIBUTION,
        "dashboardUrl": reverse("frontend:dashboard"),
        # Above the limit the map starts unit by unit, coloured by rate, and loads villages as it zooms in.
        "byUnit": total.villages_total > settings.TEPAI_MAP_VILLAGE_LIMIT,
        "rateClasses": [[bound, colour] for bound, colour in palette.RATE_CLASSES],
        "noVillagesColour": palette.NO_VILLAGES_COLOUR,
        # The legend's counts while the villages are not all on the map.
        "matrix": len(coverage.counties) <= MATRIX_MAX_UNITS,
        "statusCounts": {palette.COVERED: total.villages_covered - total.villages_at_risk, palette.AT_RISK: total.villages_at_risk,
                         palette.UNCOVERED: total.villages_uncovered},
    }
    county_rows, county_query = _county_page(request, coverage.counties)
    context = {
        "form": form,
        "county": place.county,
        "place_name": coverage.place_name,
        "year": chosen["year"],
        "as_of": chosen["as_of"],
        "figures": figure_rows(figures),
        "coverage": coverage,
        "total": coverage.total,
        "total_rate": _percent(coverage.total.village_rate),
        "county_rows": [(tally, _percent(tally.village_rate)) for tally in county_rows],
        "county_page": county_rows,
        "county_query": county_query,
        # A province's or the nation's cities, when there are several: the county rows come a page at a time.
        "city_rows": [(tally, _percent(tally.village_rate)) for tally in coverage.cities] if len(coverage.cities) > 1 else [],
        "synthetic": villages_for(request.user).filter(synthetic=True).exists(),
        "map_config": map_config,
        "map_formats": [("png", "PNG"), ("pdf", "PDF"), ("gpkg", "GeoPackage")],
    }
    return render(request, "frontend/dashboard.html", context, status=200 if valid else 400)
