/* The coordinators' desk: gaps with "assign", running assignments with "end" and "reassign", the review
 * queue of submitted achievements, and the coverage map (coverage-map.js, shared with the dashboard).
 * The page's entry module. Reads its settings from the #desk-config JSON the view writes; every row
 * comes from the API, which applies the coordinator's scope. After every change the gaps, the list and
 * the map are read again, so what the page shows is always what the server now holds. */
import {api, element, exportFile, showError} from "./api.js";
import {coverageMap} from "./coverage-map.js";

const config = JSON.parse(document.getElementById("desk-config").textContent);
// Lists show this many rows, and as many more at each "show more". A reload (after a change) asks
// for the first page again with the rows shown so far, so no row is skipped when rows go away.
const PAGE_SIZE = 50;
const REVIEW_PAGE_SIZE = 20;
const MAX_ROWS = 1000; // the API's largest page
const SEARCH_DELAY_MS = 300;
const DAY_MS = 24 * 60 * 60 * 1000;

// The API's field names, as the forms label them, for errors that have no place of their own.
const FIELD_LABELS = {
  specialist: gettext("Specialist"),
  village: gettext("Village"),
  start_date: gettext("Start date"),
  end_date: gettext("Last day served"),
  note: gettext("Note"),
  reason: gettext("Reason for rejection"),
};

/* A name, code or date: shown as it is, never translated by the browser. */
function verbatim(text, className) {
  return element("span", {translate: "no", class: className, text: text});
}

/* A translated sentence with names in it: "%(name)s now serves %(village)s." -> text, with each name
 * in a span of its own that is never translated. */
function phrase(template, values) {
  const out = document.createDocumentFragment();
  template.split(/(%\([a-z_]+\)s)/).forEach((part) => {
    const key = /^%\(([a-z_]+)\)s$/.exec(part);
    if (key) {
      out.append(verbatim(String(values[key[1]])));
    } else if (part) {
      out.append(part);
    }
  });
  return out;
}

const announcer = document.getElementById("desk-announce");
function announce(content) {
  announcer.replaceChildren(content);
}

/* ---- Dates (ISO YYYY-MM-DD strings, compared as strings) ---- */
function addDays(day, days) {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date) + days * DAY_MS).toISOString().slice(0, 10);
}

function later(first, second) {
  return first > second ? first : second;
}

