"""What the page frame (base.html) takes from the server for every page: the status palette.

The colours, labels and hatching of coverage statuses are villages/palette.py's, the same the print
maps use. base.html writes them into every page twice, so that no script or style sheet holds a copy:

- as JSON (`#tepai-palette`, read by static/frontend/js/palette.js): `statuses` is exactly
  `palette_for_pages()` in the page's language, `hatch` how the web draws the hatch;
- as CSS (`_palette.html`): an element with the class `status-<status>` gets `--status` (the
  colour), `--status-ink` (text drawn on it), `--status-tint` (a light background of it) and
  `--status-fill` (the colour, hatched where the palette hatches), which tepai.css's legend swatches,
  badges and cells use.
"""

from villages import palette

# The web's hatch, the print maps' "////" (palette.HATCH) at screen size: stripes HATCH_WIDTH_PX wide
# every HATCH_SPACING_PX, rising to the right, over the status colour. The CSS swatches below and
# the map's SVG pattern (palette.js, from the JSON) both draw it from these two numbers.
HATCH_SPACING_PX = 6
HATCH_WIDTH_PX = 2
# Text on a status colour: tepai.css's --ink or white, whichever stands out more (WCAG contrast).
DARK_INK, LIGHT_INK = "#1d2521", "#ffffff"
# A tint is this much of the colour on white: a background that dark text stays readable on.
TINT_SHARE = 0.2


def _rgb(colour):
    value = colour.lstrip("#")
    if len(value) != 6:
        raise ValueError(f"a palette colour is #rrggbb, not {colour!r}")
    return tuple(int(value[index:index + 2], 16) for index in (0, 2, 4))


def _luminance(colour):
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second):
    """WCAG's contrast ratio of two colours, from 1 (the same) to 21 (black on white)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def ink_on(colour):
    return max((DARK_INK, LIGHT_INK), key=lambda ink: contrast(ink, colour))


def tint_of(colour):
    return "#" + "".join(f"{round(255 + (channel - 255) * TINT_SHARE):02x}" for channel in _rgb(colour))


def fill_of(colour, hatched):
    """A CSS background: the colour, or the colour under the hatch's stripes."""
    if not hatched:
        return colour
    stripe = palette.HATCH_COLOUR
    # -45deg: the stripes rise to the right, as "////" does.
    return f"repeating-linear-gradient(-45deg, {stripe} 0 {HATCH_WIDTH_PX}px, {colour} {HATCH_WIDTH_PX}px {HATCH_SPACING_PX}px)"


def status_palette(request):
    """The palette for base.html: `status_palette` (the JSON), `status_styles` (the CSS) and
    `village_statuses` (the village classes in legend order, for the maps' legends)."""
    statuses = palette.palette_for_pages()
    return {
        "status_palette": {
            "statuses": statuses,
            "hatch": {"colour": palette.HATCH_COLOUR, "spacing": HATCH_SPACING_PX, "width": HATCH_WIDTH_PX},
        },
        "status_styles": [
            {
                "status": status,
                "colour": entry["colour"],
                "ink": ink_on(entry["colour"]),
                "tint": tint_of(entry["colour"]),
                "fill": fill_of(entry["colour"], entry["hatched"]),
            }
            for status, entry in statuses.items()
        ],
        "village_statuses": [{"status": status, **statuses[status]} for status in palette.VILLAGE_STATUSES],
    }
