/* The specialists' phone page (/m/): my villages and teams, log a service, my achievements. The page's
 * entry module.
 *
 * Works with no network: the service worker (/m/sw.js) keeps the page and every module it imports
 * (frontend/mobile.py's SHELL_STATIC); what the page read from the API is kept on the phone
 * (phoneStore) and shown when the API cannot be reached; what the specialist records goes into the
 * outbox (outbox.js) with its UUID BEFORE any network call, and the outbox sends it when it can.
 * Settings come from the #mobile-config JSON the view writes.
 */
import {api, element, showError} from "./api.js";
import {Outbox, phoneStore} from "./outbox.js";
import {actionsFor, newUuid, uuidAfterEdit} from "./outbox-entries.js";

const config = JSON.parse(document.getElementById("mobile-config").textContent);
const owner = config.username;
const language = document.documentElement.lang || "zh-Hans";
const REFRESH_AFTER_SEND_MS = 800;
const LOCATE_TIMEOUT_MS = 20000;
// A photo above this size is decoded to check its pixel count against the server's limit.
const PIXEL_CHECK_BYTES = 4 * 1024 * 1024;
const PHOTO_QUALITY = 0.85;

const state = {
  me: null,
  recentLogs: [],
  achievements: [],
  entries: [],
  savedAt: null,
  location: null,
  photo: null,
  evidence: [],
  editing: {log: null, achievement: null},
};

const STATE_LABELS = {
  waiting: gettext("Waiting to be sent"),
  sending: gettext("Sending…"),
  sent: gettext("Sent"),
  failed: gettext("Not accepted"),
};

/* ---- Small helpers ---- */

const byId = (id) => document.getElementById(id);

const dateTimeFormat = new Intl.DateTimeFormat(language, {dateStyle: "medium", timeStyle: "short"});
const dateFormat = new Intl.DateTimeFormat(language, {dateStyle: "medium"});
const numberFormat = new Intl.NumberFormat(language);
const formatDateTime = (value) => dateTimeFormat.format(new Date(value));
const formatDate = (value) => dateFormat.format(new Date(value + "T12:00:00"));

const pad = (number) => String(number).padStart(2, "0");

/* The phone's local date and time, as a datetime-local input shows it. */
function localInputValue(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function localDateValue(date) {
  return localInputValue(date).slice(0, 10);
}

/* "2024-05-01T09:30" -> "2024-05-01T09:30:00+08:00": the phone's offset on that day. */
function withOffset(value) {
  const withSeconds = value.length === 16 ? value + ":00" : value;
  const minutes = -new Date(withSeconds).getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  return `${withSeconds}${sign}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
}

function villageName(code) {
  const village = ((state.me && state.me.villages) || []).find((item) => item.code === code);
  return village ? village.name : code;
}

/* A label for an API field name, from the form that has it (nested names by their first part). */
function fieldLabel(formId, field) {
  const label = document.querySelector(`#${formId} [data-field="${field.split(".")[0]}"]`);
  return label ? label.textContent.trim() : null;
}

/* An error box: the API's message and each field's messages under the field's label. (Not an
 * alert: the list is drawn again at every change, and would be read out again each time.) */
function errorBox(formId, problem) {
  const box = element("div", {class: "error-box"}, element("p", {text: problem.message}));
  Object.entries(problem.fields || {}).forEach(([field, messages]) => {
    const label = fieldLabel(formId, field);
    const text = [].concat(messages).join(" ");
    box.append(element("p", {text: label ? `${label}: ${text}` : text}));
  });
  return box;
}

/* ---- Tabs ---- */

const tabs = Array.from(document.querySelectorAll(".phone-tabs [role=tab]"));

function showTab(name, remember) {
  tabs.forEach((tab) => {
    const chosen = tab.id === "tab-" + name;
    tab.setAttribute("aria-selected", String(chosen));
    byId(tab.getAttribute("aria-controls")).hidden = !chosen;
  });
  if (remember) {
    history.replaceState(null, "", "#" + name);
  }
}

tabs.forEach((tab) => tab.addEventListener("click", () => showTab(tab.id.slice(4), true)));
const firstTab = window.location.hash.slice(1);
showTab(tabs.some((tab) => tab.id === "tab-" + firstTab) ? firstTab : "log", false);

/* ---- Connection, installation, the worker ---- */

const connection = byId("connection");

function showConnection() {
  connection.dataset.online = String(navigator.onLine !== false);
  document.body.dataset.online = connection.dataset.online;
}

window.addEventListener("online", () => {
  showConnection();
  refresh();
});
window.addEventListener("offline", showConnection);
showConnection();

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(config.serviceWorker, {scope: config.scope}).catch((error) => {
    console.warn("The offline copy of this page could not be set up:", error);
  });
}