/* ---- Errors beside the form that caused them ---- */
function clearFormErrors(form, box) {
  form.querySelectorAll(".field-error[data-field]").forEach((slot) => { slot.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  box.replaceChildren();
}

/* Each field's messages under its own input; the message, and errors of fields without a place, in `box`. */
function showFormError(form, box, error) {
  clearFormErrors(form, box);
  const loose = [];
  Object.entries((error && error.fields) || {}).forEach(([field, messages]) => {
    const text = [].concat(messages).join(" ");
    const slot = form.querySelector('.field-error[data-field="' + field + '"]');
    if (slot) {
      slot.textContent = text;
      const input = form.querySelector('[name="' + field + '"]');
      if (input) {
        input.setAttribute("aria-invalid", "true");
      }
    } else {
      loose.push((FIELD_LABELS[field] || field) + ": " + text);
    }
  });
  const message = error && error.message ? error.message : gettext("Something went wrong.");
  box.replaceChildren(element("div", {class: "error-box"}, element("p", {text: message}), ...loose.map((line) => element("p", {text: line}))));
}

/* ---- The coverage map ---- */
const coverage = coverageMap(document.getElementById("coverage-map"), {
  asOf: config.today,
  county: config.county,
  tileUrl: config.tileUrl,
  tileAttribution: config.tileAttribution,
  legend: document.getElementById("map-legend"),
  status: document.getElementById("map-status"),
  popupExtra: (properties) => {
    if (properties.kind === "community" || properties.status === "covered") {
      return null;
    }
    const button = element("button", {type: "button", class: "primary small-button", text: gettext("Assign a specialist")});
    button.addEventListener("click", () => {
      coverage.map.closePopup();
      openAssign({
        village: {code: properties.code, name: properties.name},
        town: {name: properties.town_name},
        county: {name: properties.county_name},
      });
    });
    return button;
  },
});

/* ---- Gaps: uncovered villages, villages at risk, uncovered key industries ---- */
const KINDS = ["uncovered", "at_risk", "industry"];
const gapLimits = {uncovered: PAGE_SIZE, at_risk: PAGE_SIZE, industry: PAGE_SIZE};

function grow(limit, step) {
  return Math.min(limit + step, MAX_ROWS);
}

function place(...names) {
  return names.filter(Boolean).join(" · ");
}

/* A village's name that shows it on the map. */
function villageTitle(village) {
  const button = element("button", {type: "button", class: "link-like row-title", "data-action": "locate", title: gettext("Show on the map")},
    verbatim(village.name));
  button.addEventListener("click", () => {
    if (coverage.focus(village.code)) {
      document.getElementById("coverage-map").scrollIntoView({behavior: "smooth", block: "nearest"});
    }
  });
  return button;
}

function gapRow(gap) {
  if (gap.kind === "industry") {
    return element(
      "li", {class: "row gap-row", "data-industry": gap.industry.id, "data-county": gap.county ? gap.county.code : ""},
      element("div", {class: "row-main"},
        verbatim(gap.industry.name, "row-title"),
        gap.county ? verbatim(gap.county.name, "row-place muted") : element("span", {class: "row-place muted", text: gettext("City-wide")})),
    );
  }
  const button = element("button", {type: "button", class: "primary small-button", "data-action": "assign", text: gettext("Assign")});
  button.addEventListener("click", () => openAssign({village: gap.village, town: gap.town, county: gap.county}));
  const main = element("div", {class: "row-main"},
    villageTitle(gap.village),
    verbatim(place(gap.village.code, gap.town.name, gap.county.name), "row-place muted"));
  const actions = element("div", {class: "row-actions"}, button);
  if (gap.kind === "at_risk" && gap.last_end_date) {
    main.append(element("span", {class: "row-note warn-text"}, phrase(gettext("Served until %(day)s"), {day: gap.last_end_date})));
    // Its running assignments, where each can be extended or given a successor.
    const show = element("button", {type: "button", class: "secondary small-button", "data-action": "show-assignments", text: gettext("Its assignments")});
    show.addEventListener("click", () => showAssignmentsOf(gap.village));
    actions.prepend(show);
  }
  return element("li", {class: "row gap-row", "data-village": gap.village.code}, main, actions);
}

async function loadGaps(kind) {
  const panel = document.getElementById("gaps-" + kind);
  const list = panel.querySelector(".gap-list");
  const moreButton = panel.querySelector(".more");
  const data = await api.get("coverage/gaps/", {kind: kind, county: config.county, page_size: gapLimits[kind]});
  const rows = data.results.map(gapRow);
  list.replaceChildren(...(rows.length ? rows : [element("li", {class: "row empty", text: gettext("None: nothing to do here.")})]));
  moreButton.hidden = !data.next || gapLimits[kind] >= MAX_ROWS;
  document.querySelector("#tab-" + kind + " .tab-count").textContent = "(" + data.count + ")";
  panel.dataset.loaded = "true";
}

function reloadGaps() {
  return Promise.all(KINDS.map((kind) => loadGaps(kind)));
}

KINDS.forEach((kind) => {
  document.querySelector("#gaps-" + kind + " .more").addEventListener("click", () => {
    gapLimits[kind] = grow(gapLimits[kind], PAGE_SIZE);
    loadGaps(kind).catch((error) => showError(error));
  });
});

// Tabs: click, or the arrow keys on the tab list.
const tabs = Array.from(document.querySelectorAll('#gaps [role="tab"]'));
function selectTab(tab) {
  tabs.forEach((other) => {
    const selected = other === tab;
    other.setAttribute("aria-selected", selected ? "true" : "false");
    other.tabIndex = selected ? 0 : -1;
    document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
  });
}
tabs.forEach((tab, index) => {
  tab.addEventListener("click", () => selectTab(tab));
  tab.addEventListener("keydown", (event) => {
    const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
    if (step) {
      const next = tabs[(index + step + tabs.length) % tabs.length];
      selectTab(next);
      next.focus();
    }
  });
});

/* ---- Running assignments ---- */
const assignmentBody = document.querySelector("#assignment-table tbody");
const assignmentEmpty = document.getElementById("assignment-empty");
const assignmentMore = document.getElementById("assignment-more");
const searchInput = document.getElementById("assignment-search");
const townSelect = document.getElementById("assignment-town");
let assignmentLimit = PAGE_SIZE;
let assignmentRequest = 0;

function assignmentRow(assignment) {
  const actions = element("td", {class: "row-actions"});
  if (assignment.end_date === null) {
    const end = element("button", {type: "button", class: "secondary small-button", "data-action": "end", text: gettext("End")});
    end.addEventListener("click", () => openEnd(assignment));
    const reassign = element("button", {type: "button", class: "secondary small-button", "data-action": "reassign", text: gettext("Reassign")});
    reassign.addEventListener("click", () => openAssign({
      village: assignment.village, town: assignment.town, county: assignment.county, replacing: assignment,
    }));
    actions.append(end, reassign);
  } else {
    // A planned end: the same specialist stays on (extend), or another follows from the next day.
    const extend = element("button", {type: "button", class: "secondary small-button", "data-action": "extend", text: gettext("Extend")});
    extend.addEventListener("click", () => openExtend(assignment));
    const successor = element("button", {type: "button", class: "secondary small-button", "data-action": "successor", text: gettext("Assign a successor")});
    successor.addEventListener("click", () => openAssign({
      village: assignment.village, town: assignment.town, county: assignment.county, startDate: later(addDays(assignment.end_date, 1), config.today),
    }));
    actions.append(extend, successor);
  }
  return element(
    "tr", {"data-id": assignment.id, "data-village": assignment.village.code},
    element("td", {}, villageTitle(assignment.village), element("br"),
      verbatim(place(assignment.village.code, assignment.town.name, config.county ? "" : assignment.county.name), "muted small")),
    element("td", {}, verbatim(assignment.specialist.name)),
    element("td", {class: "date"}, verbatim(assignment.start_date)),
    assignment.end_date === null
      ? element("td", {class: "date muted", text: gettext("open-ended")})
      : element("td", {class: "date warn-text"}, verbatim(assignment.end_date)),
    actions,
  );
}

async function loadAssignments() {
  const request = ++assignmentRequest;
  const data = await api.get("village-assignments/", {
    running_on: config.today,
    county: config.county,
    town: townSelect ? townSelect.value : "",
    search: searchInput.value.trim(),
    ordering: "-start_date",
    page_size: assignmentLimit,
  });
  if (request !== assignmentRequest) {
    return; // a newer search has been sent since; its answer wins
  }
  assignmentBody.replaceChildren(...data.results.map(assignmentRow));
  assignmentEmpty.hidden = data.count > 0;
  assignmentMore.hidden = !data.next || assignmentLimit >= MAX_ROWS;
  document.getElementById("assignment-count").textContent = "(" + data.count + ")";
}

// A new search or town starts from the first rows again.
function filterAssignments() {
  clearTimeout(searchTimer);
  assignmentLimit = PAGE_SIZE;
  loadAssignments().catch((error) => showError(error));
}
let searchTimer = null;
searchInput.addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(filterAssignments, SEARCH_DELAY_MS);
});
document.getElementById("assignment-filters").addEventListener("submit", (event) => {
  event.preventDefault();
  filterAssignments();
});
if (townSelect) {
  townSelect.addEventListener("change", filterAssignments);
}

