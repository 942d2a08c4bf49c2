/* The coordinators' import page: choose a kind (its columns, template and export), a file and options,
 * upload; the preview (what it would do, refused rows, notes, choices to make, changes), confirm, the
 * progress and the outcome; the history of imports. The page's entry module. Every job comes from the
 * API (/api/v1/imports/), polled while it runs. What the person chose (kind, file, options, villages)
 * stays in the page whatever the server answers, so that an error never makes them start again. */
import {api, element, showError} from "./api.js";
import {
  acceptFor, fieldChanges, isFinished, isRunning, optionWidget, optionsPayload, sizeText, summaryRows, totals,
  valueText, villagesPayload,
} from "./import-jobs.js";

const config = JSON.parse(document.getElementById("imports-config").textContent);
const POLL_MS = 1000;
// After a failed poll (the network), the next one waits this long.
const RETRY_MS = 4000;
const HISTORY_PAGE_SIZE = 20;
// Changes listed in the page; the rest are counted.
const CHANGES_SHOWN = 200;

const ACTION_LABELS = {
  create: gettext("Create"),
  update: gettext("Change"),
  unchanged: gettext("Unchanged"),
  leave: gettext("Leave"),
};
// The upload's fields as the form labels them, for errors that have no place of their own.
const FIELD_LABELS = {kind: gettext("What the file brings"), file: gettext("File"), options: gettext("Options")};

const $ = (id) => document.getElementById(id);
const form = $("upload-form");
const kindSelect = $("import-kind");
const fileInput = $("import-file");
const jobSection = $("import-job");

const kinds = new Map(); // name -> the API's kind
const typedOptions = new Map(); // kind -> {option: value}, kept when another kind is chosen and back
const chosenVillages = {}; // the name in the file -> the village code chosen, kept across previews
let job = null;
let pollTimer = null;

/* A name, code or number: shown as it is, never translated by the browser. */
function verbatim(text, className) {
  return element("span", {translate: "no", class: className, text: valueText(text)});
}

function modelLabel(model) {
  const known = config.models[model];
  return known ? known.label : model;
}

function fieldLabel(model, field) {
  const known = config.models[model];
  return known && known.fields[field] ? known.fields[field] : field;
}

function kindLabel(name) {
  const kind = kinds.get(name);
  if (kind) return kind.label;
  const option = kindSelect && Array.from(kindSelect.options).find((item) => item.value === name);
  return option ? option.textContent : name;
}

function statusLabel(status) {
  return config.statuses[status] || status;
}

function whenText(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return at.getFullYear() + "-" + pad(at.getMonth() + 1) + "-" + pad(at.getDate()) + " " + pad(at.getHours()) + ":" + pad(at.getMinutes());
}

function show(node, visible) {
  node.hidden = !visible;
}

/* ---- Errors beside the form that caused them ---- */
function clearFormErrors(target, box) {
  target.querySelectorAll(".field-error[data-field]").forEach((slot) => { slot.textContent = ""; });
  target.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  box.replaceChildren();
}

/* The rows of a refused file, as the server listed them: row, column, reason. */
function problemTable(problems) {
  const body = element("tbody");
  problems.forEach((problem) => body.append(element("tr", {},
    element("td", {class: "num"}, problem.row === null || problem.row === undefined ? "" : verbatim(problem.row)),
    element("td", {}, verbatim(problem.column)),
    element("td", {text: problem.message}),
  )));
  return element("div", {class: "table-wrap"}, element("table", {class: "data problem-table"},
    element("thead", {}, element("tr", {},
      element("th", {scope: "col", class: "num", text: gettext("Row")}),
      element("th", {scope: "col", text: gettext("Column")}),
      element("th", {scope: "col", text: gettext("Reason")}),
    )),
    body,
  ));
}

/* Each field's messages under its own input; the message, the refused rows and the errors of fields
 * without a place in `box`. */