let installPrompt = null;
const installButton = byId("install-button");
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  installPrompt = event;
  installButton.hidden = false;
});
installButton.addEventListener("click", async () => {
  installButton.hidden = true;
  if (installPrompt) {
    installPrompt.prompt();
    installPrompt = null;
  }
});

/* Signing out forgets the copies of this person's page and data, so that the next person to use
 * the phone does not see them offline; entries still waiting stay, and go at the next sign-in. */
const logoutForm = document.querySelector("form.logout");
let signingOut = false;
if (logoutForm) {
  logoutForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const waiting = state.entries.filter((entry) => entry.state !== "sent").length;
    if (waiting && !window.confirm(interpolate(ngettext(
      "%s entry has not been sent yet. It stays on this phone and is sent the next time you sign in here. Sign out?",
      "%s entries have not been sent yet. They stay on this phone and are sent the next time you sign in here. Sign out?",
      waiting,
    ), [waiting]))) {
      return;
    }
    signingOut = true;
    try {
      await (refreshing || Promise.resolve());
      const names = "caches" in window ? await caches.keys() : [];
      await Promise.all([
        phoneStore.forget(owner),
        ...names.filter((name) => name.startsWith("tepai-mobile-")).map(async (name) => (await caches.open(name)).delete(config.scope)),
      ]);
    } catch (error) {
      console.warn("The copies on this phone could not all be removed:", error);
    }
    logoutForm.submit();
  });
}

/* ---- What the page read from the API, kept on the phone ---- */

function showDataAge(offline) {
  const line = byId("data-age");
  if (offline && state.savedAt) {
    line.textContent = interpolate(gettext("Shown as last read on %s."), [formatDateTime(state.savedAt)]);
    line.hidden = false;
  } else if (offline) {
    line.textContent = gettext("Nothing has been read from the server on this phone yet.");
    line.hidden = false;
  } else {
    line.hidden = true;
  }
}

async function loadKept() {
  try {
    const [me, logs, achievements] = await Promise.all(
      ["me", "recent-logs", "achievements"].map((name) => phoneStore.get(owner, name)),
    );
    if (me) {
      state.me = me.value;
      state.savedAt = me.savedAt;
    }
    state.recentLogs = logs ? logs.value : [];
    state.achievements = achievements ? achievements.value : [];
  } catch (error) {
    console.warn("Nothing kept on this phone could be read:", error);
  }
  renderAll();
}

let refreshing = null;

async function readFromServer() {
  if (navigator.onLine === false) {
    showDataAge(true);
    return;
  }
  try {
    const me = await api.get("me/");
    const [logs, achievements] = await Promise.all([
      api.get("service-logs/", {specialist: config.specialistId, page_size: 20}),
      api.get("achievements/", {page_size: 100}),
    ]);
    if (signingOut) {
      return;
    }
    Object.assign(state, {me: me, recentLogs: logs.results, achievements: achievements.results, savedAt: Date.now()});
    await Promise.all([
      phoneStore.put(owner, "me", me),
      phoneStore.put(owner, "recent-logs", logs.results),
      phoneStore.put(owner, "achievements", achievements.results),
    ]);
    showDataAge(false);
  } catch (error) {
    if (error.status === 0 || error.status === 401) {
      showDataAge(true);
      if (error.status === 401) {
        showError(error);
      }
    } else {
      showError(error);
    }
  }
  renderAll();
}

let refreshAgain = false;

/* Read from the server; asked again while reading (something was just sent), read once more after. */
async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return refreshing;
  }
  refreshing = (async () => {
    do {
      refreshAgain = false;
      await readFromServer();
    } while (refreshAgain);
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

let refreshTimer = null;

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, REFRESH_AFTER_SEND_MS);
}

/* ---- The outbox ---- */

const outbox = new Outbox({
  owner: owner,
  csrfCookieName: config.csrfCookieName,
  onChange: () => reloadEntries(),
  onSent: () => refreshSoon(),
});

