/* The coverage map, drawn by the leaders' dashboard and the coordinators' desk alike: the villages
 * coloured by status (uncovered ones hatched, in the palette the server writes into the page), the
 * town and county-level borders, the legend's counts, and each village's popup.
 *
 *   import {coverageMap} from "./coverage-map.js";
 *   const coverage = coverageMap(container, {asOf, county, tileUrl, tileAttribution, legend, status, popupExtra});
 *   await coverage.reload();      // after a change: the villages' coverage read again and redrawn
 *
 * options: asOf (the day), county ("" for the whole scope), tileUrl and tileAttribution (no tiles
 * when empty), legend (the legend list, frontend/_coverage_legend.html, whose li[data-status] get the
 * counts), status (where loading messages go), and popupExtra(properties), which may return a node to
 * add to a village's popup. Returns {map, ready, reload, focus}: reload() reads the villages' coverage
 * again and recolours them, keeping the view; focus(code) zooms to a village and opens its popup.
 *
 * Leaflet is not imported: it stays the classic script the page loads before its module (modules
 * are deferred, so `L` is defined by the time this one runs). django-js-lib-leaflet ships its ES
 * module build only unminified (leaflet-src.esm.js, 425 kB against leaflet.js's 148 kB), an import
 * would be found only once this file had been fetched and read (one more round trip before the map
 * library even starts to load), and its path would reach out of our own static folder.
 */
import {api, element, showError} from "./api.js";
import {addHatchPatterns, statusLabel, svgFill} from "./palette.js";

const LOG_KINDS = {
  visit: gettext("Visit"),
  training: gettext("Training"),
  consultation: gettext("Consultation"),
  demonstration: gettext("Demonstration"),
};
// Simplification of the village boundaries sent to the page, in metres: invisible at city zoom.
const TOLERANCE_M = 20;
// Border lines: the legend's line swatches (tepai.css) draw the same.
const TOWN_BORDER = {color: "#546e7a", weight: 1.2, dashArray: "4 3", fill: false};
const COUNTY_BORDER = {color: "#263238", weight: 2.5, fill: false};
// Where the map starts when there is nothing to zoom to: Bengbu.
const CITY_CENTRE = [32.9, 117.4];

function villageStyle(feature) {
  const status = feature.properties.status;
  return {
    className: "village status-" + status + " village-" + feature.properties.code,
    fillColor: svgFill(status),
    fillOpacity: 0.8,
    color: "#ffffff",
    weight: 0.7,
  };
}

// A log's photo as a small thumbnail that opens the whole photo (served by the API to whoever sees the log).
function photoLink(photo, index, photos) {
  const label = interpolate(gettext("Photo %(number)s of %(count)s of this service (opens in a new tab)"),
    {number: index + 1, count: photos.length}, true);
  // At most 48 pixels either way, its shape kept.
  const scale = 48 / Math.max(photo.width, photo.height);
  return element(
    "a", {class: "log-photo", href: photo.url, target: "_blank", rel: "noopener"},
    element("img", {
      // The API's small JPEG of it (a few kilobytes), not the stored photo: a popup may show many.
      src: photo.url + "?size=thumbnail", alt: label, loading: "lazy",
      width: Math.max(1, Math.round(photo.width * scale)), height: Math.max(1, Math.round(photo.height * scale)),
    }),
  );
}

/* A village's popup: name, place, status, what the page adds, then who serves it and its recent service. */
function popupContent(properties, config) {
  const box = element("div", {class: "village-popup", "data-code": properties.code});
  box.append(
    element("h3", {translate: "no", text: properties.name}),
    element("div", {class: "muted", translate: "no", text: [properties.code, properties.town_name, properties.county_name].join(" · ")}),
    element("span", {class: "status-badge status-" + properties.status, text: statusLabel(properties.status)}),
  );
  const extra = config.popupExtra ? config.popupExtra(properties) : null;
  if (extra) {
    box.append(extra);
  }
  if (properties.kind === "community") {
    return box;
  }
  const specialists = element("div", {class: "popup-specialists"}, element("p", {class: "muted", text: gettext("Loading…")}));
  const logs = element("div", {class: "popup-logs"}, element("p", {class: "muted", text: gettext("Loading…")}));
  box.append(element("h4", {text: gettext("Specialists serving it")}), specialists, element("h4", {text: gettext("Recent service")}), logs);

  api.get("village-assignments/", {village: properties.code, running_on: config.asOf, page_size: 100}).then((data) => {
    const rows = data.results.map((assignment) => element(
      "li", {},
      element("span", {translate: "no", text: assignment.specialist.name}),
      " ",
      element("span", {class: "muted", text: assignment.end_date
        ? interpolate(gettext("%(start)s to %(end)s"), {start: assignment.start_date, end: assignment.end_date}, true)
        : interpolate(gettext("since %(start)s"), {start: assignment.start_date}, true)}),
    ));
    specialists.replaceChildren(rows.length ? element("ul", {}, ...rows) : element("p", {class: "muted", text: gettext("None on this day.")}));
  }).catch((error) => showError(error, specialists));

  api.get("service-logs/", {village: properties.code, ordering: "-occurred_at", page_size: 5}).then((data) => {
    const rows = data.results.map((log) => element(
      "li", {},
      element("span", {translate: "no", text: log.occurred_at.slice(0, 10) + " "}),
      LOG_KINDS[log.kind] || log.kind,
      element("span", {translate: "no", text: " · " + log.specialist.name + " · " + log.description}),
      ...(log.photos || []).flatMap((photo, index, photos) => [" ", photoLink(photo, index, photos)]),
    ));
    logs.replaceChildren(rows.length ? element("ul", {}, ...rows) : element("p", {class: "muted", text: gettext("No service logged yet.")}));
  }).catch((error) => showError(error, logs));
  return box;
}