function showAssignmentsOf(village) {
  searchInput.value = village.code;
  if (townSelect) {
    townSelect.value = "";
  }
  filterAssignments();
  document.getElementById("assignments").scrollIntoView({behavior: "smooth", block: "start"});
}
assignmentMore.addEventListener("click", () => {
  assignmentLimit = grow(assignmentLimit, PAGE_SIZE);
  loadAssignments().catch((error) => showError(error));
});

/* ---- Exports: the gap list of the open tab, and the running assignments as filtered ---- */
document.getElementById("gaps-export").addEventListener("click", (event) => {
  const tab = tabs.find((item) => item.getAttribute("aria-selected") === "true");
  exportFile(event.currentTarget, "coverage/gaps/export/", {kind: tab.dataset.kind, as_of: config.today, county: config.county});
});
document.getElementById("assignment-export").addEventListener("click", (event) => {
  exportFile(event.currentTarget, "village-assignments/export/", {
    running_on: config.today, county: config.county, town: townSelect ? townSelect.value : "",
    search: searchInput.value.trim(), ordering: "-start_date",
  });
});

/* ---- After a change: the gaps, the list and the map as the server now has them ---- */
function refreshAfterChange() {
  return Promise.all([coverage.reload(), reloadGaps(), loadAssignments()]).catch((error) => showError(error));
}