let reloading = false;
let reloadAgain = false;

/* Read the outbox and show it; changes during a read are shown by one more read. */
async function reloadEntries() {
  if (reloading) {
    reloadAgain = true;
    return;
  }
  reloading = true;
  try {
    do {
      reloadAgain = false;
      state.entries = await outbox.list();
      renderEntries();
    } while (reloadAgain);
  } catch (error) {
    console.warn("The outbox could not be read:", error);
  } finally {
    reloading = false;
  }
}

/* ---- Villages and teams ---- */

/* The villages as options after the select's first (blank) one; `optional`: no village chosen by default. */
function fillVillageSelect(select, optional) {
  const chosen = select.value;
  const villages = (state.me && state.me.villages) || [];
  select.replaceChildren(select.options[0]);
  villages.forEach((village) => {
    select.append(element("option", {value: village.code, translate: "no", text: `${village.name} · ${village.town.name}`}));
  });
  if (villages.some((village) => village.code === chosen)) {
    select.value = chosen;
  } else if (!optional && villages.length === 1) {
    select.value = villages[0].code;
  }
}

function renderVillages() {
  const villages = (state.me && state.me.villages) || [];
  const list = byId("villages");
  list.replaceChildren(...villages.map((village) => element("li", {class: "entry", "data-code": village.code},
    element("div", {class: "entry-head"},
      element("strong", {translate: "no", text: village.name}),
      element("span", {class: "muted small", translate: "no", text: village.code}),
    ),
    element("p", {class: "muted", translate: "no", text: `${village.county.name} · ${village.town.name}`}),
    element("p", {class: "small", text: village.end_date
      ? interpolate(gettext("Serving from %(start)s to %(end)s"), {start: formatDate(village.start_date), end: formatDate(village.end_date)}, true)
      : interpolate(gettext("Serving since %s"), [formatDate(village.start_date)])}),
  )));
  byId("villages-empty").hidden = villages.length > 0;
  byId("log-no-villages").hidden = !state.me || villages.length > 0;
  fillVillageSelect(byId("log-village"), false);
  fillVillageSelect(byId("achievement-village"), true);

  const teams = (state.me && state.me.teams) || [];
  byId("teams").replaceChildren(...teams.map((team) => element("li", {class: "entry"},
    element("div", {class: "entry-head"}, element("strong", {translate: "no", text: team.name})),
    team.lead_organisation ? element("p", {class: "muted", translate: "no", text: team.lead_organisation.name}) : null,
    team.leader ? element("p", {class: "small"}, gettext("Leader:"), element("span", {class: "after-label", translate: "no", text: team.leader.name})) : null,
    element("p", {class: "small", text: interpolate(
      ngettext("%s member", "%s members", (team.members || []).length), [numberFormat.format((team.members || []).length)],
    )}),
  )));
  byId("teams-empty").hidden = teams.length > 0;
}

/* ---- Entries: the outbox and what the server has ---- */

function stateBadge(entryState) {
  return element("span", {class: "badge state-" + entryState, text: STATE_LABELS[entryState]});
}

function placeNote(log) {
  if (log.in_village === true) {
    return element("p", {class: "small good", text: gettext("Recorded in the village.")});
  }
  if (log.in_village === false) {
    const kilometres = (log.distance_m / 1000).toFixed(1);
    return element("p", {class: "small warn", text: interpolate(gettext("Recorded %s km from the village."), [kilometres])});
  }
  return null;
}

// The buttons of the actions outbox-entries.js offers for an entry.
const ACTION_BUTTONS = {
  "retry": [gettext("Try again"), "secondary small-button"],
  "drop-files": [gettext("Send without it"), "secondary small-button"],
  "edit": [gettext("Edit"), "secondary small-button"],
  "delete": [gettext("Delete"), "danger small-button"],
};

function entryActions(entry) {
  const actions = actionsFor(entry);
  return actions.length ? element("div", {class: "entry-actions"}, ...actions.map((action) => element("button", {
    type: "button", class: ACTION_BUTTONS[action][1], "data-action": action, text: ACTION_BUTTONS[action][0],
  }))) : null;
}

function filesLine(entry) {
  if (!entry.files.length) {
    return null;
  }
  const sent = entry.files.filter((file) => file.sent).length;
  const text = entry.type === "log"
    ? interpolate(gettext("Photo: %(sent)s of %(count)s sent"), {sent: sent, count: entry.files.length}, true)
    : interpolate(gettext("Evidence: %(sent)s of %(count)s files sent"), {sent: sent, count: entry.files.length}, true);
  return element("p", {class: "muted small", text: text});
}

