/* The coverage statuses' colours, labels and hatching: villages/palette.py's, the print maps' own,
 * as the server wrote them into the page (base.html's #tepai-palette, from
 * frontend/context_processors.py). No script holds a copy of them.
 *
 *   import {statusLabel, svgFill, addHatchPatterns} from "./palette.js";
 *   addHatchPatterns();                 // once, before drawing: the hatched statuses' SVG patterns
 *   path.setAttribute("fill", svgFill("uncovered"));   // "url(#tepai-hatch-uncovered)"
 *
 * `statuses` is {status: {colour, label, hatched}} in the page's language; `hatch` is how the web
 * draws the hatch: stripes `width` pixels wide every `spacing` pixels, in `colour`, rising to the
 * right (the print maps' "////"). The style sheets get the same palette as CSS custom properties.
 */
const data = JSON.parse(document.getElementById("tepai-palette").textContent);

export const statuses = data.statuses;
export const hatch = data.hatch;

const SVG = "http://www.w3.org/2000/svg";
const PATTERNS_ID = "tepai-hatch-patterns";

export function statusLabel(status) {
  return statuses[status] ? statuses[status].label : status;
}

export function hatchPatternId(status) {
  return "tepai-hatch-" + status;
}

/* An SVG fill for a status: its colour, or its hatch pattern where the palette hatches it. An unknown
 * status is drawn as a community (not counted). */
export function svgFill(status) {
  const known = statuses[status] ? status : "community";
  return statuses[known].hatched ? "url(#" + hatchPatternId(known) + ")" : statuses[known].colour;
}

function svgElement(name, attributes, ...children) {
  const node = document.createElementNS(SVG, name);
  Object.entries(attributes).forEach(([attribute, value]) => node.setAttribute(attribute, value));
  node.append(...children);
  return node;
}

/* The hatched statuses' <pattern>s, once per document: the colour with stripes across it. They live
 * in a hidden <svg> of their own, since a fill="url(#...)" may name a pattern anywhere in the
 * document (Leaflet's renderer redraws its own <svg>). Not display:none, where patterns are not drawn. */
export function addHatchPatterns() {
  if (document.getElementById(PATTERNS_ID)) {
    return;
  }
  const patterns = Object.entries(statuses).filter(([, entry]) => entry.hatched).map(([status, entry]) => svgElement(
    // A vertical stripe in a square tile, the tile turned 45 degrees: stripes rising to the right.
    "pattern", {
      id: hatchPatternId(status), "data-status": status, patternUnits: "userSpaceOnUse",
      width: hatch.spacing, height: hatch.spacing, patternTransform: "rotate(45)",
    },
    svgElement("rect", {class: "hatch-ground", width: hatch.spacing, height: hatch.spacing, fill: entry.colour}),
    svgElement("rect", {class: "hatch-stripe", width: hatch.width, height: hatch.spacing, fill: hatch.colour}),
  ));
  document.body.append(svgElement(
    "svg", {id: PATTERNS_ID, width: 0, height: 0, "aria-hidden": "true", focusable: "false", style: "position: absolute"},
    svgElement("defs", {}, ...patterns),
  ));
}

/* A canvas fill for a status (Leaflet's canvas renderer hands fillColor to the context's fillStyle):
 * its colour, or for a hatched status a CanvasPattern of the same stripes as the SVG pattern. */
const canvasPatterns = {};
export function canvasFill(status) {
  const known = statuses[status] ? status : "community";
  const entry = statuses[known];
  if (!entry.hatched) {
    return entry.colour;
  }
  if (!canvasPatterns[known]) {
    const tile = document.createElement("canvas");
    tile.width = tile.height = hatch.spacing;
    const context = tile.getContext("2d");
    context.fillStyle = entry.colour;
    context.fillRect(0, 0, hatch.spacing, hatch.spacing);
    context.fillStyle = hatch.colour;
    context.fillRect(0, 0, hatch.width, hatch.spacing);
    const pattern = context.createPattern(tile, "repeat");
    pattern.setTransform(new DOMMatrix().rotate(45));
    canvasPatterns[known] = pattern;
  }
  return canvasPatterns[known];
}
