"""The one palette of coverage statuses, for the web maps, their legends and the print maps alike.

Colour-blind safe: blue, orange and red (the ends and middle of ColorBrewer's RdYlBu) keep covered,
at-risk and uncovered villages apart under the common red-green deficiencies (deuteranopia,
protanopia) and under tritanopia, where green / amber / red did not. Uncovered areas are also
hatched, so that they stand out in greyscale print and for anyone who tells no colours apart.
The pages receive this palette from the server (frontend's page frame writes it into every page),
never a copy of it in a script or style sheet.
"""

from django.utils.translation import gettext_lazy as _

# Village classes on a coverage map. At risk villages are covered, but every assignment serving
# them ends within the at-risk window; communities are not counted for coverage.
COVERED, AT_RISK, UNCOVERED, COMMUNITY = "covered", "at_risk", "uncovered", "community"
VILLAGE_STATUSES = (COVERED, AT_RISK, UNCOVERED, COMMUNITY)
# Key industry classes per county-level unit on the industry map.
GAP, NOT_KEY = "gap", "not_key"

COLOURS = {
    COVERED: "#2c7fb8",
    AT_RISK: "#fdae61",
    UNCOVERED: "#d7191c",
    COMMUNITY: "#dddddd",
    GAP: "#d7191c",
    NOT_KEY: "#eeeeee",
}
# The classes drawn with a hatch over their colour.
HATCHED = frozenset({UNCOVERED, GAP})
# Matplotlib's hatch pattern for them, and the stroke colour of the hatch.
HATCH, HATCH_COLOUR = "////", "#ffffff"

LABELS = {
    COVERED: _("Covered"),
    AT_RISK: _("At risk"),
    UNCOVERED: _("Uncovered"),
    COMMUNITY: _("Community (not counted)"),
    GAP: _("No team"),
    NOT_KEY: _("Not a key industry here"),
}

# County-level units by village coverage rate (aggregated maps): lower bound, colour.
RATE_CLASSES = ((1.0, "#2c7fb8"), (0.95, "#abd9e9"), (0.8, "#fdae61"), (0.0, "#d7191c"))
NO_VILLAGES_COLOUR = "#eeeeee"


def palette_for_pages():
    """The palette as the pages read it: {status: {"colour", "label", "hatched"}} in the active language."""
    return {
        status: {"colour": COLOURS[status], "label": str(LABELS[status]), "hatched": status in HATCHED}
        for status in (*VILLAGE_STATUSES, GAP, NOT_KEY)
    }
