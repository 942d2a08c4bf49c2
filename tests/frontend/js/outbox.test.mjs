// The outbox's rules (frontend/static/frontend/js/outbox-entries.js) with no browser: Node's own test
// runner, no npm package. tests/frontend/test_javascript_units.py runs this file under pytest.
//
//   node --test tests/frontend/js/
import assert from "node:assert/strict";
import {describe, test} from "node:test";

import {
  ENDPOINTS, FIRST_DELAY_MS, InvalidEntry, MAX_DELAY_MS, MIN_WAKE_MS,
  actionsFor, afterFailure, backoff, dueEntries, entryProblems, isTransient, newEntry, newUuid, nextStep,
  resumeInterrupted, retried, sendDue, sendEntry, uuidAfterEdit, waitsAfter, wakeDelay, withoutUnsentFiles,
} from "../../../frontend/static/frontend/js/outbox-entries.js";

const ENTRY = "6f1f0a3e-2c1b-4d5e-8f90-0123456789ab";
const PHOTO = "0b7c3a52-9d1e-4f2a-b3c4-d5e6f7a8b9c0";
const RECEIPT = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
const NOW = 1_700_000_000_000;
const MIDDLE = () => 0.5; // no jitter: backoff gives the delay itself

function blob(text = "jpeg") {
  return new Blob([text], {type: "image/jpeg"});
}

function logEntry(overrides = {}) {
  return {
    type: "log",
    uuid: ENTRY,
    payload: {uuid: ENTRY, village: "340321100001", description: "石榴冬季修剪培训", people_served: 12},
    files: [{uuid: PHOTO, blob: blob(), name: "field.jpg"}],
    ...overrides,
  };
}

function stored(overrides = {}, entryOverrides = {}) {
  return {...newEntry(logEntry(entryOverrides), {owner: "specialist", now: NOW}), ...overrides};
}

class ApiError extends Error {
  constructor(status, code = "", fields = {}) {
    super(`status ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/* A server that answers each call in turn from `answers` (a value, or an error to throw), recording the calls. */
function fakeServer(answers = []) {
  const calls = [];
  const queue = [...answers];
  const answer = (call) => {
    calls.push(call);
    const next = queue.length ? queue.shift() : {};
    if (next instanceof Error) {
      throw next;
    }
    return next;
  };
  return {
    calls,
    transport: {
      record: async (entry) => answer(`record ${entry.uuid}`),
      file: async (entry, file) => answer(`file ${file.uuid} of ${entry.uuid}`),
    },
  };
}

/* Storage that keeps every saved version of every entry, in order. */
function fakeStore() {
  const saved = [];
  return {
    saved,
    save: async (entry) => {
      saved.push(structuredClone({...entry, files: entry.files.map(({blob: _, ...file}) => file)}));
    },
    last: (uuid) => saved.filter((entry) => entry.uuid === uuid).at(-1),
  };
}

describe("an entry before it is queued", () => {
  test("is stored waiting, nothing sent, its files unsent, owned by the one who saved it", () => {
    const entry = newEntry(logEntry(), {owner: "specialist", now: NOW});

    assert.equal(entry.state, "waiting");
    assert.equal(entry.owner, "specialist");
    assert.equal(entry.stored, false);
    assert.equal(entry.attempts, 0);
    assert.equal(entry.nextAttemptAt, 0);
    assert.equal(entry.createdAt, NOW);
    assert.deepEqual(entry.files.map((file) => [file.uuid, file.name, file.sent]), [[PHOTO, "field.jpg", false]]);
    assert.equal(nextStep(entry).stage, "record");
  });

  test("keeps the createdAt it is given, so that an edited entry keeps its place", () => {
    assert.equal(newEntry(logEntry({createdAt: 42}), {owner: "specialist", now: NOW}).createdAt, 42);
  });

  test("is refused when its type, UUIDs, payload or files are wrong", () => {
    const cases = [
      [logEntry({type: "photo"}), "unknown type photo"],
      [logEntry({type: "toString"}), "unknown type toString"],
      [logEntry({uuid: "12345", payload: {uuid: "12345"}}), "uuid 12345 is not a UUID"],
      [logEntry({payload: null}), "no payload"],
      [logEntry({payload: {uuid: PHOTO}}), `payload.uuid ${PHOTO} is not the entry's uuid ${ENTRY}`],
      [logEntry({files: "field.jpg"}), "files is not a list"],
      [logEntry({files: [{uuid: "x", blob: blob()}]}), "file 0: uuid x is not a UUID"],
      [logEntry({files: [{uuid: ENTRY, blob: blob()}]}), `file 0: uuid ${ENTRY} is used twice`],
      [logEntry({files: [{uuid: PHOTO, blob: blob()}, {uuid: PHOTO.toUpperCase(), blob: blob()}]}), `file 1: uuid ${PHOTO.toUpperCase()} is used twice`],
      [logEntry({files: [{uuid: PHOTO, blob: null}]}), "file 0: no content"],
    ];
    for (const [entry, problem] of cases) {
      assert.deepEqual(entryProblems(entry, "specialist"), [problem]);
      assert.throws(() => newEntry(entry, {owner: "specialist", now: NOW}), (error) => {
        assert.ok(error instanceof InvalidEntry);
        assert.deepEqual(error.problems, [problem]);
        return true;
      });
    }
  });

  test("needs an owner", () => {
    assert.deepEqual(entryProblems(logEntry(), ""), ["no owner"]);
  });

  test("may have no files, and an achievement's go to its evidence", () => {
    const achievement = logEntry({type: "achievement", files: undefined});

    assert.deepEqual(entryProblems(achievement, "specialist"), []);
    assert.deepEqual(newEntry(achievement, {owner: "specialist", now: NOW}).files, []);
    assert.equal(ENDPOINTS.achievement.files(ENTRY), `achievements/${ENTRY}/evidence/`);
    assert.equal(ENDPOINTS.log.files(ENTRY), `service-logs/${ENTRY}/photos/`);
  });

  test("gets a version 4 UUID, also where crypto.randomUUID is missing", () => {
    const bytes = (array) => array.fill(0xff);
    const uuid = newUuid({getRandomValues: bytes});

    assert.equal(uuid, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    assert.match(newUuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(entryProblems(logEntry({uuid: uuid, payload: {uuid: uuid}}), "specialist"), []);
  });
});