/* ---- Dialogs ---- */
document.querySelectorAll(".desk-dialog [data-close]").forEach((button) => {
  button.addEventListener("click", () => button.closest("dialog").close());
});

/* A refusal made here, before anything is sent, in the API's error shape. */
function invalid(fields) {
  return {message: gettext("Some of the data sent is not valid."), fields: fields};
}

/* A dialog's form: `send` checks and sends it (throwing an error in the API's shape to show beside the
 * fields) and returns what to announce. The button waits while it runs; on success the dialog closes
 * and the gaps, the list and the map are drawn anew. */
function onDialogSubmit(form, box, button, send) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    try {
      const done = await send();
      form.closest("dialog").close();
      announce(done);
      await refreshAfterChange();
    } catch (error) {
      showFormError(form, box, error);
    } finally {
      button.disabled = false;
    }
  });
}

/* ---- Assign (and reassign): choose a suggested specialist for a village ---- */
const assignDialog = document.getElementById("assign-dialog");
const assignForm = document.getElementById("assign-form");
const assignErrors = document.getElementById("assign-errors");
const assignStart = document.getElementById("assign-start");
const assignSubmit = document.getElementById("assign-submit");
const suggestionList = document.getElementById("suggestion-list");
let assigning = null;
let suggestionRequest = 0;

function distanceText(suggestion) {
  if (suggestion.distance_m === null) {
    return gettext("distance unknown");
  }
  const km = (suggestion.distance_m / 1000).toFixed(1);
  return suggestion.distance_from === "home"
    ? interpolate(gettext("%(km)s km from their home base"), {km: km}, true)
    : interpolate(gettext("%(km)s km from a village they serve"), {km: km}, true);
}

function suggestionOption(suggestion, index) {
  const id = "suggestion-" + suggestion.id;
  const load = interpolate(
    ngettext("serves %(count)s village", "serves %(count)s villages", suggestion.running_villages), {count: suggestion.running_villages}, true,
  );
  return element(
    "label", {class: "suggestion", for: id, "data-specialist": suggestion.id},
    element("input", {type: "radio", name: "specialist", id: id, value: suggestion.id, checked: index === 0}),
    element("span", {class: "suggestion-text"},
      verbatim(suggestion.name, "row-title"),
      verbatim(suggestion.organisation.name, "muted small"),
      element("span", {class: "suggestion-facts small"},
        element("span", {text: distanceText(suggestion)}),
        element("span", {text: load}),
        suggestion.matches_expertise
          ? element("span", {class: "badge match", text: gettext("expertise matches")})
          : element("span", {class: "badge", text: gettext("other expertise")}))),
  );
}

