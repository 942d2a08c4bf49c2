// The import page's rules (frontend/static/frontend/js/import-jobs.js) with no browser: Node's own
// test runner, no npm package. tests/frontend/test_javascript_units.py runs this file under pytest.
//
//   node --test tests/frontend/js/
import assert from "node:assert/strict";
import {describe, test} from "node:test";

import {
  ENCODINGS, acceptFor, fieldChanges, isFinished, isRunning, optionWidget, optionsPayload, sizeText, summaryRows,
  totals, valueText, villagesPayload,
} from "../../../frontend/static/frontend/js/import-jobs.js";

describe("statuses", () => {
  test("a job previewing or committing is still running, and is polled", () => {
    assert.deepEqual(["previewing", "committing"].map(isRunning), [true, true]);
    assert.deepEqual(["ready", "refused", "done", "failed"].map(isRunning), [false, false, false, false]);
  });

  test("done, refused and failed are where a job ends; ready waits for a confirmation", () => {
    assert.deepEqual(["done", "refused", "failed"].map(isFinished), [true, true, true]);
    assert.equal(isFinished("ready"), false);
    assert.equal(isFinished("committing"), false);
  });
});

describe("options", () => {
  test("each option gets the control that fits it", () => {
    assert.equal(optionWidget("encoding").type, "select");
    assert.deepEqual(optionWidget("encoding").choices.map((choice) => choice.value), ["", "utf-8", "gbk", "gb18030"]);
    assert.equal(optionWidget("gcj02").type, "checkbox");
    assert.equal(optionWidget("year").type, "number");
    assert.equal(optionWidget("start_date").type, "date");
    assert.equal(optionWidget("crs").type, "text");
    assert.equal(optionWidget("layer").type, "text");
  });

  test("the villages are confirmed in the preview, never typed before the upload", () => {
    assert.equal(optionWidget("villages"), null);
  });

  test("the automatic encoding is labelled by the page, in its language", () => {
    assert.equal(ENCODINGS[0].label, null);
  });

  test("an upload sends only the options given: a checked box as true, a year as a number", () => {
    const payload = optionsPayload({encoding: "", crs: " EPSG:4549 ", gcj02: true, year: "2026", layer: "  ", villages: "x"});

    assert.deepEqual(payload, {crs: "EPSG:4549", gcj02: true, year: 2026});
  });

  test("an unchecked box and a year that is no number are sent as the server should judge them", () => {
    assert.deepEqual(optionsPayload({gcj02: false, year: "二〇二六"}), {year: "二〇二六"});
    assert.deepEqual(optionsPayload(undefined), {});
  });
});

describe("the preview", () => {
  const summary = {specialist: {create: 3, update: 1}, organisation: {unchanged: 2, leave: 1}};

  test("a summary reads as one row per model with every action counted", () => {
    assert.deepEqual(summaryRows(summary), [
      {model: "specialist", create: 3, update: 1, unchanged: 0, leave: 0},
      {model: "organisation", create: 0, update: 0, unchanged: 2, leave: 1},
    ]);
    assert.deepEqual(summaryRows(undefined), []);
  });

  test("the totals add up every model", () => {
    assert.deepEqual(totals(summary), {create: 3, update: 1, unchanged: 2, leave: 1});
    assert.deepEqual(totals({}), {create: 0, update: 0, unchanged: 0, leave: 0});
  });

  test("a change's fields read before and after, in the plan's order", () => {
    const change = {action: "update", fields: {phone: ["13800000000", "13900000000"], active: [true, false]}};

    assert.deepEqual(fieldChanges(change), [["phone", "13800000000", "13900000000"], ["active", true, false]]);
    assert.deepEqual(fieldChanges({action: "create"}), []);
  });

  test("values read as the sheets write them", () => {
    assert.deepEqual([null, undefined, true, false, 0, "荆山村"].map(valueText), ["", "", "是", "否", "0", "荆山村"]);
  });

  test("the villages chosen join those already confirmed; a name left unchosen is not sent", () => {
    const payload = villagesPayload({"荆山": "349321001001"}, {"白莲": "349321001002", "涂山": ""});

    assert.deepEqual(payload, {villages: {"荆山": "349321001001", "白莲": "349321001002"}});
  });

  test("choosing again replaces an earlier choice", () => {
    assert.deepEqual(villagesPayload({"白莲": "1"}, {"白莲": "2"}), {villages: {"白莲": "2"}});
  });
});

describe("files", () => {
  test("the file input accepts the endings of the kind's formats", () => {
    assert.equal(acceptFor(["xlsx", "csv"]), ".xlsx,.csv,.txt");
    assert.equal(acceptFor(["geojson", "gpkg", "shp.zip"]), ".geojson,.json,.gpkg,.zip");
    assert.equal(acceptFor([]), "");
  });

  test("sizes read in the unit that fits", () => {
    assert.deepEqual([512, 1536, 12.3 * 1024 * 1024, 0].map(sizeText), ["512 B", "1.5 KB", "12 MB", "0 B"]);
  });
});