describe("retry delays", () => {
  test("double from 2 s at each attempt, up to 5 minutes", () => {
    assert.deepEqual([0, 1, 2, 3, 4].map((attempts) => backoff(attempts, MIDDLE)), [2000, 2000, 4000, 8000, 16000]);
    assert.equal(backoff(8, MIDDLE), 256000);
    assert.equal(backoff(9, MIDDLE), MAX_DELAY_MS);
    assert.equal(backoff(50, MIDDLE), MAX_DELAY_MS);
  });

  test("vary by a quarter either way", () => {
    assert.equal(backoff(3, () => 0), 6000);
    assert.equal(backoff(3, () => 0.999999), 10000);
    assert.equal(backoff(50, () => 0), 0.75 * MAX_DELAY_MS);
  });

  test("wake the outbox when the first waiting entry is due, never sooner than 250 ms", () => {
    const entries = [
      stored({nextAttemptAt: NOW + 9000}),
      stored({uuid: PHOTO, nextAttemptAt: NOW + 4000}),
      stored({uuid: RECEIPT, state: "failed", nextAttemptAt: NOW + 10}),
    ];

    assert.equal(wakeDelay(entries, NOW), 4000);
    assert.equal(wakeDelay([stored({nextAttemptAt: NOW - 5000})], NOW), MIN_WAKE_MS);
    assert.equal(wakeDelay([stored({state: "sent"})], NOW), null);
  });
});

describe("which failures wait and which fail", () => {
  test("no answer, a server error, a timeout or too many requests: tried again", () => {
    for (const status of [0, undefined, 500, 502, 503, 408, 429]) {
      assert.equal(isTransient({status}), true, String(status));
      assert.equal(waitsAfter({status}), true, String(status));
    }
  });

  test("a refusal fails; an ended session waits for the next sign-in", () => {
    for (const status of [400, 403, 404, 409, 413, 415, 422]) {
      assert.equal(waitsAfter({status}), false, String(status));
    }
    assert.equal(isTransient({status: 401}), false);
    assert.equal(waitsAfter({status: 401}), true);
  });

  test("a wait counts the attempt and sets the next one; a refusal keeps the API's message and fields", () => {
    const entry = stored({attempts: 2});
    const waiting = afterFailure(entry, new ApiError(503), {step: {stage: "record"}, now: NOW, random: MIDDLE});
    const refused = afterFailure(entry, new ApiError(400, "invalid", {people_served: ["Too many."]}),
      {step: {stage: "record"}, now: NOW, random: MIDDLE});

    assert.equal(waiting.outcome, "offline");
    assert.equal(waiting.entry.state, "waiting");
    assert.equal(waiting.entry.attempts, 3);
    assert.equal(waiting.entry.nextAttemptAt, NOW + 8000);
    assert.equal(refused.outcome, "failed");
    assert.equal(refused.entry.state, "failed");
    assert.equal(refused.entry.attempts, 2);
    assert.deepEqual(refused.entry.error, {
      status: 400, code: "invalid", message: "status 400", fields: {people_served: ["Too many."]}, stage: "record", fileUuid: null,
    });
    assert.equal(entry.state, "waiting", "the entry given is left as it was");
  });
});