function entryProblem(entry, formId) {
  if (!entry.error) {
    return null;
  }
  if (entry.state === "failed") {
    const box = errorBox(formId, entry.error);
    if (entry.error.stage === "file") {
      box.prepend(element("p", {class: "small", text: entry.type === "log"
        ? gettext("The log was recorded, but its photo was not accepted.")
        : gettext("The achievement was submitted, but a file was not accepted.")}));
    }
    return box;
  }
  // Waiting after a failed attempt: say why, quietly.
  return element("p", {class: "muted small retry-note", text: entry.error.status === 401
    ? gettext("Sign in again to send this.")
    : gettext("Not sent yet: the server could not be reached. It is tried again automatically.")});
}

function logEntryItem(entry) {
  const log = entry.payload;
  const result = entry.result || {};
  return element("li", {class: "entry state-" + entry.state, "data-uuid": entry.uuid, "data-state": entry.state},
    element("div", {class: "entry-head"},
      element("strong", {translate: "no", text: villageName(log.village)}),
      stateBadge(entry.state),
    ),
    element("p", {class: "muted small", text: `${config.logKinds[log.kind] || log.kind} · ${formatDateTime(log.occurred_at)} · ${
      interpolate(ngettext("%s person served", "%s people served", log.people_served), [numberFormat.format(log.people_served)])}`}),
    element("p", {class: "description", translate: "no", text: log.description}),
    filesLine(entry),
    entry.state === "sent" ? placeNote(result) : null,
    entryProblem(entry, "log-form"),
    entryActions(entry),
  );
}

function serverLogItem(log) {
  return element("li", {class: "entry", "data-uuid": log.uuid},
    element("div", {class: "entry-head"},
      element("strong", {translate: "no", text: villageName(log.village)}),
      stateBadge("sent"),
    ),
    element("p", {class: "muted small", text: `${config.logKinds[log.kind] || log.kind} · ${formatDateTime(log.occurred_at)} · ${
      interpolate(ngettext("%s person served", "%s people served", log.people_served), [numberFormat.format(log.people_served)])}`}),
    element("p", {class: "description", translate: "no", text: log.description}),
    log.photos && log.photos.length
      ? element("p", {class: "muted small", text: interpolate(ngettext("%s photo", "%s photos", log.photos.length), [log.photos.length])})
      : null,
    placeNote(log),
  );
}

function achievementLine(item) {
  const parts = [config.achievementKinds[item.kind] || item.kind, formatDate(item.date)];
  if (item.amount_yuan) {
    parts.push(interpolate(gettext("%s yuan"), [numberFormat.format(item.amount_yuan)]));
  }
  return element("p", {class: "muted small", text: parts.join(" · ")});
}

function outboxAchievementItem(entry) {
  const item = entry.payload;
  return element("li", {class: "entry state-" + entry.state, "data-uuid": entry.uuid, "data-state": entry.state},
    element("div", {class: "entry-head"}, element("strong", {translate: "no", text: item.title}), stateBadge(entry.state)),
    achievementLine(item),
    item.description ? element("p", {class: "description", translate: "no", text: item.description}) : null,
    filesLine(entry),
    entryProblem(entry, "achievement-form"),
    entryActions(entry),
  );
}

function serverAchievementItem(item) {
  const evidence = (item.evidence || []).length;
  return element("li", {class: "entry review-" + item.status, "data-uuid": item.uuid, "data-status": item.status, "data-evidence": String(evidence)},
    element("div", {class: "entry-head"},
      element("strong", {translate: "no", text: item.title}),
      element("span", {class: "badge review-" + item.status, text: config.achievementStatuses[item.status] || item.status}),
    ),
    achievementLine(item),
    item.description ? element("p", {class: "description", translate: "no", text: item.description}) : null,
    evidence ? element("p", {class: "muted small", text: interpolate(ngettext("%s evidence file", "%s evidence files", evidence), [evidence])}) : null,
    item.status === "rejected" && item.reject_reason
      ? element("div", {class: "error-box"}, element("p", {},
        gettext("Reason for rejection:"), element("span", {class: "reject-reason after-label", translate: "no", text: item.reject_reason})))
      : null,
  );
}

