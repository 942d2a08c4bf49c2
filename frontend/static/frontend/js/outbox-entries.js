/* The outbox's rules, apart from IndexedDB, the network and the page: what an entry is, whether it
 * may be queued, when it is tried again, and how one attempt moves it from state to state. outbox.js
 * keeps the entries in IndexedDB and sends them with these; Node's test runner tests them
 * (tests/frontend/js/outbox.test.mjs), so this module uses no browser API.
 *
 * An entry: {uuid, owner, type, payload, files: [{uuid, blob, name, sent}], state, stored, attempts,
 * nextAttemptAt, error, result, createdAt, sentAt}. Its states:
 *
 *   waiting  not sent yet, or the last attempt had no answer, a busy server or no session (no
 *            status, 5xx, 408, 429, 401): tried again at nextAttemptAt, after a growing delay
 *   sending  an attempt is under way; one left so by a page closed mid-send waits again
 *   sent     the server has the record and every file
 *   failed   the server refused it (any other 4xx, with its message): the person edits it, sends it
 *            again or deletes it
 *
 * The record is sent first (`stored` once the server has it), then the files one by one (each
 * `sent`); every step is saved, so that an attempt resumes where the last one stopped, and the
 * same UUIDs are sent every time: the API stores a UUID once, so a repeat is never a second row.
 * The records of entries that wait together go in batches (BATCH_SIZE at a time) where their type has
 * a batch route: each entry is marked by its own answer in the batch, as if it had been sent alone,
 * and then goes on with its files. A server without the route (404, 405), or one that refuses the batch
 * as a whole, gets the records one by one instead, so that no entry waits on a batch.
 *
 * Transitions return a new entry and leave the one given as it was.
 */

export const FIRST_DELAY_MS = 2000;
export const MAX_DELAY_MS = 5 * 60 * 1000;
// The soonest the outbox wakes for a retry that is already due.
export const MIN_WAKE_MS = 250;
// Records sent in one batch: well under the server's limit (500) and its request size (2.5 MB) even
// with long descriptions, and small enough that a slow network still brings the answer back.
export const BATCH_SIZE = 50;