async function loadSuggestions() {
  const request = ++suggestionRequest;
  suggestionList.replaceChildren(element("p", {class: "muted", text: gettext("Loading…")}));
  assignSubmit.disabled = true;
  try {
    const rows = await api.get("villages/" + assigning.village.code + "/suggestions/", {as_of: assignStart.value || config.today});
    if (request !== suggestionRequest) {
      return;
    }
    suggestionList.replaceChildren(...(rows.length ? rows.map(suggestionOption)
      : [element("p", {class: "muted", text: gettext("No active specialist with spare load can be suggested for this village.")})]));
    assignSubmit.disabled = !rows.length;
  } catch (error) {
    if (request === suggestionRequest) {
      suggestionList.replaceChildren();
      showFormError(assignForm, assignErrors, error);
    }
  }
}

function openAssign(target) {
  assigning = target;
  clearFormErrors(assignForm, assignErrors);
  assignForm.reset();
  const replacing = target.replacing;
  document.getElementById("assign-title").textContent = replacing ? gettext("Reassign the village") : gettext("Assign a specialist");
  document.getElementById("assign-place").textContent = place(target.village.name, target.village.code, target.town && target.town.name,
    target.county && target.county.name);
  const note = document.getElementById("assign-replaces");
  note.hidden = !replacing;
  note.replaceChildren();
  if (replacing) {
    note.append(phrase(gettext("Replaces %(name)s, who has served the village since %(day)s."),
      {name: replacing.specialist.name, day: replacing.start_date}));
  }
  document.getElementById("assign-start-hint").textContent = replacing
    ? gettext("The new specialist starts on this day; the current one serves until the day before.")
    : gettext("The first day the specialist serves the village.");
  assignStart.value = target.startDate || config.today;
  // A successor cannot start before the current assignment began (the API says so too).
  assignStart.min = replacing ? replacing.start_date : "";
  assignSubmit.textContent = replacing ? gettext("Reassign") : gettext("Assign");
  assignDialog.showModal();
  loadSuggestions();
}

assignStart.addEventListener("change", () => {
  if (assignStart.value) {
    loadSuggestions();
  }
});

onDialogSubmit(assignForm, assignErrors, assignSubmit, async () => {
  const chosen = assignForm.querySelector('input[name="specialist"]:checked');
  const start = assignStart.value;
  if (!chosen || !start) {
    throw invalid(Object.assign({}, chosen ? {} : {specialist: [gettext("Choose a specialist.")]},
      start ? {} : {start_date: [gettext("Give the start date.")]}));
  }
  const target = assigning;
  const name = chosen.closest(".suggestion").querySelector(".row-title").textContent;
  const note = document.getElementById("assign-note").value;
  if (target.replacing) {
    // One call: the current assignment ends the day before and the successor's begins, both or neither.
    await api.post("village-assignments/" + target.replacing.id + "/reassign/", {specialist: Number(chosen.value), start_date: start, note: note});
  } else {
    await api.post("village-assignments/", {specialist: Number(chosen.value), village: target.village.code, start_date: start, note: note});
  }
  return phrase(gettext("%(name)s now serves %(village)s."), {name: name, village: target.village.name});
});

/* ---- End an assignment ---- */
const endDialog = document.getElementById("end-dialog");
const endForm = document.getElementById("end-form");
const endErrors = document.getElementById("end-errors");
const endDate = document.getElementById("end-date");
const endSubmit = document.getElementById("end-submit");
let ending = null;

function openEnd(assignment) {
  ending = assignment;
  clearFormErrors(endForm, endErrors);
  document.getElementById("end-what").textContent = place(assignment.specialist.name, assignment.village.name, assignment.town.name);
  endDate.min = assignment.start_date;
  endDate.value = later(config.today, assignment.start_date);
  endDialog.showModal();
}

onDialogSubmit(endForm, endErrors, endSubmit, async () => {
  if (!endDate.value) {
    throw invalid({end_date: [gettext("Give the last day served.")]});
  }
  await api.post("village-assignments/" + ending.id + "/end/", {end_date: endDate.value});
  return phrase(gettext("The assignment to %(village)s ends on %(day)s."), {village: ending.village.name, day: endDate.value});
});