function showFormError(target, box, error) {
  clearFormErrors(target, box);
  let message = error;
  if (error && error.status === 413) {
    message = {message: gettext("The file is too large to upload.")};
  }
  const loose = {};
  Object.entries((error && error.fields) || {}).forEach(([field, messages]) => {
    const text = [].concat(messages).join(" ");
    const slot = target.querySelector('.field-error[data-field="' + field + '"]');
    if (slot) {
      slot.textContent = text;
      const input = target.querySelector('[name="' + field + '"]');
      if (input) input.setAttribute("aria-invalid", "true");
    } else {
      loose[field] = (FIELD_LABELS[field] ? FIELD_LABELS[field] + ": " : "") + text;
    }
  });
  const shown = showError({message: message && message.message, fields: loose}, box);
  const problems = (error && error.problems) || [];
  if (problems.length) shown.append(problemTable(problems));
}

/* ---- The kind: its formats, columns, template and export, and its options ---- */
function currentKind() {
  return kindSelect ? kinds.get(kindSelect.value) : undefined;
}

function rememberOptions() {
  const values = {};
  form.querySelectorAll("[data-option]").forEach((input) => {
    values[input.dataset.option] = input.type === "checkbox" ? input.checked : input.value;
  });
  if (form.dataset.kind) typedOptions.set(form.dataset.kind, values);
}

function optionField(name, label, value) {
  const widget = optionWidget(name);
  if (widget === null) return null;
  const id = "option-" + name;
  if (widget.type === "checkbox") {
    return element("div", {class: "option-field checkbox"},
      element("input", {type: "checkbox", id: id, name: name, "data-option": name, checked: value === true}),
      element("label", {for: id, text: label}));
  }
  let input;
  if (widget.type === "select") {
    input = element("select", {id: id, name: name, "data-option": name});
    widget.choices.forEach((choice) => input.append(choice.label === null
      ? element("option", {value: choice.value, text: gettext("Found by itself")})
      : element("option", {value: choice.value, translate: "no", text: choice.label})));
  } else {
    input = element("input", {type: widget.type, id: id, name: name, "data-option": name, autocomplete: "off",
      min: widget.min, max: widget.max, step: widget.type === "number" ? 1 : undefined});
  }
  input.value = value === undefined || value === true || value === false ? "" : value;
  return element("div", {class: "option-field"}, element("label", {for: id, text: label}), input);
}

function renderKind() {
  rememberOptions();
  const kind = currentKind();
  const about = $("kind-about");
  const formats = $("kind-formats");
  const columns = $("kind-columns");
  const fieldset = $("import-options");
  form.dataset.kind = kindSelect.value;
  if (!kind) {
    formats.textContent = "";
    show(columns, false);
    show($("kind-template"), false);
    show($("kind-export"), false);
    show(fieldset, false);
    return;
  }
  formats.replaceChildren(gettext("Files it reads:") + " ",
    verbatim(kind.formats.map((format) => "." + format).join(" ")));
  fileInput.setAttribute("accept", acceptFor(kind.formats));

  const body = columns.querySelector("tbody");
  body.replaceChildren(...kind.columns.map((column) => element("tr", {},
    element("th", {scope: "row"}, verbatim(column.header)),
    element("td", {}, column.required ? element("span", {class: "required", text: gettext("Required")}) : ""),
    element("td", {}, column.help,
      column.choices.length ? element("span", {class: "choices"}, gettext("One of:") + " ", verbatim(column.choices.join("、"))) : null),
    element("td", {}, verbatim(column.aliases.join("、"))),
  )));
  show(columns, kind.columns.length > 0);
  show($("kind-template"), Boolean(kind.template_url));
  show($("kind-export"), Boolean(kind.export_url));
  about.dataset.kind = kind.name;

  const typed = typedOptions.get(kind.name) || {};
  const fields = Object.entries(kind.options).map(([name, label]) => optionField(name, label, typed[name])).filter(Boolean);
  fieldset.querySelector(".option-fields").replaceChildren(...fields);
  show(fieldset, fields.length > 0);
}

async function loadKinds() {
  try {
    const list = await api.get("imports/kinds/");
    list.forEach((kind) => kinds.set(kind.name, kind));
  } catch (error) {
    showError(error);
  }
  if (kindSelect) renderKind();
}

