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
 * With byUnit (a place of more villages than TEPAI_MAP_VILLAGE_LIMIT: a province, the nation), the map
 * starts with the county-level units filled by their village coverage rate (rateClasses, the print
 * maps' classes) and loads the villages and towns of each unit in view once the view is narrow enough
 * (VILLAGE_ZOOM, at most MAX_UNITS_IN_VIEW units), one cached request per unit; a unit whose villages
 * are drawn keeps only its border. Both are drawn on a canvas: for thousands of polygons Leaflet's
 * canvas renderer draws several times faster than one SVG path each (see benchmarks/dashboard_browser.py),
 * and the hatch becomes a CanvasPattern (palette.js). The legend's counts are then the page's
 * (statusCounts). Small places keep the SVG paths (path.village-<code>) the tests and styles read.
 *
 * The container's `coverageMap` property is the handle returned, and its data-drawn attribute says what
 * is drawn ("villages", or "units" while only units are): for tests and the browser benchmark.
 *
 * Leaflet is not imported: it stays the classic script the page loads before its module (modules
 * are deferred, so `L` is defined by the time this one runs). django-js-lib-leaflet ships its ES
 * module build only unminified (leaflet-src.esm.js, 425 kB against leaflet.js's 148 kB), an import
 * would be found only once this file had been fetched and read (one more round trip before the map
 * library even starts to load), and its path would reach out of our own static folder.
 */
import {api, element, showError} from "./api.js";
import {addHatchPatterns, canvasFill, statusLabel, svgFill} from "./palette.js";

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

// byUnit: villages load at this zoom and above, for at most this many units in view at once; the
// villages of this many units are kept, the least recently seen dropped first.
const VILLAGE_ZOOM = 9;
const MAX_UNITS_IN_VIEW = 30;
const MAX_UNITS_KEPT = 60;
// Unit outlines at country or province zoom: a kilometre is under a pixel below zoom 7.
const UNIT_TOLERANCE_M = 500;

function rateColour(rate, config) {
  if (rate === null || rate === undefined) {
    return config.noVillagesColour;
  }
  const found = config.rateClasses.find(([bound]) => rate >= bound);
  return found ? found[1] : config.rateClasses[config.rateClasses.length - 1][1];
}

function percent(value) {
  return (Math.round(value * 1000) / 10) + "%";
}

/* The rate classes under the legend: "100%", "95% to 100%", ... (bounds are the classes' lower ends). */
function rateLegend(legend, config) {
  const items = config.rateClasses.map(([bound, colour], index) => {
    const upper = index ? config.rateClasses[index - 1][0] : null;
    const text = upper === null ? percent(bound)
      : bound === 0 ? interpolate(gettext("under %(upper)s"), {upper: percent(upper)}, true)
        : interpolate(gettext("%(lower)s to %(upper)s"), {lower: percent(bound), upper: percent(upper)}, true);
    return element("li", {class: "rate-class", "data-rate": String(bound)},
      element("span", {class: "swatch", style: "background: " + colour}), element("span", {translate: "no", text: text}));
  });
  legend.append(element("li", {class: "legend-heading", text: gettext("Units zoomed out: village coverage")}), ...items);
}

export function coverageMap(container, config) {
  const handle = config.byUnit ? unitMap(container, config) : villageMap(container, config);
  container.coverageMap = handle;
  handle.ready.then(() => {
    if (!container.dataset.drawn) {
      container.dataset.drawn = "villages";
    }
  });
  return handle;
}

function baseMap(container, config) {
  const L = window.L;
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
  return map;
}

function bindVillage(feature, layer, config) {
  layer.bindTooltip(element("span", {translate: "no", text: feature.properties.name}), {sticky: true});
  layer.bindPopup(() => popupContent(feature.properties, config), {maxWidth: 320});
}

/* A province or the nation: units coloured by rate, then each unit's villages as the view narrows to it. */
function unitMap(container, config) {
  const L = window.L;
  const mapStatus = config.status;
  const map = baseMap(container, config);
  const renderer = L.canvas({padding: 0.3});
  const borderRenderer = L.canvas({padding: 0.3, pane: "borders"});
  const units = new Map();  // code -> {layer (the unit's fill and border), villages, towns, seen, loading}
  let generation = 0;  // bumped by reload(): answers for an older one are dropped

  const legendCounts = config.statusCounts || {};
  config.legend.querySelectorAll("li[data-status]").forEach((item) => {
    const count = legendCounts[item.dataset.status];
    item.querySelector(".count").textContent = count === undefined ? "" : "(" + count + ")";
  });
  rateLegend(config.legend, config);

  function unitStyle(feature) {
    const entry = units.get(feature.properties.code);
    const drawn = entry && entry.villages;
    return Object.assign({}, COUNTY_BORDER, {
      fill: !drawn, fillColor: rateColour(feature.properties.village_rate, config), fillOpacity: 0.85,
      weight: drawn ? COUNTY_BORDER.weight : 0.8, color: drawn ? COUNTY_BORDER.color : "#ffffff",
    });
  }

  function unitTooltip(properties) {
    const rate = properties.village_rate === null ? gettext("no villages")
      : interpolate(gettext("%(rate)s of %(total)s villages covered"), {rate: percent(properties.village_rate), total: properties.villages_total}, true);
    return element("span", {}, element("strong", {translate: "no", text: properties.name}), " ", element("span", {text: rate}));
  }

  const unitLayer = L.geoJSON(null, {
    renderer: renderer,
    style: unitStyle,
    onEachFeature: (feature, layer) => {
      units.set(feature.properties.code, {layer: layer, villages: null, towns: null, seen: 0, loading: null});
      layer.bindTooltip(() => unitTooltip(feature.properties), {sticky: true});
      // A click on a unit zooms to it: its villages follow.
      layer.on("click", () => map.fitBounds(layer.getBounds(), {padding: [12, 12], maxZoom: Math.max(VILLAGE_ZOOM, map.getZoom())}));
    },
  }).addTo(map);

  function villageLayerFor(collection) {
    return L.geoJSON(collection, {
      renderer: renderer,
      style: (feature) => ({fillColor: canvasFill(feature.properties.status), fillOpacity: 0.8, color: "#ffffff", weight: 0.7}),
      onEachFeature: (feature, layer) => bindVillage(feature, layer, config),
    });
  }

  function loadUnit(code, entry) {
    const ours = generation;
    const scope = {county: code};
    entry.loading = Promise.all([
      api.get("villages/geojson/", {as_of: config.asOf, kind: "all", tolerance: TOLERANCE_M, county: code}),
      api.get("towns/geojson/", Object.assign({tolerance: TOLERANCE_M}, scope)),
    ]).then(([villages, towns]) => {
      if (ours !== generation) {
        return;
      }
      entry.villages = villageLayerFor(villages).addTo(map);
      entry.towns = L.geoJSON(towns, {renderer: borderRenderer, pane: "borders", interactive: false, style: TOWN_BORDER}).addTo(map);
      // The unit keeps its border, above its villages, and is no longer clickable.
      entry.layer.setStyle(unitStyle(entry.layer.feature));
      entry.layer.bringToFront();
    }).finally(() => {
      entry.loading = null;
    });
    return entry.loading;
  }

  function dropUnit(entry) {
    [entry.villages, entry.towns].forEach((layer) => layer && map.removeLayer(layer));
    entry.villages = entry.towns = null;
    entry.layer.setStyle(unitStyle(entry.layer.feature));
  }

  // The units in view once it is narrow enough: their villages loaded, the oldest beyond MAX_UNITS_KEPT dropped.
  function showVillagesInView() {
    const view = map.getBounds();
    const inView = map.getZoom() < VILLAGE_ZOOM ? []
      : [...units.entries()].filter(([, entry]) => view.intersects(entry.layer.getBounds()));
    if (inView.length > MAX_UNITS_IN_VIEW) {
      inView.length = 0;
    }
    const now = performance.now();
    const loads = inView.map(([code, entry]) => {
      entry.seen = now;
      return entry.villages ? null : entry.loading || loadUnit(code, entry);
    }).filter(Boolean);
    const kept = [...units.values()].filter((entry) => entry.villages).sort((a, b) => b.seen - a.seen);
    kept.slice(MAX_UNITS_KEPT).forEach(dropUnit);
    if (!loads.length) {
      container.dataset.drawn = inView.length ? "villages" : "units";
      return Promise.resolve();
    }
    mapStatus.textContent = gettext("Loading the villages…");
    container.dataset.drawn = "loading";
    return Promise.all(loads).then(() => {
      mapStatus.textContent = "";
      container.dataset.drawn = "villages";
    });
  }

  async function loadUnits() {
    mapStatus.textContent = gettext("Loading the map…");
    const counties = await api.get("counties/geojson/", {as_of: config.asOf, county: config.county, coverage: "true", tolerance: UNIT_TOLERANCE_M});
    unitLayer.addData(counties);
    const bounds = unitLayer.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, {padding: [12, 12]});
    } else {
      map.setView(CITY_CENTRE, 8);
    }
    mapStatus.textContent = counties.features.length ? "" : gettext("No villages to show.");
    await showVillagesInView();
    map.on("moveend", () => showVillagesInView().catch((error) => showError(error)));
  }

  const ready = loadUnits().catch((error) => {
    mapStatus.textContent = "";
    showError(error);
  });

  function reload() {
    return ready.then(() => {
      generation += 1;
      units.forEach((entry) => {
        entry.loading = null;
        if (entry.villages) {
          dropUnit(entry);
        }
      });
      return api.get("counties/geojson/", {as_of: config.asOf, county: config.county, coverage: "true", tolerance: UNIT_TOLERANCE_M});
    }).then((counties) => {
      units.clear();
      unitLayer.clearLayers();
      unitLayer.addData(counties);
      return showVillagesInView();
    });
  }

  function findVillage(code) {
    for (const entry of units.values()) {
      const layer = entry.villages && entry.villages.getLayers().find((one) => one.feature.properties.code === code);
      if (layer) {
        return layer;
      }
    }
    return null;
  }

  return {
    map: map,
    ready: ready,
    reload: reload,
    // Zoom to one village among those loaded and open its popup; false when it is not loaded.
    focus: (code) => {
      const layer = findVillage(code);
      if (!layer) {
        return false;
      }
      map.fitBounds(layer.getBounds(), {maxZoom: 13, padding: [24, 24]});
      layer.openPopup();
      return true;
    },
    // The village's layer when its unit's villages are loaded (tests, the benchmark).
    village: findVillage,
    units: units,
  };
}

function villageMap(container, config) {
  const L = window.L;
  const mapStatus = config.status;
  addHatchPatterns();
  const map = baseMap(container, config);

  const villageLayer = L.geoJSON(null, {
    style: villageStyle,
    onEachFeature: (feature, layer) => bindVillage(feature, layer, config),
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
    village: (code) => villageLayer.getLayers().find((one) => one.feature.properties.code === code) || null,
  };
}