/* ---- Extend a planned end: a later last day, or none ---- */
const extendDialog = document.getElementById("extend-dialog");
const extendForm = document.getElementById("extend-form");
const extendErrors = document.getElementById("extend-errors");
const extendDate = document.getElementById("extend-date");
const extendOpen = document.getElementById("extend-open");
const extendSubmit = document.getElementById("extend-submit");
let extending = null;

function openExtend(assignment) {
  extending = assignment;
  clearFormErrors(extendForm, extendErrors);
  document.getElementById("extend-what").textContent = place(assignment.specialist.name, assignment.village.name, assignment.town.name);
  document.getElementById("extend-planned").replaceChildren(phrase(gettext("Planned to end on %(day)s."), {day: assignment.end_date}));
  extendDate.min = addDays(assignment.end_date, 1);
  extendDate.value = addDays(assignment.end_date, 365);
  extendOpen.checked = false;
  extendDate.disabled = false;
  extendDialog.showModal();
}

extendOpen.addEventListener("change", () => {
  extendDate.disabled = extendOpen.checked;
});

onDialogSubmit(extendForm, extendErrors, extendSubmit, async () => {
  const endDateValue = extendOpen.checked ? null : extendDate.value;
  if (endDateValue === "") {
    throw invalid({end_date: [gettext("Give the new last day, or choose no end date.")]});
  }
  await api.post("village-assignments/" + extending.id + "/extend/", {end_date: endDateValue});
  const names = {name: extending.specialist.name, village: extending.village.name, day: endDateValue};
  return endDateValue === null
    ? phrase(gettext("%(name)s serves %(village)s with no end date."), names)
    : phrase(gettext("%(name)s serves %(village)s until %(day)s."), names);
});

/* ---- The review queue: submitted achievements, oldest first ---- */
const reviewList = document.getElementById("review-list");
const reviewEmpty = document.getElementById("review-empty");
const reviewMore = document.getElementById("review-more");
const reviewCount = document.getElementById("review-count");
let reviewLimit = REVIEW_PAGE_SIZE;
let reviewTotal = 0;

function fact(label, value, wide) {
  return value === null || value === undefined || value === "" ? null
    : element("div", {class: wide ? "fact wide" : "fact"}, element("dt", {text: label}), element("dd", {translate: "no", text: String(value)}));
}

function factLabelled(label, value) {
  // A value that is itself an interface word (a kind of entity, an award level): translated, so no translate="no".
  return value ? element("div", {class: "fact"}, element("dt", {text: label}), element("dd", {text: value})) : null;
}

function showReviewCount() {
  reviewCount.textContent = "(" + reviewTotal + ")";
  reviewEmpty.hidden = reviewTotal > 0;
}