describe("which entries are sent", () => {
  test("the waiting ones whose time has come, oldest first", () => {
    const entries = [
      stored({uuid: "c", createdAt: 3, nextAttemptAt: NOW - 1}),
      stored({uuid: "a", createdAt: 1, nextAttemptAt: 0}),
      stored({uuid: "later", createdAt: 2, nextAttemptAt: NOW + 1}),
      stored({uuid: "sent", createdAt: 0, state: "sent"}),
      stored({uuid: "failed", createdAt: 0, state: "failed"}),
      stored({uuid: "sending", createdAt: 0, state: "sending"}),
    ];

    assert.deepEqual(dueEntries(entries, {now: NOW}).map((entry) => entry.uuid), ["a", "c"]);
    assert.deepEqual(dueEntries(entries, {now: NOW, force: true}).map((entry) => entry.uuid), ["a", "later", "c"]);
  });

  test("an entry left sending by a closed page waits again", () => {
    const left = stored({state: "sending"});
    const waiting = stored();

    assert.equal(resumeInterrupted(left).state, "waiting");
    assert.equal(resumeInterrupted(waiting), waiting);
  });
});

describe("one attempt", () => {
  test("sends the record, then each file, saving every step, and ends sent", async () => {
    const entry = stored({}, {files: [{uuid: PHOTO, blob: blob()}, {uuid: RECEIPT, blob: blob()}]});
    const server = fakeServer([{uuid: ENTRY, in_village: true}]);
    const store = fakeStore();

    const {outcome, entry: after} = await sendEntry(entry, {transport: server.transport, save: store.save, now: () => NOW});

    assert.equal(outcome, "sent");
    assert.deepEqual(server.calls, [`record ${ENTRY}`, `file ${PHOTO} of ${ENTRY}`, `file ${RECEIPT} of ${ENTRY}`]);
    assert.deepEqual(store.saved.map((saved) => [saved.state, saved.stored, saved.files.map((file) => file.sent)]), [
      ["sending", false, [false, false]],
      ["sending", true, [false, false]],
      ["sending", true, [true, false]],
      ["sending", true, [true, true]],
      ["sent", true, [true, true]],
    ]);
    assert.deepEqual(after.result, {uuid: ENTRY, in_village: true});
    assert.equal(after.sentAt, NOW);
    assert.equal(after.error, null);
  });

  test("resumes after a partial send: the record and the first file are not sent again", async () => {
    const entry = stored({}, {files: [{uuid: PHOTO, blob: blob()}, {uuid: RECEIPT, blob: blob()}]});
    const first = fakeServer([{uuid: ENTRY}, {}, new ApiError(0, "network")]);
    const store = fakeStore();

    const lost = await sendEntry(entry, {transport: first.transport, save: store.save, now: () => NOW, random: MIDDLE});

    assert.equal(lost.outcome, "offline");
    assert.equal(lost.entry.state, "waiting");
    assert.equal(lost.entry.stored, true);
    assert.deepEqual(lost.entry.files.map((file) => file.sent), [true, false]);
    assert.equal(lost.entry.attempts, 1);
    assert.equal(lost.entry.nextAttemptAt, NOW + FIRST_DELAY_MS);
    assert.deepEqual([lost.entry.error.stage, lost.entry.error.fileUuid], ["file", RECEIPT]);

    const second = fakeServer();
    const done = await sendEntry(lost.entry, {transport: second.transport, save: store.save, now: () => NOW + 5000});

    assert.equal(done.outcome, "sent");
    assert.deepEqual(second.calls, [`file ${RECEIPT} of ${ENTRY}`]);
    assert.equal(done.entry.attempts, 0);
    assert.equal(done.entry.error, null);
  });

  test("a refused record fails, and is edited or deleted; nothing after it is sent", async () => {
    const server = fakeServer([new ApiError(400, "invalid", {description: ["This field is required."]})]);
    const store = fakeStore();

    const {outcome, entry} = await sendEntry(stored(), {transport: server.transport, save: store.save, now: () => NOW});

    assert.equal(outcome, "failed");
    assert.deepEqual(server.calls, [`record ${ENTRY}`]);
    assert.equal(store.last(ENTRY).state, "failed");
    assert.equal(entry.stored, false);
    assert.deepEqual(entry.error.fields, {description: ["This field is required."]});
    assert.deepEqual(actionsFor(entry), ["edit", "delete"]);
  });

  test("a refused photo fails after its record is stored; left out, the entry is finished without sending anything again", async () => {
    const refused = await sendEntry(stored(), {
      transport: fakeServer([{uuid: ENTRY}, new ApiError(413, "too_large")]).transport, save: fakeStore().save, now: () => NOW,
    });

    assert.equal(refused.outcome, "failed");
    assert.deepEqual([refused.entry.error.stage, refused.entry.error.fileUuid, refused.entry.error.status], ["file", PHOTO, 413]);
    assert.deepEqual(actionsFor(refused.entry), ["retry", "drop-files"]);

    const without = withoutUnsentFiles(refused.entry);
    assert.deepEqual([without.state, without.files, without.error], ["waiting", [], null]);
    assert.equal(nextStep(without), null);
    const server = fakeServer();
    const done = await sendEntry(without, {transport: server.transport, save: fakeStore().save, now: () => NOW});
    assert.equal(done.outcome, "sent");
    assert.deepEqual(server.calls, []);
  });

  test("a refused entry sent again as it is starts over its retries; only a failed one can be", () => {
    const failed = stored({state: "failed", attempts: 4, nextAttemptAt: NOW + 1, error: {status: 403}});

    assert.deepEqual(
      (({state, attempts, nextAttemptAt, error}) => ({state, attempts, nextAttemptAt, error}))(retried(failed)),
      {state: "waiting", attempts: 0, nextAttemptAt: 0, error: null},
    );
    assert.equal(retried(stored()), null);
    assert.equal(withoutUnsentFiles(stored()), null, "a record the server lacks cannot be finished without its files");
  });

  test("an ended session waits, as no network does", async () => {
    const {outcome, entry} = await sendEntry(stored(), {
      transport: fakeServer([new ApiError(401, "not_authenticated")]).transport, save: fakeStore().save, now: () => NOW, random: MIDDLE,
    });

    assert.equal(outcome, "offline");
    assert.equal(entry.state, "waiting");
    assert.equal(entry.error.status, 401);
    assert.deepEqual(actionsFor(entry), []);
  });
});

