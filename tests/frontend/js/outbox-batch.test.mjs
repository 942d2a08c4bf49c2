// The outbox's records in batches (frontend/static/frontend/js/outbox-entries.js: sendBatch, sendDue with
// transport.batch): each entry marked by its own answer, and an older server still served one by one.
//
//   node --test tests/frontend/js/
import assert from "node:assert/strict";
import {describe, test} from "node:test";

import {BATCH_SIZE, FIRST_DELAY_MS, newEntry, sendDue} from "../../../frontend/static/frontend/js/outbox-entries.js";

const NOW = 1_700_000_000_000;
const MIDDLE = () => 0.5;

function uuidOf(number) {
  return `00000000-0000-4000-8000-${String(number).padStart(12, "0")}`;
}

function logEntry(number, {files = 0, type = "log"} = {}) {
  const uuid = uuidOf(number);
  return newEntry({
    type, uuid, payload: {uuid, village: "340321100001", description: `培训 ${number}`},
    files: Array.from({length: files}, (_, index) => ({uuid: uuidOf(1000 + number * 10 + index), blob: new Blob(["jpeg"])})),
    createdAt: number,
  }, {owner: "specialist", now: NOW});
}

class ApiError extends Error {
  constructor(status, code = "", fields = {}) {
    super(`status ${status}`);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/* A server with a batch route: `answerFor(uuid)` gives each record's answer in a batch, or `batchError`
 * refuses the whole batch. Single records and files are answered {} and recorded. */
function batchServer({answerFor = () => ({status: 201}), batchError = null} = {}) {
  const calls = [];
  return {
    calls,
    transport: {
      batch: async (type, entries) => {
        calls.push(`batch ${type} ${entries.length}`);
        if (batchError) {
          throw batchError;
        }
        return entries.map((entry) => ({uuid: entry.uuid, log: {uuid: entry.uuid, in_village: true}, error: null, ...answerFor(entry.uuid)}));
      },
      record: async (entry) => {
        calls.push(`record ${entry.uuid}`);
        return {uuid: entry.uuid};
      },
      file: async (entry, file) => {
        calls.push(`file ${file.uuid}`);
        return {};
      },
    },
  };
}

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

describe("records in batches", () => {
  test("go together, and each entry is marked by its own answer, then sends its files", async () => {
    const entries = [logEntry(1, {files: 1}), logEntry(2), logEntry(3), logEntry(4)];
    const refusal = {status: 422, error: {code: "invalid", message: "Some of the data sent is not valid.",
      fields: {village: ["not assigned"]}}, log: null};
    const server = batchServer({answerFor: (uuid) => ({
      [uuidOf(2)]: {status: 200}, [uuidOf(3)]: {status: 409, error: {code: "conflict", message: "stored", fields: {}}, log: null},
      [uuidOf(4)]: refusal,
    })[uuid] || {status: 201}});
    const store = fakeStore();
    const sentOnes = [];

    const outcomes = await sendDue(entries, {transport: server.transport, save: store.save, now: () => NOW, onSent: (entry) => sentOnes.push(entry.uuid)});

    assert.deepEqual(server.calls, ["batch log 4", `file ${uuidOf(1010)}`]);
    assert.deepEqual(outcomes, [
      {uuid: uuidOf(3), outcome: "failed"}, {uuid: uuidOf(4), outcome: "failed"},
      {uuid: uuidOf(1), outcome: "sent"}, {uuid: uuidOf(2), outcome: "sent"},
    ]);
    assert.deepEqual(sentOnes, [uuidOf(1), uuidOf(2)]);
    assert.deepEqual(store.last(uuidOf(1)).result, {uuid: uuidOf(1), in_village: true});
    assert.equal(store.last(uuidOf(2)).state, "sent");
    assert.deepEqual(store.last(uuidOf(3)).error, {status: 409, code: "conflict", message: "stored", fields: {}, stage: "record", fileUuid: null});
    assert.deepEqual([store.last(uuidOf(4)).state, store.last(uuidOf(4)).error.fields], ["failed", {village: ["not assigned"]}]);
  });

  test("an entry answered 'later' in a batch waits for its retry; it is not sent again at once", async () => {
    const server = batchServer({answerFor: (uuid) => (uuid === uuidOf(1) ? {status: 503, log: null, error: {code: "busy", message: "busy"}} : {status: 201})});
    const store = fakeStore();

    const outcomes = await sendDue([logEntry(1), logEntry(2)], {transport: server.transport, save: store.save, now: () => NOW, random: MIDDLE});

    assert.deepEqual(outcomes, [{uuid: uuidOf(1), outcome: "offline"}, {uuid: uuidOf(2), outcome: "sent"}]);
    assert.deepEqual(server.calls, ["batch log 2"]);
    assert.deepEqual([store.last(uuidOf(1)).state, store.last(uuidOf(1)).nextAttemptAt], ["waiting", NOW + FIRST_DELAY_MS]);
  });

  test("of more than BATCH_SIZE entries go in several batches", async () => {
    const entries = Array.from({length: BATCH_SIZE + 1}, (_, index) => logEntry(index + 1));
    const server = batchServer();

    const outcomes = await sendDue(entries, {transport: server.transport, save: fakeStore().save, now: () => NOW});

    assert.deepEqual(server.calls, [`batch log ${BATCH_SIZE}`, "batch log 1"]);
    assert.equal(outcomes.filter((one) => one.outcome === "sent").length, BATCH_SIZE + 1);
  });

  test("without an answer, every entry of the batch waits and the rest wait as long", async () => {
    const entries = [logEntry(1), logEntry(2), logEntry(3, {type: "achievement"})];
    const server = batchServer({batchError: new ApiError(0, "network")});
    const store = fakeStore();

    const outcomes = await sendDue(entries, {transport: server.transport, save: store.save, now: () => NOW, random: MIDDLE});

    assert.deepEqual(outcomes, [{uuid: uuidOf(1), outcome: "offline"}, {uuid: uuidOf(2), outcome: "offline"}]);
    for (const number of [1, 2]) {
      assert.deepEqual([store.last(uuidOf(number)).state, store.last(uuidOf(number)).attempts], ["waiting", 1]);
    }
    assert.equal(store.last(uuidOf(3)).nextAttemptAt, NOW + FIRST_DELAY_MS);
  });

  for (const status of [404, 405]) {
    test(`a server without the batch route (${status}) gets each record alone, and is not asked again`, async () => {
      const entries = [logEntry(1), logEntry(2)];
      const server = batchServer({batchError: new ApiError(status)});
      let unsupported = 0;

      const outcomes = await sendDue(entries, {
        transport: server.transport, save: fakeStore().save, now: () => NOW, onBatchUnsupported: () => unsupported++,
      });

      assert.deepEqual(server.calls, ["batch log 2", `record ${uuidOf(1)}`, `record ${uuidOf(2)}`]);
      assert.deepEqual(outcomes.map((one) => one.outcome), ["sent", "sent"]);
      assert.equal(unsupported, 1);
    });
  }

  test("a batch refused as a whole (too large) is sent one by one, so no entry is trapped", async () => {
    const entries = [logEntry(1), logEntry(2)];
    const server = batchServer({batchError: new ApiError(413, "too_large")});
    let unsupported = 0;

    const outcomes = await sendDue(entries, {transport: server.transport, save: fakeStore().save, now: () => NOW, onBatchUnsupported: () => unsupported++});

    assert.deepEqual(outcomes.map((one) => one.outcome), ["sent", "sent"]);
    assert.equal(unsupported, 0);
  });

  test("an entry whose record is stored sends only its files; achievements go alone", async () => {
    const done = {...logEntry(1, {files: 1}), stored: true};
    const server = batchServer();

    await sendDue([done, logEntry(2, {type: "achievement"})], {transport: server.transport, save: fakeStore().save, now: () => NOW});

    assert.deepEqual(server.calls, [`file ${uuidOf(1010)}`, `record ${uuidOf(2)}`]);
  });
});