function renderEntries() {
  const logs = state.entries.filter((entry) => entry.type === "log");
  byId("log-outbox").replaceChildren(...logs.map(logEntryItem));
  byId("outbox-empty").hidden = logs.length > 0;
  byId("outbox-send").hidden = !state.entries.some((entry) => entry.state === "waiting");
  byId("outbox-clear").hidden = !state.entries.some((entry) => entry.state === "sent");

  const onPhone = new Set(state.entries.map((entry) => entry.uuid));
  const recent = state.recentLogs.filter((log) => !onPhone.has(log.uuid));
  byId("recent-logs").replaceChildren(...recent.map(serverLogItem));
  byId("recent-empty").hidden = recent.length > 0 || logs.length > 0;

  // An achievement on its way shows its outbox state (its files may still be going); once sent, the
  // server's copy shows its review.
  const onServer = new Set(state.achievements.map((item) => item.uuid));
  const unsent = new Set(state.entries.filter((entry) => entry.state !== "sent").map((entry) => entry.uuid));
  const pending = state.entries.filter((entry) => entry.type === "achievement" && (unsent.has(entry.uuid) || !onServer.has(entry.uuid)));
  const reviewed = state.achievements.filter((item) => !unsent.has(item.uuid));
  byId("achievements").replaceChildren(...pending.map(outboxAchievementItem), ...reviewed.map(serverAchievementItem));
  byId("achievements-empty").hidden = pending.length + reviewed.length > 0;
}

function renderAll() {
  renderVillages();
  renderEntries();
}

async function onEntryAction(event) {
  const button = event.target.closest("button[data-action]");
  if (!button) {
    return;
  }
  const uuid = button.closest("[data-uuid]").dataset.uuid;
  const action = button.dataset.action;
  if (action === "retry") {
    await outbox.retry(uuid);
  } else if (action === "drop-files") {
    await outbox.dropUnsentFiles(uuid);
  } else if (action === "delete") {
    if (window.confirm(gettext("Delete this entry from the phone? It was never recorded on the server."))) {
      await outbox.remove(uuid);
    }
  } else if (action === "edit") {
    const entry = await outbox.get(uuid);
    if (entry) {
      (entry.type === "log" ? editLog : editAchievement)(entry);
    }
  }
}

["log-outbox", "achievements"].forEach((id) => byId(id).addEventListener("click", onEntryAction));
byId("outbox-send").addEventListener("click", () => outbox.kick());
byId("outbox-clear").addEventListener("click", () => outbox.clearSent());

/* ---- Form errors ---- */

function showFormErrors(form, problems) {
  const box = byId(form.id.replace("-form", "-errors"));
  form.querySelectorAll("[aria-invalid]").forEach((input) => input.removeAttribute("aria-invalid"));
  if (!problems.length) {
    box.replaceChildren();
    return true;
  }
  box.replaceChildren(element("div", {class: "error-box"}, ...problems.map(([input, message]) => {
    if (input) {
      input.setAttribute("aria-invalid", "true");
    }
    const label = input ? form.querySelector(`label[for="${input.id}"]`) : null;
    return element("p", {text: label ? `${label.textContent.trim()}: ${message}` : message});
  })));
  const first = problems.find(([input]) => input);
  if (first) {
    first[0].focus();
  }
  return false;
}

const REQUIRED = gettext("This field is required.");

/* ---- Log a service: location ---- */

const locationText = byId("log-location");
let locating = null;

function showLocation() {
  const fix = state.location;
  if (!fix) {
    return;
  }
  locationText.textContent = interpolate(gettext("%(lat)s, %(lon)s (within %(accuracy)s m)"), {
    lat: fix.lat.toFixed(5), lon: fix.lon.toFixed(5), accuracy: Math.round(fix.accuracy_m),
  }, true);
  locationText.dataset.located = "true";
}

