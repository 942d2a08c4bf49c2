/* The import page's rules that need no browser: which widget an option gets, the options an upload
 * sends, which statuses are still running, a preview's summary as table rows, the villages confirmed
 * for the near-miss names, the accept attribute of the file input. Node imports this module too
 * (tests/frontend/js/import-jobs.test.mjs), so it uses no browser API and no gettext.
 */

// The job's statuses (specialists/imports/models.py ImportJob.Status).
export const RUNNING = Object.freeze(["previewing", "committing"]);
export const FINISHED = Object.freeze(["done", "refused", "failed"]);
export const ACTIONS = Object.freeze(["create", "update", "unchanged", "leave"]);

// The encodings a sheet may be read in (villages/imports/tables.py ENCODINGS); "" lets the server find it.
export const ENCODINGS = Object.freeze([
  {value: "", label: null}, // the page labels it in its language
  {value: "utf-8", label: "UTF-8"},
  {value: "gbk", label: "GBK"},
  {value: "gb18030", label: "GB18030"},
]);

// Options set from the preview's choices, not typed before the upload.
const CHOSEN_IN_PREVIEW = new Set(["villages"]);

// The file names' endings of each format (villages/imports/files.py _SUFFIXES).
const SUFFIXES = {
  "xlsx": [".xlsx"],
  "csv": [".csv", ".txt"],
  "geojson": [".geojson", ".json"],
  "gpkg": [".gpkg"],
  "shp.zip": [".zip"],
};

export function isRunning(status) {
  return RUNNING.includes(status);
}

export function isFinished(status) {
  return FINISHED.includes(status);
}

/* The control an option gets: {type: "select"|"checkbox"|"number"|"date"|"text"} or null for an option
 * the preview sets (the villages confirmed). */
export function optionWidget(name) {
  if (CHOSEN_IN_PREVIEW.has(name)) return null;
  if (name === "encoding") return {type: "select", choices: ENCODINGS};
  if (name === "gcj02") return {type: "checkbox"};
  if (name === "year") return {type: "number", min: 2000, max: 2100};
  if (/(^|_)date$/.test(name)) return {type: "date"};
  return {type: "text"};
}

/* The options an upload sends, from the values of the form's controls ({name: string|boolean}):
 * empty ones are left out (the server's default applies), a checked box is true, a year a number. */
export function optionsPayload(values) {
  const options = {};
  Object.entries(values || {}).forEach(([name, value]) => {
    const widget = optionWidget(name);
    if (widget === null) return;
    if (widget.type === "checkbox") {
      if (value === true) options[name] = true;
      return;
    }
    const text = String(value === undefined || value === null ? "" : value).trim();
    if (text === "") return;
    options[name] = widget.type === "number" && /^\d+$/.test(text) ? Number(text) : text;
  });
  return options;
}

/* The accept attribute of the file input for a kind's formats. */
export function acceptFor(formats) {
  return [].concat(...(formats || []).map((format) => SUFFIXES[format] || [])).join(",");
}

/* A preview's summary ({model: {action: n}}) as rows [{model, create, update, unchanged, leave}],
 * models in the order the plan gave them, missing actions 0. */
export function summaryRows(summary) {
  return Object.entries(summary || {}).map(([model, counts]) => {
    const row = {model: model};
    ACTIONS.forEach((action) => { row[action] = Number((counts || {})[action] || 0); });
    return row;
  });
}

/* How many rows a preview would create, change, leave unchanged and leave, over every model. */
export function totals(summary) {
  const sum = {create: 0, update: 0, unchanged: 0, leave: 0};
  summaryRows(summary).forEach((row) => ACTIONS.forEach((action) => { sum[action] += row[action]; }));
  return sum;
}

/* The "villages" option that confirms near-miss suggestions: {villages: {given: code}} from the
 * choices made ({given: code}, "" when none), added to those the job already had. */
export function villagesPayload(existing, chosen) {
  const villages = Object.assign({}, existing || {});
  Object.entries(chosen || {}).forEach(([given, code]) => {
    if (code) villages[given] = code;
  });
  return {villages: villages};
}

/* A change's field as [field, before, after] rows, in the order the plan gave them. */
export function fieldChanges(change) {
  return Object.entries((change && change.fields) || {}).map(([field, pair]) => {
    const [before, after] = Array.isArray(pair) ? pair : [null, pair];
    return [field, before, after];
  });
}

/* A value of a row as text: "" for none, 是/否 as the sheets write a yes or no. */
export function valueText(value) {
  if (value === null || value === undefined) return "";
  if (value === true) return "是";
  if (value === false) return "否";
  return String(value);
}

/* A file's size in bytes as people read it: "512 B", "1.5 KB", "12.3 MB". */
export function sizeText(bytes) {
  const units = ["B", "KB", "MB", "GB"];
  let size = Number(bytes) || 0;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return (unit === 0 ? String(size) : size.toFixed(size < 10 ? 1 : 0)) + " " + units[unit];
}