function reviewCard(achievement) {
  const errors = element("div", {class: "form-errors", role: "alert"});
  const facts = element("dl", {class: "facts"},
    fact(gettext("Specialist"), achievement.specialist.name),
    fact(gettext("Date achieved"), achievement.date),
    fact(gettext("Counts toward year"), achievement.year),
    fact(gettext("Village"), achievement.village && achievement.village.name),
    fact(gettext("Key industry"), achievement.industry && achievement.industry.name),
    achievement.amount_yuan ? fact(gettext("Amount (yuan)"), achievement.amount_yuan.toLocaleString("en-US")) : null,
    fact(gettext("Economic entity"), achievement.enterprise_name, true),
    fact(gettext("Credit code"), achievement.enterprise_credit_code, true),
    factLabelled(gettext("Kind of entity"), config.enterpriseKinds[achievement.enterprise_kind]),
    // Its label names the Chinese term itself ("Led (领办)"), in either language.
    fact(gettext("Led or founded"), config.enterpriseRelations[achievement.enterprise_relation]),
    fact(gettext("Awarding body"), achievement.award_body, true),
    factLabelled(gettext("Award level"), config.awardLevels[achievement.award_level]),
  );
  const evidence = achievement.evidence.map((file, index) => element("li", {},
    element("a", {href: file.url, translate: file.original_name ? "no" : null, text: file.original_name || interpolate(gettext("File %(number)s"), {number: index + 1}, true)})));

  const verify = element("button", {type: "button", class: "primary", "data-action": "verify", text: gettext("Verify")});
  const reject = element("button", {type: "button", class: "secondary", "data-action": "reject", text: gettext("Reject…")});
  const reasonId = "reason-" + achievement.uuid;
  const reason = element("textarea", {id: reasonId, name: "reason", rows: 2, maxlength: 1000, required: true});
  const confirmReject = element("button", {type: "submit", class: "primary danger", "data-action": "confirm-reject", text: gettext("Reject")});
  const cancelReject = element("button", {type: "button", class: "secondary", text: gettext("Cancel")});
  const rejectForm = element("form", {class: "reject-form", hidden: true, novalidate: true},
    element("label", {for: reasonId, text: gettext("Reason for rejection (the specialist reads it)")}),
    reason,
    element("p", {class: "field-error", "data-field": "reason"}),
    element("div", {class: "dialog-buttons"}, confirmReject, cancelReject));
  const actions = element("div", {class: "review-actions"}, verify, reject);

  const card = element("article", {class: "review", "data-uuid": achievement.uuid},
    element("header", {},
      element("h3", {translate: "no", text: achievement.title}),
      element("span", {class: "badge kind", text: config.achievementKinds[achievement.kind] || achievement.kind})),
    facts,
    achievement.description ? element("p", {class: "review-description", translate: "no", text: achievement.description}) : null,
    evidence.length ? element("div", {class: "evidence"}, element("span", {class: "muted small", text: gettext("Evidence:")}), element("ul", {}, ...evidence)) : null,
    actions, rejectForm, errors);

  function done(content) {
    card.remove();
    reviewTotal -= 1;
    showReviewCount();
    announce(content);
  }

  verify.addEventListener("click", async () => {
    verify.disabled = reject.disabled = true;
    try {
      await api.post("achievements/" + achievement.uuid + "/verify/");
      done(phrase(gettext("Verified: %(title)s"), {title: achievement.title}));
    } catch (error) {
      showFormError(card, errors, error);
      verify.disabled = reject.disabled = false;
    }
  });
  reject.addEventListener("click", () => {
    actions.hidden = true;
    rejectForm.hidden = false;
    reason.focus();
  });
  cancelReject.addEventListener("click", () => {
    rejectForm.hidden = true;
    actions.hidden = false;
    clearFormErrors(card, errors);
  });
  rejectForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!reason.value.trim()) {
      showFormError(card, errors, {message: gettext("Some of the data sent is not valid."), fields: {reason: [gettext("Give the reason for the rejection.")]}});
      reason.focus();
      return;
    }
    confirmReject.disabled = true;
    try {
      await api.post("achievements/" + achievement.uuid + "/reject/", {reason: reason.value.trim()});
      done(phrase(gettext("Rejected: %(title)s"), {title: achievement.title}));
    } catch (error) {
      showFormError(card, errors, error);
      confirmReject.disabled = false;
    }
  });
  return card;
}

async function loadReviews() {
  const data = await api.get("achievements/", {
    status: "submitted", county: config.county, ordering: "submitted_at", page_size: reviewLimit,
  });
  reviewList.replaceChildren(...data.results.map(reviewCard));
  reviewTotal = data.count;
  showReviewCount();
  reviewMore.hidden = !data.next || reviewLimit >= MAX_ROWS;
}
reviewMore.addEventListener("click", () => {
  // Rows already reviewed have left the queue, so the first page, longer, holds the next ones.
  reviewLimit = grow(reviewList.children.length, REVIEW_PAGE_SIZE);
  loadReviews().catch((error) => showError(error));
});

/* ---- First load ---- */
reloadGaps().catch((error) => showError(error));
loadAssignments().catch((error) => showError(error));
loadReviews().catch((error) => showError(error));