function showLegendCounts(legend, features) {
  const counts = {};
  features.forEach((feature) => {
    counts[feature.properties.status] = (counts[feature.properties.status] || 0) + 1;
  });
  legend.querySelectorAll("li[data-status]").forEach((item) => {
    item.querySelector(".count").textContent = "(" + (counts[item.dataset.status] || 0) + ")";
  });
}

export function coverageMap(container, config) {
  const L = window.L;
  const mapStatus = config.status;
  addHatchPatterns();
  const map = L.map(container, {attributionControl: Boolean(config.tileUrl), zoomControl: false, zoomSnap: 0.25});
  // Leaflet's own zoom buttons carry English titles; these are translated.
  L.control.zoom({zoomInTitle: gettext("Zoom in"), zoomOutTitle: gettext("Zoom out")}).addTo(map);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, {attribution: config.tileAttribution, maxZoom: 18}).addTo(map);
    map.attributionControl.setPrefix(false);
  }
  // Leaflet names the popup's close button in English.
  map.on("popupopen", (event) => {
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", gettext("Close"));
    }
  });
  // Borders above the villages, and not clickable, so that a click always reaches a village.
  map.createPane("borders").style.zIndex = 450;
  map.getPane("borders").style.pointerEvents = "none";

  const villageLayer = L.geoJSON(null, {
    style: villageStyle,
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(element("span", {translate: "no", text: feature.properties.name}), {sticky: true});
      layer.bindPopup(() => popupContent(feature.properties, config), {maxWidth: 320});
    },
  }).addTo(map);

  function villagesOf(scope) {
    return api.get("villages/geojson/", Object.assign({as_of: config.asOf, kind: "all", tolerance: TOLERANCE_M}, scope));
  }

  function showVillages(villages) {
    villageLayer.clearLayers();
    villageLayer.addData(villages);
    showLegendCounts(config.legend, villages.features);
  }

  async function loadMap() {
    mapStatus.textContent = gettext("Loading the map…");
    const scope = {county: config.county};
    const [counties, towns, villages] = await Promise.all([
      api.get("counties/geojson/", scope),
      api.get("towns/geojson/", scope),
      villagesOf(scope),
    ]);
    const countyFeatures = counties.features.filter((f) => !config.county || f.properties.code === config.county);
    showVillages(villages);
    L.geoJSON(towns, {pane: "borders", interactive: false, style: TOWN_BORDER}).addTo(map);
    const countyLayer = L.geoJSON({type: "FeatureCollection", features: countyFeatures}, {
      pane: "borders", interactive: false, style: COUNTY_BORDER,
    }).addTo(map);

    // Zoom to the chosen unit's villages (a development zone has no boundary of its own), else the city.
    const bounds = config.county && villageLayer.getLayers().length ? villageLayer.getBounds()
      : countyLayer.getLayers().length ? countyLayer.getBounds() : villageLayer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, {padding: [12, 12]});
    } else {
      map.setView(CITY_CENTRE, 8);
    }
    mapStatus.textContent = villages.features.length ? "" : gettext("No villages to show.");
  }

  const ready = loadMap().catch((error) => {
    mapStatus.textContent = "";
    showError(error);
  });
  return {
    map: map,
    ready: ready,
    // After the first load, so that the two never draw the villages twice.
    reload: () => ready.then(() => villagesOf({county: config.county})).then(showVillages),
    // Zoom to one village and open its popup; false when it is not on the map.
    focus: (code) => {
      const layer = villageLayer.getLayers().find((one) => one.feature.properties.code === code);
      if (!layer) {
        return false;
      }
      map.fitBounds(layer.getBounds(), {maxZoom: 13, padding: [24, 24]});
      layer.openPopup();
      return true;
    },
  };
}