async function downloadFrom(button, address) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    await api.download(new URL(address, window.location.origin).pathname);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/* ---- Upload ---- */
async function upload(event) {
  event.preventDefault();
  const box = $("upload-errors");
  clearFormErrors(form, box);
  const file = fileInput.files[0];
  if (!file) {
    form.querySelector('.field-error[data-field="file"]').textContent = gettext("Choose a file to import.");
    fileInput.setAttribute("aria-invalid", "true");
    fileInput.focus();
    return;
  }
  rememberOptions();
  const data = new FormData();
  data.append("kind", kindSelect.value);
  data.append("file", file, file.name);
  data.append("options", JSON.stringify(optionsPayload(typedOptions.get(kindSelect.value))));
  const button = $("upload-submit");
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    const created = await api.request("POST", "imports/", {body: data});
    Object.keys(chosenVillages).forEach((given) => delete chosenVillages[given]);
    showJob(created);
    jobSection.scrollIntoView({block: "start"});
    loadHistory();
  } catch (error) {
    showFormError(form, box, error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

/* ---- The job: status, progress, preview, choices, outcome ---- */
function stopPolling() {
  if (pollTimer !== null) clearTimeout(pollTimer);
  pollTimer = null;
}

function poll(delay) {
  stopPolling();
  const id = job.id;
  pollTimer = setTimeout(async () => {
    pollTimer = null;
    try {
      const fresh = await api.get("imports/" + id + "/");
      if (job && job.id === id) {
        $("job-errors").replaceChildren();
        showJob(fresh);
      }
    } catch (error) {
      if (job && job.id === id) {
        showError(error, $("job-errors"));
        poll(RETRY_MS);
      }
    }
  }, delay);
}

function statusText(current) {
  const label = statusLabel(current.status);
  return isRunning(current.status)
    ? interpolate(gettext("%(status)s: %(progress)s%%"), {status: label, progress: current.progress}, true)
    : label;
}

function renderSummary(summary, done) {
  const rows = summaryRows(summary);
  const section = $("job-summary");
  section.querySelector("h3").textContent = done ? gettext("What the import did") : gettext("What the import would do");
  section.querySelector("tbody").replaceChildren(...rows.map((row) => element("tr", {"data-model": row.model},
    element("th", {scope: "row", text: modelLabel(row.model)}),
    ...["create", "update", "unchanged", "leave"].map((action) => element("td", {class: "num", "data-action": action}, verbatim(row[action]))),
  )));
  show(section, rows.length > 0);
}

function renderProblems(problems, more) {
  const section = $("job-problems");
  section.querySelector(".heading-count").textContent = problems.length + (more || 0) ? "(" + (problems.length + (more || 0)) + ")" : "";
  section.querySelector("tbody").replaceChildren(...problemTable(problems).querySelector("tbody").children);
  const note = section.querySelector(".more-problems");
  note.textContent = more ? interpolate(ngettext("%s more refused row is not listed.", "%s more refused rows are not listed.", more), [more]) : "";
  show(note, Boolean(more));
  show(section, problems.length > 0);
}

function renderNotes(notes) {
  const section = $("job-notes");
  section.querySelector("ul").replaceChildren(...notes.map((note) => element("li", {text: note})));
  show(section, notes.length > 0);
}

function changeRow(change) {
  const fields = fieldChanges(change);
  const list = fields.length ? element("ul", {}, ...fields.map(([field, before, after]) => element("li", {},
    element("span", {class: "field-name", text: fieldLabel(change.model, field) + ": "}),
    change.action === "update" ? verbatim(before, "before") : null,
    change.action === "update" ? element("span", {class: "arrow", "aria-label": gettext("becomes"), text: "→"}) : null,
    verbatim(after, "after"),
  ))) : "";
  return element("tr", {"data-action": change.action},
    element("td", {class: "num"}, change.row === null ? "" : verbatim(change.row)),
    element("td", {class: "action", text: ACTION_LABELS[change.action] || change.action}),
    element("td", {}, modelLabel(change.model) + " ", verbatim([change.name, change.key === change.name ? "" : change.key].filter(Boolean).join(" · "))),
    element("td", {}, list),
  );
}

function renderChanges(changes, summary) {
  const section = $("job-changes");
  const sum = totals(summary);
  const listed = sum.create + sum.update + sum.leave;
  section.querySelector(".heading-count").textContent = listed ? "(" + listed + ")" : "";
  section.querySelector("tbody").replaceChildren(...changes.slice(0, CHANGES_SHOWN).map(changeRow));
  const hiddenCount = Math.max(0, listed - Math.min(changes.length, CHANGES_SHOWN));
  const note = section.querySelector(".more-changes");
  note.textContent = hiddenCount
    ? interpolate(ngettext("%s more change is not listed here.", "%s more changes are not listed here.", hiddenCount), [hiddenCount])
    : "";
  show(note, hiddenCount > 0);
  show(section, changes.length > 0);
}

function villageSelect(choice, index) {
  const id = "village-choice-" + index;
  const select = element("select", {id: id, "data-given": choice.given},
    element("option", {value: "", text: gettext("Not this one: leave the row refused")}));
  choice.suggestions.forEach((suggestion) => select.append(element("option", {value: suggestion.code, translate: "no",
    text: [suggestion.name, suggestion.path, suggestion.code].filter(Boolean).join(" · ")})));
  const previous = chosenVillages[choice.given] || ((job.options || {}).villages || {})[choice.given] || "";
  if (choice.suggestions.some((suggestion) => suggestion.code === previous)) select.value = previous;
  select.addEventListener("change", () => { chosenVillages[choice.given] = select.value; });
  return element("tr", {},
    element("td", {class: "num"}, choice.row === null || choice.row === undefined ? "" : verbatim(choice.row)),
    element("td", {}, element("label", {for: id}, verbatim(choice.given))),
    element("td", {}, select),
  );
}

function renderChoices(choices, editable) {
  const section = $("job-choices");
  const columns = choices.code_column || [];
  const villages = choices.villages || [];
  const columnField = $("code-column-field");
  const columnSelect = $("code-column");
  if (columns.length) {
    const current = columnSelect.dataset.job === String(job.id) && columnSelect.value
      ? columnSelect.value : (job.options || {}).code_column || "";
    columnSelect.replaceChildren(...columns.map((name) => element("option", {value: name, translate: "no", text: name})));
    columnSelect.value = columns.includes(current) ? current : columns[0];
    columnSelect.dataset.job = String(job.id);
  }
  show(columnField, columns.length > 0);
  $("village-choices").querySelector("tbody").replaceChildren(...villages.map(villageSelect));
  show($("village-choices"), villages.length > 0);
  show(section, editable && (columns.length > 0 || villages.length > 0));
}

async function applyChoices(event) {
  event.preventDefault();
  const box = $("choices-errors");
  const target = $("job-choices");
  clearFormErrors(target, box);
  const options = {};
  if (!$("code-column-field").hidden) options.code_column = $("code-column").value;
  if (!$("village-choices").hidden) {
    target.querySelectorAll("select[data-given]").forEach((select) => { chosenVillages[select.dataset.given] = select.value; });
    Object.assign(options, villagesPayload((job.options || {}).villages, chosenVillages));
  }
  const button = $("choices-submit");
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    showJob(await api.post("imports/" + job.id + "/options/", {options: options}));
  } catch (error) {
    showFormError(target, box, error);
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

function renderOutcome(current) {
  const section = $("job-outcome");
  const text = section.querySelector(".outcome-text");
  section.className = "job-outcome " + current.status;
  if (current.status === "done") {
    const sum = totals(current.outcome.summary);
    text.textContent = interpolate(
      gettext("Imported: %(create)s created, %(update)s changed, %(unchanged)s unchanged, %(leave)s not in the file (see the preview for what became of them)."), sum, true);
  } else if (current.status === "failed") {
    text.textContent = gettext("The import failed: nothing was written. Try again, or tell the administrator.");
  } else if (current.status === "refused" && current.confirmed_at) {
    text.textContent = gettext("Nothing was written: the data changed since the preview, and these rows are now refused.");
  } else if (current.status === "refused") {
    text.textContent = gettext("Nothing can be imported while a row is refused.");
  }
  show(section, isFinished(current.status));
}

function showJob(current) {
  job = current;
  show(jobSection, true);
  jobSection.dataset.status = current.status;
  jobSection.dataset.job = String(current.id);
  $("job-file").replaceChildren(verbatim(current.file_name), " · " + kindLabel(current.kind) + " · ", verbatim(sizeText(current.size)));
  $("job-status").textContent = statusText(current);
  const progress = $("job-progress");
  progress.value = current.progress;
  progress.textContent = current.progress + "%";
  show(progress, isRunning(current.status));
  const failed = $("job-error");
  failed.replaceChildren(...(current.status === "failed" && current.error ? [verbatim(current.error)] : []));
  show(failed, current.status === "failed" && Boolean(current.error));

  const committed = current.status === "done" || Boolean(current.confirmed_at);
  const plan = (committed && current.outcome && Object.keys(current.outcome).length ? current.outcome : current.preview) || {};
  const previewed = ["ready", "refused", "done"].includes(current.status) || (current.status === "committing" && plan.summary);
  if (previewed) {
    renderSummary(plan.summary || {}, current.status === "done");
    renderProblems(plan.problems || [], plan.more_problems || 0);
    renderNotes(plan.notes || []);
    renderChoices(plan.choices || {}, ["ready", "refused"].includes(current.status) && !current.confirmed_at);
    renderChanges(plan.changes || [], plan.summary || {});
  } else if (current.status === "failed") {
    ["job-summary", "job-problems", "job-notes", "job-choices", "job-changes"].forEach((id) => show($(id), false));
  }
  renderOutcome(current);
  $("job-confirm").disabled = current.status !== "ready";
  show($("job-confirm"), !committed && current.status !== "failed");
  show($("job-new"), isFinished(current.status));

  if (isRunning(current.status)) {
    poll(POLL_MS);
  } else {
    stopPolling();
    if (isFinished(current.status)) loadHistory();
  }
}

async function confirmJob() {
  const button = $("job-confirm");
  const box = $("job-errors");
  box.replaceChildren();
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    showJob(await api.post("imports/" + job.id + "/confirm/"));
  } catch (error) {
    showError(error, box);
    button.disabled = job.status !== "ready";
  } finally {
    button.removeAttribute("aria-busy");
  }
}

/* ---- History ---- */
let historyShown = 0;

function historyRow(row) {
  const open = element("button", {type: "button", class: "secondary small-button", text: gettext("Show")});
  open.addEventListener("click", async () => {
    try {
      showJob(await api.get("imports/" + row.id + "/"));
      jobSection.scrollIntoView({block: "start"});
    } catch (error) {
      showError(error);
    }
  });
  return element("tr", {"data-job": row.id},
    element("td", {}, verbatim(row.file_name)),
    element("td", {text: kindLabel(row.kind)}),
    element("td", {}, verbatim(row.uploaded_by || "")),
    element("td", {class: "when"}, verbatim(whenText(row.created_at))),
    element("td", {}, element("span", {class: "job-status-badge " + row.status, text: statusLabel(row.status)})),
    element("td", {class: "num"}, verbatim(row.rows)),
    element("td", {class: "row-actions"}, open, " ",
      element("a", {href: row.file_url, download: "", text: gettext("Download the file")})),
  );
}

async function loadHistory(more) {
  const size = more ? HISTORY_PAGE_SIZE : Math.max(HISTORY_PAGE_SIZE, historyShown);
  const page = more ? Math.floor(historyShown / HISTORY_PAGE_SIZE) + 1 : 1;
  try {
    const data = await api.get("imports/", {page: page, page_size: size});
    const body = $("history-table").querySelector("tbody");
    const rows = data.results.map(historyRow);
    if (more) {
      body.append(...rows);
    } else {
      body.replaceChildren(...rows);
    }
    historyShown = body.children.length;
    $("history-count").textContent = "(" + data.count + ")";
    show($("history-empty"), data.count === 0);
    show($("history-more"), historyShown < data.count);
  } catch (error) {
    showError(error);
  }
}

/* ---- Wiring ---- */
if (form) {
  kindSelect.addEventListener("change", renderKind);
  form.addEventListener("submit", upload);
  $("kind-template").addEventListener("click", (event) => downloadFrom(event.currentTarget, currentKind().template_url));
  $("kind-export").addEventListener("click", (event) => downloadFrom(event.currentTarget, currentKind().export_url));
}
$("job-choices").addEventListener("submit", applyChoices);
$("job-confirm").addEventListener("click", confirmJob);
$("job-new").addEventListener("click", () => {
  stopPolling();
  show(jobSection, false);
  if (fileInput) fileInput.focus();
});
$("history-more").addEventListener("click", () => loadHistory(true));
loadKinds();
loadHistory();