/* The phone's position (browsers give WGS-84); resolves to the fix, or null when there is none. */
function locate() {
  if (!("geolocation" in navigator)) {
    locationText.textContent = gettext("This browser cannot tell the location.");
    return Promise.resolve(null);
  }
  if (!locating) {
    if (!state.location) {
      locationText.textContent = gettext("Finding the location…");
    }
    locating = new Promise((resolve) => {
      navigator.geolocation.getCurrentPosition((position) => {
        state.location = {
          lon: position.coords.longitude, lat: position.coords.latitude,
          accuracy_m: Math.max(0, position.coords.accuracy || 0), crs: "WGS84",
        };
        showLocation();
        resolve(state.location);
      }, (error) => {
        locationText.textContent = error.code === error.PERMISSION_DENIED
          ? gettext("Location is not allowed. Allow this page to use the location, then press Locate.")
          : gettext("The location could not be found. Press Locate to try again.");
        delete locationText.dataset.located;
        resolve(state.location);
      }, {enableHighAccuracy: true, timeout: LOCATE_TIMEOUT_MS, maximumAge: 60000});
    }).finally(() => {
      locating = null;
    });
  }
  return locating;
}

byId("log-locate").addEventListener("click", () => {
  state.location = null;
  locate();
});

// Ask for the location once the person starts on the form (or at once, if it is already allowed),
// rather than prompting everyone on every visit.
const logForm = byId("log-form");
logForm.addEventListener("focusin", () => {
  if (!state.location) {
    locate();
  }
}, {once: true});
if (navigator.permissions && navigator.permissions.query) {
  navigator.permissions.query({name: "geolocation"}).then((status) => {
    if (status.state === "granted") {
      locate();
    }
  }).catch(() => {});
}

/* ---- Log a service: the photo ---- */

const photoInput = byId("log-photo");
const photoPreview = byId("log-photo-preview");

function showPhoto() {
  const image = photoPreview.querySelector("img");
  if (image.src) {
    URL.revokeObjectURL(image.src);
  }
  if (state.photo) {
    image.src = URL.createObjectURL(state.photo.blob);
    photoPreview.hidden = false;
  } else {
    image.removeAttribute("src");
    photoPreview.hidden = true;
  }
}

/* A photo within the server's limits: a larger one is scaled down (as JPEG) on the phone, before it
 * is stored, so that every retry sends the same bytes. One the browser cannot read is kept as it is. */
async function fitPhoto(file) {
  const tooBig = file.size > config.photoMaxBytes;
  if (!tooBig && file.size <= PIXEL_CHECK_BYTES) {
    return file;
  }
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    return file;
  }
  const pixels = bitmap.width * bitmap.height;
  let scale = Math.min(1, Math.sqrt(config.photoMaxPixels / pixels));
  if (scale === 1 && !tooBig) {
    bitmap.close();
    return file;
  }
  let blob = null;
  for (let tries = 0; tries < 4; tries += 1) {
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.floor(bitmap.width * scale));
    canvas.height = Math.max(1, Math.floor(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", PHOTO_QUALITY));
    if (blob && blob.size <= config.photoMaxBytes) {
      break;
    }
    scale *= 0.7;
  }
  bitmap.close();
  return blob || file;
}

photoInput.addEventListener("change", async () => {
  const file = photoInput.files[0];
  if (!file) {
    return;
  }
  const blob = await fitPhoto(file);
  const name = blob === file ? file.name : file.name.replace(/\.[^.]*$/, "") + ".jpg";
  state.photo = {uuid: newUuid(), blob: blob, name: name || "photo.jpg"};
  showPhoto();
});

byId("log-photo-remove").addEventListener("click", () => {
  state.photo = null;
  photoInput.value = "";
  showPhoto();
});

/* ---- Log a service: save ---- */

function resetLogForm() {
  const village = byId("log-village").value;
  const kind = byId("log-kind").value;
  logForm.reset();
  byId("log-village").value = village;
  byId("log-kind").value = kind;
  byId("log-occurred-at").value = localInputValue(new Date());
  byId("log-occurred-at").max = localInputValue(new Date(Date.now() + 5 * 60000));
  state.photo = null;
  state.editing.log = null;
  showPhoto();
  byId("log-editing").hidden = true;
  byId("log-cancel-edit").hidden = true;
  showFormErrors(logForm, []);
}

function editLog(entry) {
  const log = entry.payload;
  showTab("log", true);
  state.editing.log = entry;
  byId("log-village").value = log.village;
  byId("log-kind").value = log.kind;
  byId("log-occurred-at").value = localInputValue(new Date(log.occurred_at));
  byId("log-people").value = log.people_served;
  byId("log-description").value = log.description;
  state.location = log.location;
  showLocation();
  const unsent = entry.files.find((file) => !file.sent);
  state.photo = unsent ? {uuid: unsent.uuid, blob: unsent.blob, name: unsent.name} : null;
  showPhoto();
  byId("log-editing").hidden = false;
  byId("log-cancel-edit").hidden = false;
  showFormErrors(logForm, []);
  const box = byId("log-errors");
  box.replaceChildren(errorBox("log-form", entry.error));
  logForm.scrollIntoView({behavior: "smooth", block: "start"});
}

