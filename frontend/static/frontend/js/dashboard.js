/* The leaders' dashboard: the coverage map, the industry matrix and the map-job buttons.
 * Reads its settings from the #dashboard-config JSON the view writes; everything else comes from the API. */
(function () {
  "use strict";

  const api = Tepai.api;

  // The same colours as the legend's swatches (tepai.css) and the rendered maps.
  const COLOURS = {covered: "#2e7d32", at_risk: "#f0a202", uncovered: "#c62828", community: "#b9c0c6"};
  const STATUS_LABELS = {
    covered: gettext("Covered"),
    at_risk: gettext("At risk"),
    uncovered: gettext("Uncovered"),
    community: gettext("Community (not counted)"),
  };
  const LOG_KINDS = {
    visit: gettext("Visit"),
    training: gettext("Training"),
    consultation: gettext("Consultation"),
    demonstration: gettext("Demonstration"),
  };
  // Simplification of the village boundaries sent to the page, in metres: invisible at city zoom.
  const TOLERANCE_M = 20;

  const element = Tepai.element;

  /* ---- The county chooser: a new choice reloads the page for that county-level unit. ---- */
  const countySelect = document.querySelector("#dashboard-filters select[name=county]");
  if (countySelect) {
    countySelect.addEventListener("change", () => countySelect.form.submit());
  }

  /* ---- The coverage map: Tepai.coverageMap(container, options), also drawn on the coordinators' desk. ----
   * options: asOf, county ("" for the whole scope), tileUrl, tileAttribution, legend (the legend list, whose
   * li[data-status] get the counts), status (where loading messages go), and popupExtra(properties), which may
   * return a node to add to a village's popup. Returns {map, ready, reload, focus}: reload() reads the villages'
   * coverage again and recolours them, keeping the view; focus(code) zooms to a village and opens its popup. */
  function coverageMap(container, config) {
    const mapStatus = config.status;
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

    function villageStyle(feature) {
      const status = feature.properties.status;
      return {
        className: "village status-" + status + " village-" + feature.properties.code,
        fillColor: COLOURS[status] || COLOURS.community,
        fillOpacity: status === "community" ? 0.45 : 0.8,
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

    function popupContent(properties) {
      const box = element("div", {class: "village-popup", "data-code": properties.code});
      box.append(
        element("h3", {translate: "no", text: properties.name}),
        element("div", {class: "muted", translate: "no", text: [properties.code, properties.town_name, properties.county_name].join(" · ")}),
        element("span", {class: "status-badge " + properties.status, text: STATUS_LABELS[properties.status] || properties.status}),
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
      }).catch((error) => Tepai.showError(error, specialists));

      api.get("service-logs/", {village: properties.code, ordering: "-occurred_at", page_size: 5}).then((data) => {
        const rows = data.results.map((log) => element(
          "li", {},
          element("span", {translate: "no", text: log.occurred_at.slice(0, 10) + " "}),
          LOG_KINDS[log.kind] || log.kind,
          element("span", {translate: "no", text: " · " + log.specialist.name + " · " + log.description}),
          ...(log.photos || []).flatMap((photo, index, photos) => [" ", photoLink(photo, index, photos)]),
        ));
        logs.replaceChildren(rows.length ? element("ul", {}, ...rows) : element("p", {class: "muted", text: gettext("No service logged yet.")}));
      }).catch((error) => Tepai.showError(error, logs));
      return box;
    }

    function showLegendCounts(features) {
      const counts = {};
      features.forEach((feature) => {
        counts[feature.properties.status] = (counts[feature.properties.status] || 0) + 1;
      });
      config.legend.querySelectorAll("li[data-status]").forEach((item) => {
        item.querySelector(".count").textContent = "(" + (counts[item.dataset.status] || 0) + ")";
      });
    }

    const villageLayer = L.geoJSON(null, {
      style: villageStyle,
      onEachFeature: (feature, layer) => {
        layer.bindTooltip(element("span", {translate: "no", text: feature.properties.name}), {sticky: true});
        layer.bindPopup(() => popupContent(feature.properties), {maxWidth: 320});
      },
    }).addTo(map);

    function villagesOf(scope) {
      return api.get("villages/geojson/", Object.assign({as_of: config.asOf, kind: "all", tolerance: TOLERANCE_M}, scope));
    }

    function showVillages(villages) {
      villageLayer.clearLayers();
      villageLayer.addData(villages);
      showLegendCounts(villages.features);
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
      L.geoJSON(towns, {pane: "borders", interactive: false, style: {color: "#546e7a", weight: 1.2, dashArray: "4 3", fill: false}}).addTo(map);
      const countyLayer = L.geoJSON({type: "FeatureCollection", features: countyFeatures}, {
        pane: "borders", interactive: false, style: {color: "#263238", weight: 2.5, fill: false},
      }).addTo(map);

      // Zoom to the chosen unit's villages (a development zone has no boundary of its own), else the city.
      const bounds = config.county && villageLayer.getLayers().length ? villageLayer.getBounds()
        : countyLayer.getLayers().length ? countyLayer.getBounds() : villageLayer.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, {padding: [12, 12]});
      } else {
        map.setView([32.9, 117.4], 8);
      }
      mapStatus.textContent = villages.features.length ? "" : gettext("No villages to show.");
    }

    const ready = loadMap().catch((error) => {
      mapStatus.textContent = "";
      Tepai.showError(error);
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
  window.Tepai.coverageMap = coverageMap;

  // The rest is the dashboard's own; another page (the desk) takes only the map.
  const configNode = document.getElementById("dashboard-config");
  if (!configNode) {
    return;
  }
  const config = JSON.parse(configNode.textContent);
  coverageMap(document.getElementById("coverage-map"), Object.assign({
    legend: document.getElementById("map-legend"),
    status: document.getElementById("map-status"),
  }, config));

  /* ---- The industry matrix: county-level units down, key industries across, covering teams in the cells. ---- */
  function renderMatrix(data) {
    const container = document.getElementById("industry-matrix");
    if (!data.industries.length) {
      container.replaceChildren(element("p", {class: "muted", text: gettext("No key industries.")}));
      return;
    }
    // One cell per (unit, industry) where the industry is key; a city key industry's unit is the city ("").
    const cells = new Map(data.rows.map((cell) => [(cell.county ? cell.county.code : "") + "/" + cell.industry.id, cell]));
    const units = data.counties.slice();
    if (data.rows.some((cell) => !cell.county)) {
      units.unshift({code: "", name: gettext("City-wide")});
    }
    const head = element("tr", {}, element("th", {scope: "col", text: gettext("County-level unit")}));
    data.industries.forEach((industry) => head.append(element("th", {scope: "col", translate: "no", text: industry.name})));
    const body = element("tbody");
    units.forEach((unit) => {
      const line = element("tr", {"data-county": unit.code}, element("th", {scope: "row", translate: unit.code ? "no" : "yes", text: unit.name}));
      data.industries.forEach((industry) => {
        const cell = cells.get(unit.code + "/" + industry.id);
        if (!cell) {
          line.append(element("td", {class: "not-key", title: gettext("Not a key industry here"), text: "–"}));
        } else if (cell.covered) {
          const names = cell.teams.map((team) => team.name).join("、");
          line.append(element("td", {class: "covered-cell", translate: "no", text: names || "✓"}));
        } else {
          line.append(element("td", {class: "gap", text: "✕ " + gettext("Gap")}));
        }
      });
      body.append(line);
    });
    container.replaceChildren(element("table", {class: "data matrix", id: "industry-table"}, element("thead", {}, head), body));
  }

  api.get("coverage/industries/", {as_of: config.asOf, county: config.county})
    .then(renderMatrix)
    .catch((error) => Tepai.showError(error, document.getElementById("industry-matrix")));

  /* ---- The gap lists as Excel files, for the day and county-level unit shown. ---- */
  document.querySelectorAll("#gap-exports button[data-kind]").forEach((button) => {
    button.addEventListener("click", () => {
      Tepai.clearErrors();
      Tepai.exportFile(button, "coverage/gaps/export/", {kind: button.dataset.kind, as_of: config.asOf, county: config.county});
    });
  });

  /* ---- Map jobs: start one, follow its progress, then download the file. ---- */
  const jobBox = document.getElementById("map-job-progress");
  const jobBar = jobBox.querySelector("progress");
  const jobText = jobBox.querySelector(".map-job-text");
  const jobLink = jobBox.querySelector(".map-job-link");
  const jobButtons = document.querySelectorAll("#map-jobs button[data-format]");
  const JOB_TEXT = {
    queued: gettext("Waiting to start…"),
    running: gettext("Drawing the map…"),
    done: gettext("The map is ready."),
    failed: gettext("The map could not be drawn."),
  };
  const POLL_MS = 1000;

  function showJob(job) {
    jobBox.hidden = false;
    jobBar.value = job.progress || 0;
    jobText.textContent = JOB_TEXT[job.status] || job.status;
    if (job.status === "failed" && job.error) {
      jobText.textContent += " " + job.error;
    }
  }

  function finishJob(job) {
    jobButtons.forEach((button) => { button.disabled = false; });
    if (job.status !== "done") {
      return;
    }
    jobLink.href = job.download_url;
    jobLink.textContent = gettext("Download");
    jobLink.setAttribute("download", "");
    jobLink.hidden = false;
    jobLink.click();
  }

  async function followJob(job) {
    showJob(job);
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      job = await api.get("map-jobs/" + job.id + "/");
      showJob(job);
    }
    finishJob(job);
  }

  jobButtons.forEach((button) => {
    button.addEventListener("click", () => {
      jobButtons.forEach((other) => { other.disabled = true; });
      jobLink.hidden = true;
      Tepai.clearErrors();
      const request = {kind: "villages", format: button.dataset.format, as_of: config.asOf};
      if (config.county) {
        request.county = config.county;
      }
      api.post("map-jobs/", request).then(followJob).catch((error) => {
        jobButtons.forEach((other) => { other.disabled = false; });
        jobBox.hidden = true;
        Tepai.showError(error);
      });
    });
  });
})();