describe("sending what is due", () => {
  test("stops at the first entry that finds no network; the rest wait at least as long", async () => {
    const entries = [
      stored({uuid: "one", createdAt: 1, payload: {uuid: "one"}, files: []}),
      stored({uuid: "two", createdAt: 2, payload: {uuid: "two"}, files: []}),
      stored({uuid: "three", createdAt: 3, payload: {uuid: "three"}, files: []}),
    ];
    const server = fakeServer([{}, new ApiError(0, "network")]);
    const store = fakeStore();
    const sentOnes = [];

    const outcomes = await sendDue(entries, {
      transport: server.transport, save: store.save, now: () => NOW, random: MIDDLE, onSent: (entry) => sentOnes.push(entry.uuid),
    });

    assert.deepEqual(outcomes, [{uuid: "one", outcome: "sent"}, {uuid: "two", outcome: "offline"}]);
    assert.deepEqual(server.calls, ["record one", "record two"]);
    assert.deepEqual(sentOnes, ["one"]);
    assert.equal(store.last("three").state, "waiting");
    assert.equal(store.last("three").nextAttemptAt, NOW + FIRST_DELAY_MS);
  });

  test("a refused entry does not hold back the next one", async () => {
    const entries = [
      stored({uuid: "bad", createdAt: 1, payload: {uuid: "bad"}, files: []}),
      stored({uuid: "good", createdAt: 2, payload: {uuid: "good"}, files: []}),
    ];

    const outcomes = await sendDue(entries, {transport: fakeServer([new ApiError(422)]).transport, save: fakeStore().save, now: () => NOW});

    assert.deepEqual(outcomes, [{uuid: "bad", outcome: "failed"}, {uuid: "good", outcome: "sent"}]);
  });

  test("offline, sends nothing but puts entries left sending back to waiting", async () => {
    const server = fakeServer();
    const store = fakeStore();

    const outcomes = await sendDue([stored({state: "sending"})], {transport: server.transport, save: store.save, now: () => NOW, online: false});

    assert.deepEqual(outcomes, []);
    assert.deepEqual(server.calls, []);
    assert.deepEqual(store.saved.map((entry) => entry.state), ["waiting"]);
  });

  test("leaves entries whose retry is not due yet unless forced", async () => {
    const later = stored({nextAttemptAt: NOW + 60_000});

    assert.deepEqual(await sendDue([later], {transport: fakeServer().transport, save: fakeStore().save, now: () => NOW}), []);
    assert.deepEqual(
      await sendDue([later], {transport: fakeServer().transport, save: fakeStore().save, now: () => NOW, force: true}),
      [{uuid: ENTRY, outcome: "sent"}],
    );
  });
});

describe("editing a refused entry", () => {
  test("keeps its UUID, unless the server holds that UUID with other content", () => {
    const fresh = () => RECEIPT;

    assert.equal(uuidAfterEdit(stored({state: "failed", error: {status: 400}}), fresh), ENTRY);
    assert.equal(uuidAfterEdit(stored({state: "failed", error: {status: 409}}), fresh), RECEIPT);
  });
});
