/* The leaders' dashboard: the coverage map (coverage-map.js), the industry matrix, the gap exports
 * and the map-job buttons. The page's entry module. Reads its settings from the #dashboard-config
 * JSON the view writes; everything else comes from the API. */
import {api, clearErrors, element, exportFile, showError} from "./api.js";
import {coverageMap} from "./coverage-map.js";
import {statusLabel} from "./palette.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);

/* ---- The county chooser: a new choice reloads the page for that county-level unit. ---- */
const countySelect = document.querySelector("#dashboard-filters select[name=county]");
if (countySelect) {
  countySelect.addEventListener("change", () => countySelect.form.submit());
}

coverageMap(document.getElementById("coverage-map"), Object.assign({
  legend: document.getElementById("map-legend"),
  status: document.getElementById("map-status"),
}, config));

/* ---- The industry matrix: county-level units down, key industries across, covering teams in the cells. ----
 * Cells are tinted in the palette's colours, and a gap or a unit where the industry is not key says so in
 * the palette's words (those of the print industry map). */
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
        line.append(element("td", {class: "not-key status-not_key", title: statusLabel("not_key"), text: "–"}));
      } else if (cell.covered) {
        const names = cell.teams.map((team) => team.name).join("、");
        line.append(element("td", {class: "covered-cell status-covered", translate: "no", text: names || "✓"}));
      } else {
        line.append(element("td", {class: "gap status-gap", text: "✕ " + statusLabel("gap")}));
      }
    });
    body.append(line);
  });
  container.replaceChildren(element("table", {class: "data matrix", id: "industry-table"}, element("thead", {}, head), body));
}

if (config.matrix) {
  api.get("coverage/industries/", {as_of: config.asOf, county: config.county})
    .then(renderMatrix)
    .catch((error) => showError(error, document.getElementById("industry-matrix")));
} else {
  // Too many units for one table (the nation's): the coverage tables count the industries covered.
  document.getElementById("industry-matrix").replaceChildren(element("p", {class: "muted", id: "matrix-too-wide",
    text: gettext("Too many county-level units for one matrix: the tables above count the key industries covered; choose a unit to see its matrix.")}));
}

/* ---- The gap lists as Excel files, for the day and county-level unit shown. ---- */
document.querySelectorAll("#gap-exports button[data-kind]").forEach((button) => {
  button.addEventListener("click", () => {
    clearErrors();
    exportFile(button, "coverage/gaps/export/", {kind: button.dataset.kind, as_of: config.asOf, county: config.county});
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
    clearErrors();
    const request = {kind: "villages", format: button.dataset.format, as_of: config.asOf};
    if (config.county) {
      request.county = config.county;
    }
    api.post("map-jobs/", request).then(followJob).catch((error) => {
      jobButtons.forEach((other) => { other.disabled = false; });
      jobBox.hidden = true;
      showError(error);
    });
  });
});