// What each type of entry is sent to: the record, then each file under `fileField`; the records of a
// type with `batch` go there together ({<batchKey>: [payload, ...]}), each answered on its own.
export const ENDPOINTS = {
  log: {record: "service-logs/", batch: "service-logs/batch/", batchKey: "logs", files: (uuid) => `service-logs/${uuid}/photos/`, fileField: "image"},
  achievement: {record: "achievements/", files: (uuid) => `achievements/${uuid}/evidence/`, fileField: "file"},
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/* An entry the outbox must not take: a mistake in the page, not something the person can put right. */
export class InvalidEntry extends Error {
  constructor(problems) {
    super("invalid outbox entry: " + problems.join("; "));
    this.name = "InvalidEntry";
    this.problems = problems;
  }
}

/* A new random (version 4) UUID. Pages served over plain HTTP on a local network have no
 * crypto.randomUUID: the same, by hand. */
export function newUuid(source = globalThis.crypto) {
  if (source.randomUUID) {
    return source.randomUUID();
  }
  const bytes = source.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/* What is wrong with an entry as a page hands it over ({type, uuid, payload, files}), for `owner`:
 * [] when nothing. Its record is sent with payload.uuid and its files to the entry's own UUID, so the
 * two must be one; every file needs a UUID of its own, for the server to store it once. */
export function entryProblems(entry, owner) {
  const problems = [];
  if (typeof owner !== "string" || !owner) {
    problems.push("no owner");
  }
  if (!entry || typeof entry !== "object") {
    return problems.concat("not an object");
  }
  if (!Object.prototype.hasOwnProperty.call(ENDPOINTS, entry.type)) {
    problems.push(`unknown type ${entry.type}`);
  }
  if (!UUID.test(entry.uuid || "")) {
    problems.push(`uuid ${entry.uuid} is not a UUID`);
  }
  if (!entry.payload || typeof entry.payload !== "object" || Array.isArray(entry.payload)) {
    problems.push("no payload");
  } else if (entry.payload.uuid !== entry.uuid) {
    problems.push(`payload.uuid ${entry.payload.uuid} is not the entry's uuid ${entry.uuid}`);
  }
  const files = entry.files === undefined ? [] : entry.files;
  if (!Array.isArray(files)) {
    return problems.concat("files is not a list");
  }
  const seen = new Set([String(entry.uuid).toLowerCase()]);
  files.forEach((file, index) => {
    const uuid = file && file.uuid;
    if (!UUID.test(uuid || "")) {
      problems.push(`file ${index}: uuid ${uuid} is not a UUID`);
    } else if (seen.has(uuid.toLowerCase())) {
      problems.push(`file ${index}: uuid ${uuid} is used twice`);
    } else {
      seen.add(uuid.toLowerCase());
    }
    if (!file || !file.blob || typeof file.blob.size !== "number") {
      problems.push(`file ${index}: no content`);
    }
  });
  return problems;
}

/* The entry as the outbox stores it before any network call: waiting, nothing sent. A replaced entry
 * keeps its place in the list with the createdAt it gives. Throws InvalidEntry. */
export function newEntry(entry, {owner, now}) {
  const problems = entryProblems(entry, owner);
  if (problems.length) {
    throw new InvalidEntry(problems);
  }
  return {
    uuid: entry.uuid,
    owner: owner,
    type: entry.type,
    payload: entry.payload,
    files: (entry.files || []).map((file) => ({uuid: file.uuid, blob: file.blob, name: file.name, sent: false})),
    state: "waiting",
    stored: false,
    attempts: 0,
    nextAttemptAt: 0,
    error: null,
    result: null,
    createdAt: entry.createdAt || now,
    sentAt: null,
  };
}

/* ---- When to try again ---- */

/* The delay before the n-th retry: 2 s, 4 s, 8 s ... at most 5 minutes, give or take a quarter
 * (`random` in [0, 1)), so that phones that lost the network together do not all return at once. */
export function backoff(attempts, random = Math.random) {
  const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(delay * (0.75 + random() * 0.5));
}

/* A failure worth retrying: no answer, a server error, or "come back later". */
export function isTransient(error) {
  return !error.status || error.status >= 500 || error.status === 408 || error.status === 429;
}

/* Whether the entry waits after this failure rather than failing: a transient one, or a session that
 * has ended (401), which the next sign-in puts right. */
export function waitsAfter(error) {
  return isTransient(error) || error.status === 401;
}

/* The entries to send now, oldest first: the waiting ones whose time has come, or all waiting ones
 * when `force` (the person pressed "send", the network came back). */
export function dueEntries(entries, {now, force = false}) {
  return entries
    .filter((entry) => entry.state === "waiting" && (force || (entry.nextAttemptAt || 0) <= now))
    .sort((a, b) => a.createdAt - b.createdAt);
}

/* How long until the next waiting entry is due (at least MIN_WAKE_MS), or null when none waits. */
export function wakeDelay(entries, now) {
  const next = entries.filter((entry) => entry.state === "waiting").map((entry) => entry.nextAttemptAt || 0);
  return next.length ? Math.max(MIN_WAKE_MS, Math.min(...next) - now) : null;
}

/* ---- One attempt, step by step ---- */

/* What to send next: the record, one file not sent yet, or nothing (all is on the server). */
export function nextStep(entry) {
  if (!entry.stored) {
    return {stage: "record"};
  }
  const file = entry.files.find((one) => !one.sent);
  return file ? {stage: "file", file: file} : null;
}

export function sending(entry) {
  return {...entry, state: "sending"};
}

/* An entry left "sending" by a page closed mid-send: its answer never came, so it waits again. */
export function resumeInterrupted(entry) {
  return entry.state === "sending" ? {...entry, state: "waiting"} : entry;
}

export function recordStored(entry, result) {
  return {...entry, stored: true, result: result};
}

export function fileSent(entry, fileUuid) {
  return {...entry, files: entry.files.map((file) => (file.uuid === fileUuid ? {...file, sent: true} : file))};
}

export function sent(entry, now) {
  return {...entry, state: "sent", sentAt: now, error: null, attempts: 0, nextAttemptAt: 0};
}

/* The error as an entry keeps it, for the page to show: the API's status, code, message and fields,
 * and which step failed (a file's failure says which file). */
export function problemOf(error, step) {
  return {
    status: error.status || 0,
    code: error.code || "",
    message: error.message,
    fields: error.fields || {},
    stage: step ? step.stage : "record",
    fileUuid: step && step.file ? step.file.uuid : null,
  };
}

/* After a failed step: {entry, outcome}. "offline": the entry waits, for a longer delay each time;
 * "failed": the server refused it. */
export function afterFailure(entry, error, {step, now, random = Math.random}) {
  const problem = problemOf(error, step);
  if (waitsAfter(error)) {
    const attempts = entry.attempts + 1;
    return {
      outcome: "offline",
      entry: {...entry, state: "waiting", error: problem, attempts: attempts, nextAttemptAt: now + backoff(attempts, random)},
    };
  }
  return {outcome: "failed", entry: {...entry, state: "failed", error: problem}};
}

/* A later try for a waiting entry: at `until` at the earliest. */
export function deferred(entry, until) {
  return {...entry, nextAttemptAt: Math.max(entry.nextAttemptAt || 0, until)};
}

/* ---- What the person may do with an entry ---- */

/* A refused entry sent again as it is (its cause was put right elsewhere); null if it was not refused. */
export function retried(entry) {
  return entry.state === "failed" ? {...entry, state: "waiting", error: null, attempts: 0, nextAttemptAt: 0} : null;
}

/* An entry whose record the server has, without the files not sent yet (a refused photo), to be
 * finished; null if the server does not have its record. */
export function withoutUnsentFiles(entry) {
  if (!entry.stored) {
    return null;
  }
  return {...entry, files: entry.files.filter((file) => file.sent), state: "waiting", error: null, attempts: 0, nextAttemptAt: 0};
}

/* What the page offers for an entry: a file refused after its record was stored is tried again or
 * left out; a refused record is edited or deleted (it never reached the server); nothing otherwise. */
export function actionsFor(entry) {
  if (entry.state !== "failed") {
    return [];
  }
  return entry.error && entry.error.stage === "file" ? ["retry", "drop-files"] : ["edit", "delete"];
}

/* The UUID an edited entry is sent with: a refused one's own, unless the server holds that UUID with
 * other content (409), when only a new one can be stored. */
export function uuidAfterEdit(entry, makeUuid = newUuid) {
  return entry.error && entry.error.status === 409 ? makeUuid() : entry.uuid;
}

/* ---- Sending, with the network and the storage handed in ---- */

/* One attempt at one entry: the record unless the server has it, then each file not sent yet, each
 * step saved. `transport` has record(entry) -> the API's answer, and file(entry, file); each throws
 * the API's error ({status, code, message, fields}). Resolves to {outcome, entry}: outcome "sent",
 * "offline" or "failed", entry as last saved. */
export async function sendEntry(entry, {transport, save, now = Date.now, random = Math.random}) {
  let current = sending(entry);
  await save(current);
  let step = nextStep(current);
  try {
    while (step) {
      if (step.stage === "record") {
        current = recordStored(current, await transport.record(current));
      } else {
        await transport.file(current, step.file);
        current = fileSent(current, step.file.uuid);
      }
      await save(current);
      step = nextStep(current);
    }
  } catch (error) {
    const failure = afterFailure(current, error, {step, now: now(), random});
    await save(failure.entry);
    return failure;
  }
  current = sent(current, now());
  await save(current);
  return {outcome: "sent", entry: current};
}

/* ---- Records in batches ---- */

/* Whether the whole batch should go one by one instead: the server has no batch route (an older
 * one: 404, 405), or refused the batch as such (malformed, too large) rather than any entry in it. */
export function batchRefused(error) {
  return !waitsAfter(error);
}

/* The error an entry's own answer in a batch stands for ({status, log, error: {code, message, fields}}),
 * shaped as the API's error for one record would be. */
export function answerError(answer) {
  const body = answer.error || {};
  return {status: answer.status, code: body.code || "", message: body.message || "", fields: body.fields || {}};
}

/* One batch of records: each entry saved "sending", the batch sent, and each entry marked by its own
 * answer: stored (201, 200) with the stored row as its result, or failed as a refusal sent alone
 * would fail it. Resolves to {outcome, entries}: outcome "answered" (entries: every entry as last
 * saved, in order), "offline" (the batch had no answer: entries wait, each attempt counted), or
 * "one-by-one" (the batch route is missing or refused the batch: entries as they were, to be sent
 * alone; `unsupported` when the route is missing). */
export async function sendBatch(entries, {transport, save, now = Date.now, random = Math.random}) {
  const current = entries.map(sending);
  for (const entry of current) {
    await save(entry);
  }
  let answers;
  try {
    answers = await transport.batch(entries[0].type, current);
  } catch (error) {
    if (batchRefused(error)) {
      return {outcome: "one-by-one", unsupported: error.status === 404 || error.status === 405, entries: current};
    }
    const waited = current.map((entry) => afterFailure(entry, error, {step: {stage: "record"}, now: now(), random}).entry);
    for (const entry of waited) {
      await save(entry);
    }
    return {outcome: "offline", entries: waited};
  }
  const byUuid = new Map((answers || []).map((answer) => [String(answer.uuid).toLowerCase(), answer]));
  const after = [];
  for (const entry of current) {
    const answer = byUuid.get(entry.uuid.toLowerCase());
    let next;
    if (!answer) {
      next = entry;  // not answered (it should be): sent alone below, as the record is not known to be stored
    } else if (answer.status === 200 || answer.status === 201) {
      next = recordStored(entry, answer.log);
    } else {
      next = afterFailure(entry, answerError(answer), {step: {stage: "record"}, now: now(), random}).entry;
    }
    await save(next);
    after.push(next);
  }
  return {outcome: "answered", entries: after};
}

/* Send what is due of `entries` (all of one owner), oldest first. An entry left "sending" waits
 * again first. Offline, nothing is sent. When one attempt finds no network (or no server, or no
 * session), the rest are not tried now: each waits at least as long as that one. Resolves to the
 * outcomes, [{uuid, outcome}], in the order tried; onSent(entry) is called as each is sent. */
export async function sendDue(entries, {
  transport, save, now = Date.now, random = Math.random, force = false, online = true, onSent = () => {},
  onBatchUnsupported = () => {},
}) {
  const current = [];
  for (const entry of entries) {
    const resumed = resumeInterrupted(entry);
    if (resumed !== entry) {
      await save(resumed);
    }
    current.push(resumed);
  }
  if (!online) {
    return [];
  }
  let due = dueEntries(current, {now: now(), force});
  const outcomes = [];
  const deferRest = async (rest, after) => {
    const later = now() + backoff(after.attempts, random);
    for (const other of rest) {
      await save(deferred(other, later));
    }
  };
  if (transport.batch) {
    // The records first, in batches by type; then each entry on its own for what is left (its files).
    const latest = new Map(due.map((entry) => [entry.uuid, entry]));
    const held = new Set();
    const types = [...new Set(due.map((entry) => entry.type))].filter((type) => ENDPOINTS[type].batch);
    for (const type of types) {
      const waiting = due.filter((entry) => entry.type === type && !entry.stored);
      for (let start = 0; start < waiting.length; start += BATCH_SIZE) {
        const result = await sendBatch(waiting.slice(start, start + BATCH_SIZE), {transport, save, now, random});
        if (result.outcome === "one-by-one") {
          if (result.unsupported) {
            onBatchUnsupported();
          }
          break;  // the rest of this type go one by one, as before batches
        }
        result.entries.forEach((entry) => latest.set(entry.uuid, entry));
        result.entries.filter((entry) => entry.state === "failed" || entry.state === "waiting").forEach((entry) => held.add(entry.uuid));
        if (result.outcome === "offline") {
          result.entries.forEach((entry) => outcomes.push({uuid: entry.uuid, outcome: "offline"}));
          const tried = new Set(result.entries.map((entry) => entry.uuid));
          await deferRest(due.filter((entry) => !tried.has(entry.uuid)), result.entries[0]);
          return outcomes;
        }
      }
    }
    // A record refused by its own answer has failed, and one answered "later" waits: neither is tried
    // again now. The stored ones go on with their files; any left unanswered are sent alone.
    due = due.map((entry) => latest.get(entry.uuid)).filter((entry) => {
      if (!held.has(entry.uuid)) {
        return true;
      }
      outcomes.push({uuid: entry.uuid, outcome: entry.state === "failed" ? "failed" : "offline"});
      return false;
    });
  }
  for (const [index, entry] of due.entries()) {
    const {outcome, entry: after} = await sendEntry(entry, {transport, save, now, random});
    outcomes.push({uuid: entry.uuid, outcome: outcome});
    if (outcome === "sent") {
      onSent(after);
    } else if (outcome === "offline") {
      await deferRest(due.slice(index + 1), after);
      break;
    }
  }
  return outcomes;
}