byId("log-cancel-edit").addEventListener("click", resetLogForm);

logForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const village = byId("log-village");
  const occurredAt = byId("log-occurred-at");
  const people = byId("log-people");
  const description = byId("log-description");
  const problems = [];
  if (!village.value) {
    problems.push([village, REQUIRED]);
  }
  if (!occurredAt.value) {
    problems.push([occurredAt, REQUIRED]);
  } else if (new Date(occurredAt.value) > new Date(Date.now() + 5 * 60000)) {
    problems.push([occurredAt, gettext("The service cannot have taken place in the future.")]);
  }
  const count = Number(people.value);
  if (people.value === "" || !Number.isInteger(count) || count < 0 || count > 10000) {
    problems.push([people, gettext("Give a whole number from 0 to 10,000.")]);
  }
  if (!description.value.trim()) {
    problems.push([description, REQUIRED]);
  }
  if (!showFormErrors(logForm, problems)) {
    return;
  }
  const fix = state.location || await locate();
  if (!fix) {
    showFormErrors(logForm, [[null, gettext("The location is needed: allow this page to use the location, then save again.")]]);
    return;
  }
  const editing = state.editing.log;
  const uuid = editing ? uuidAfterEdit(editing) : newUuid();
  const entry = {
    type: "log",
    uuid: uuid,
    payload: {
      uuid: uuid,
      village: village.value,
      kind: byId("log-kind").value,
      occurred_at: withOffset(occurredAt.value),
      description: description.value.trim(),
      people_served: count,
      location: {lon: fix.lon, lat: fix.lat, accuracy_m: fix.accuracy_m, crs: fix.crs || "WGS84"},
    },
    files: state.photo ? [state.photo] : [],
  };
  try {
    if (editing) {
      await outbox.replace(editing.uuid, entry);
    } else {
      await outbox.add(entry);
    }
  } catch (error) {
    showFormErrors(logForm, [[null, gettext("The entry could not be saved on this phone.") + " " + error.message]]);
    return;
  }
  resetLogForm();
  // The next log is likely somewhere else: take a fresh position.
  state.location = null;
  locate();
  byId("outbox-heading").scrollIntoView({behavior: "smooth", block: "start"});
});

/* ---- Achievements ---- */

const achievementForm = byId("achievement-form");
const achievementKind = byId("achievement-kind");
const evidenceInput = byId("achievement-evidence");

function showKindFields() {
  const kind = achievementKind.value;
  achievementForm.querySelectorAll("[data-for-kinds]").forEach((part) => {
    part.hidden = !part.dataset.forKinds.split(" ").includes(kind);
  });
}

achievementKind.addEventListener("change", showKindFields);

function renderEvidence() {
  byId("achievement-files").replaceChildren(...state.evidence.map((file) => element("li", {"data-uuid": file.uuid},
    element("span", {translate: "no", text: file.name}),
    element("button", {type: "button", class: "link-like", "data-remove": file.uuid, text: gettext("Remove")}),
  )));
}

evidenceInput.addEventListener("change", () => {
  const problems = [];
  Array.from(evidenceInput.files).forEach((file) => {
    if (file.size > config.evidenceMaxBytes) {
      problems.push([evidenceInput, interpolate(gettext("%(name)s is too large: a file may have at most %(max)s megabytes."), {
        name: file.name, max: numberFormat.format(Math.floor(config.evidenceMaxBytes / 1048576)),
      }, true)]);
    } else {
      state.evidence.push({uuid: newUuid(), blob: file, name: file.name});
    }
  });
  evidenceInput.value = "";
  showFormErrors(achievementForm, problems);
  renderEvidence();
});

byId("achievement-files").addEventListener("click", (event) => {
  const uuid = event.target.dataset.remove;
  if (uuid) {
    state.evidence = state.evidence.filter((file) => file.uuid !== uuid);
    renderEvidence();
  }
});

function resetAchievementForm() {
  achievementForm.reset();
  byId("achievement-date").value = localDateValue(new Date());
  byId("achievement-date").max = localDateValue(new Date());
  state.evidence = [];
  state.editing.achievement = null;
  renderEvidence();
  showKindFields();
  byId("achievement-editing").hidden = true;
  byId("achievement-cancel-edit").hidden = true;
  showFormErrors(achievementForm, []);
}

const ACHIEVEMENT_FIELDS = {
  title: "achievement-title", description: "achievement-description", date: "achievement-date",
  enterprise_name: "achievement-enterprise-name", enterprise_credit_code: "achievement-credit-code",
  enterprise_kind: "achievement-enterprise-kind", enterprise_relation: "achievement-enterprise-relation",
  award_body: "achievement-award-body", award_level: "achievement-award-level",
};

function editAchievement(entry) {
  const item = entry.payload;
  showTab("achievements", true);
  resetAchievementForm();
  state.editing.achievement = entry;
  achievementKind.value = item.kind;
  showKindFields();
  Object.entries(ACHIEVEMENT_FIELDS).forEach(([field, id]) => {
    if (item[field]) {
      byId(id).value = item[field];
    }
  });
  byId("achievement-village").value = item.village || "";
  byId("achievement-amount").value = item.amount_yuan || "";
  state.evidence = entry.files.filter((file) => !file.sent).map((file) => ({uuid: file.uuid, blob: file.blob, name: file.name}));
  renderEvidence();
  byId("achievement-editing").hidden = false;
  byId("achievement-cancel-edit").hidden = false;
  byId("achievement-errors").replaceChildren(errorBox("achievement-form", entry.error));
  achievementForm.scrollIntoView({behavior: "smooth", block: "start"});
}

byId("achievement-cancel-edit").addEventListener("click", resetAchievementForm);

achievementForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const kind = achievementKind.value;
  const value = (id) => byId(id).value.trim();
  const problems = [];
  const need = (id) => {
    if (!value(id)) {
      problems.push([byId(id), REQUIRED]);
    }
  };
  need("achievement-title");
  need("achievement-date");
  if (value("achievement-date") && value("achievement-date") > localDateValue(new Date())) {
    problems.push([byId("achievement-date"), gettext("An achievement cannot be dated in the future.")]);
  }
  const income = config.incomeKinds.includes(kind);
  const amount = Number(value("achievement-amount"));
  if (income && (!Number.isInteger(amount) || amount < 1)) {
    problems.push([byId("achievement-amount"), gettext("Give the income increase in whole yuan, above zero.")]);
  }
  if (kind === "collective_income") {
    need("achievement-village");
  }
  if (kind === "enterprise") {
    need("achievement-enterprise-name");
    need("achievement-credit-code");
  }
  if (kind === "award") {
    need("achievement-award-body");
  }
  if (!showFormErrors(achievementForm, problems)) {
    return;
  }
  const editing = state.editing.achievement;
  const uuid = editing ? uuidAfterEdit(editing) : newUuid();
  const enterprise = kind === "enterprise";
  const award = kind === "award";
  const entry = {
    type: "achievement",
    uuid: uuid,
    payload: {
      uuid: uuid,
      kind: kind,
      title: value("achievement-title"),
      description: value("achievement-description"),
      date: value("achievement-date"),
      village: value("achievement-village") || null,
      amount_yuan: income ? amount : null,
      enterprise_name: enterprise ? value("achievement-enterprise-name") : "",
      enterprise_credit_code: enterprise ? value("achievement-credit-code").toUpperCase() : "",
      enterprise_kind: enterprise ? value("achievement-enterprise-kind") : "",
      enterprise_relation: enterprise ? value("achievement-enterprise-relation") : "",
      award_body: award ? value("achievement-award-body") : "",
      award_level: award ? value("achievement-award-level") : "",
    },
    files: state.evidence,
  };
  try {
    if (editing) {
      await outbox.replace(editing.uuid, entry);
    } else {
      await outbox.add(entry);
    }
  } catch (error) {
    showFormErrors(achievementForm, [[null, gettext("The entry could not be saved on this phone.") + " " + error.message]]);
    return;
  }
  resetAchievementForm();
  byId("achievements-heading").scrollIntoView({behavior: "smooth", block: "start"});
});

/* ---- Start ---- */

resetLogForm();
resetAchievementForm();
loadKept().then(() => {
  reloadEntries();
  outbox.start();
  refresh();
});
