/* The phone's outbox: what a specialist records waits here, in IndexedDB, until the server has it.
 *
 *   const outbox = new Tepai.Outbox({owner: "username", onChange: render});
 *   await outbox.add({type: "log", payload: {...}, files: [{uuid, blob, name}]});
 *   outbox.start();     // sends now, when the network returns, and again with a growing delay
 *
 * Every entry carries the UUID made on the phone when it was saved, and each of its files another:
 * the API stores a UUID once (201), answers a repeat of the same content with what it stored (200)
 * and refuses the same UUID with other content (409). So an entry whose answer was lost is simply
 * sent again with the same UUIDs, and never becomes a second row.
 *
 * States: waiting (not sent yet, or the network failed: tried again later), sending, sent, failed
 * (the server refused it: 4xx with its message; the person edits or deletes it). The record is
 * sent first, then its files one by one; each step is remembered, so a retry resumes where the
 * last attempt stopped. Entries belong to the person who saved them (`owner`): on a shared phone
 * no one's entries are ever sent with another's session.
 *
 * Tepai.phoneStore keeps what the page last read from the API, for display with no network.
 * Needs api.js (Tepai.api) and the JavaScript catalogue (gettext).
 */
(function () {
  "use strict";

  const DB_NAME = "tepai-phone";
  const DB_VERSION = 1;
  const OUTBOX = "outbox";
  const KEPT = "kept";
  const FIRST_DELAY_MS = 2000;
  const MAX_DELAY_MS = 5 * 60 * 1000;
  const LOCK_NAME = "tepai-outbox";

  // What each kind of entry is sent to: the record, then each file under `fileField`.
  const ENDPOINTS = {
    log: {record: "service-logs/", files: (uuid) => `service-logs/${uuid}/photos/`, fileField: "image"},
    achievement: {record: "achievements/", files: (uuid) => `achievements/${uuid}/evidence/`, fileField: "file"},
  };

  /* ---- IndexedDB, promised ---- */

  let opening = null;

  function openDb() {
    if (!opening) {
      opening = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains(OUTBOX)) {
            db.createObjectStore(OUTBOX, {keyPath: "uuid"}).createIndex("owner", "owner");
          }
          if (!db.objectStoreNames.contains(KEPT)) {
            db.createObjectStore(KEPT, {keyPath: "key"});
          }
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      opening.catch(() => {
        opening = null;
      });
    }
    return opening;
  }

  async function run(storeName, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(storeName, mode);
      const store = transaction.objectStore(storeName);
      let result;
      const request = work(store);
      if (request) {
        request.onsuccess = () => {
          result = request.result;
        };
      }
      transaction.oncomplete = () => resolve(result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error || new Error("IndexedDB transaction aborted"));
    });
  }

  /* What the page last read from the API, per person: {value, savedAt}. */
  const phoneStore = {
    async get(owner, name) {
      const row = await run(KEPT, "readonly", (store) => store.get(owner + ":" + name));
      return row ? {value: row.value, savedAt: row.savedAt} : null;
    },
    async put(owner, name, value) {
      await run(KEPT, "readwrite", (store) => store.put({key: owner + ":" + name, value: value, savedAt: Date.now()}));
    },
    /* Forget everything kept for `owner` (signing out); their outbox stays, to be sent at their next sign-in. */
    async forget(owner) {
      await run(KEPT, "readwrite", (store) => store.delete(IDBKeyRange.bound(owner + ":", owner + ":\uffff")));
    },
  };

  /* ---- The CSRF token: the cookie's, which outlives a page kept offline since an older sign-in. ---- */

  function refreshCsrfToken(cookieName) {
    const match = document.cookie.split(";").map((part) => part.trim()).find((part) => part.startsWith(cookieName + "="));
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (match && meta) {
      meta.content = decodeURIComponent(match.slice(cookieName.length + 1));
    }
  }

  /* The delay before the n-th retry: 2 s, 4 s, 8 s ... at most 5 minutes, give or take a quarter. */
  function backoff(attempts) {
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempts - 1));
    return Math.round(delay * (0.75 + Math.random() * 0.5));
  }

  /* A failure worth retrying: no answer, a server error, or "come back later". */
  function transient(error) {
    return !error.status || error.status >= 500 || error.status === 408 || error.status === 429;
  }

  class Outbox {
    constructor(options) {
      this.owner = options.owner;
      this.onChange = options.onChange || (() => {});
      this.onSent = options.onSent || (() => {});
      this.csrfCookieName = options.csrfCookieName || "csrftoken";
      this.running = false;
      this.again = false;
      this.timer = null;
    }

    /* ---- Storage ---- */

    async list() {
      const rows = await run(OUTBOX, "readonly", (store) => store.index("owner").getAll(this.owner));
      return (rows || []).sort((a, b) => b.createdAt - a.createdAt);
    }

    async get(uuid) {
      const row = await run(OUTBOX, "readonly", (store) => store.get(uuid));
      return row && row.owner === this.owner ? row : null;
    }

    async save(entry) {
      await run(OUTBOX, "readwrite", (store) => store.put(entry));
      this.onChange(entry);
    }

    /* Store a new entry (before any network call) and send it. `entry`: {type, uuid, payload, files}. */
    async add(entry) {
      const stored = {
        uuid: entry.uuid,
        owner: this.owner,
        type: entry.type,
        payload: entry.payload,
        files: (entry.files || []).map((file) => ({uuid: file.uuid, blob: file.blob, name: file.name, sent: false})),
        state: "waiting",
        stored: false,
        attempts: 0,
        nextAttemptAt: 0,
        error: null,
        result: null,
        createdAt: entry.createdAt || Date.now(),
        sentAt: null,
      };
      if (!ENDPOINTS[stored.type]) {
        throw new Error("unknown outbox entry type " + stored.type);
      }
      await this.save(stored);
      this.kick();
      return stored;
    }

    /* Replace a refused entry's content (and perhaps its UUID) and send it again, in its old place. */
    async replace(oldUuid, entry) {
      const previous = await this.get(oldUuid);
      if (oldUuid !== entry.uuid) {
        await run(OUTBOX, "readwrite", (store) => store.delete(oldUuid));
      }
      return this.add({...entry, createdAt: previous ? previous.createdAt : undefined});
    }

    async remove(uuid) {
      const entry = await this.get(uuid);
      if (entry) {
        await run(OUTBOX, "readwrite", (store) => store.delete(uuid));
        this.onChange(null);
      }
    }

    /* Forget the sent entries (and their files); the server keeps them. */
    async clearSent() {
      const sent = (await this.list()).filter((entry) => entry.state === "sent");
      await run(OUTBOX, "readwrite", (store) => {
        sent.forEach((entry) => store.delete(entry.uuid));
      });
      this.onChange(null);
      return sent.length;
    }

    /* Send a failed entry again as it is (after the cause was put right elsewhere). */
    async retry(uuid) {
      const entry = await this.get(uuid);
      if (entry && entry.state === "failed") {
        Object.assign(entry, {state: "waiting", error: null, attempts: 0, nextAttemptAt: 0});
        await this.save(entry);
        this.kick();
      }
    }

    /* Drop the files not sent yet of an entry whose record the server has (a refused photo). */
    async dropUnsentFiles(uuid) {
      const entry = await this.get(uuid);
      if (entry && entry.stored) {
        entry.files = entry.files.filter((file) => file.sent);
        Object.assign(entry, {state: "waiting", error: null, attempts: 0, nextAttemptAt: 0});
        await this.save(entry);
        this.kick();
      }
    }

    /* ---- Sending ---- */

    /* Listen for the network and send what waits. */
    start() {
      window.addEventListener("online", () => this.kick());
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") {
          this.kick();
        }
      });
      this.kick();
    }

    /* Send every waiting entry now, whatever its retry delay. */
    kick() {
      this.sendAll(true).catch((error) => console.warn("outbox:", error));
    }

    schedule(entries) {
      clearTimeout(this.timer);
      if (navigator.onLine === false) {
        return;  // the "online" event sends them
      }
      const next = entries.filter((entry) => entry.state === "waiting").map((entry) => entry.nextAttemptAt || 0);
      if (next.length) {
        const delay = Math.max(250, Math.min(...next) - Date.now());
        this.timer = setTimeout(() => this.sendAll(false).catch((error) => console.warn("outbox:", error)), delay);
      }
    }

    async sendAll(now) {
      if (this.running) {
        this.again = this.again || now;
        return;
      }
      this.running = true;
      try {
        let force = now;
        do {
          this.again = false;
          // One sender at a time across the page's tabs; each re-reads the outbox once it holds the lock.
          if (navigator.locks) {
            await navigator.locks.request(LOCK_NAME, () => this.sendDue(force));
          } else {
            await this.sendDue(force);
          }
          force = this.again;
        } while (this.again);
      } finally {
        this.running = false;
        this.schedule(await this.list());
      }
    }

    async sendDue(force) {
      const entries = await this.list();
      for (const entry of entries) {
        // Left "sending" by a page closed mid-send: its answer never came, so it waits again.
        if (entry.state === "sending") {
          entry.state = "waiting";
          await this.save(entry);
        }
      }
      if (navigator.onLine === false) {
        return;
      }
      const due = entries
        .filter((entry) => entry.state === "waiting" && (force || (entry.nextAttemptAt || 0) <= Date.now()))
        .sort((a, b) => a.createdAt - b.createdAt);
      for (const entry of due) {
        const outcome = await this.sendOne(entry);
        if (outcome === "offline") {
          // The network (or the server, or the session) is not there: the others wait for the next attempt too.
          const later = Date.now() + backoff(entry.attempts);
          for (const other of due.filter((item) => item.state === "waiting" && item !== entry)) {
            other.nextAttemptAt = Math.max(other.nextAttemptAt || 0, later);
            await this.save(other);
          }
          return;
        }
      }
    }

    async sendOne(entry) {
      const endpoint = ENDPOINTS[entry.type];
      entry.state = "sending";
      await this.save(entry);
      refreshCsrfToken(this.csrfCookieName);
      let stage = "record";
      let fileUuid = null;
      try {
        if (!entry.stored) {
          entry.result = await Tepai.api.post(endpoint.record, entry.payload);
          entry.stored = true;
          await this.save(entry);
        }
        stage = "file";
        for (const file of entry.files) {
          if (file.sent) {
            continue;
          }
          fileUuid = file.uuid;
          const form = new FormData();
          form.append("uuid", file.uuid);
          form.append(endpoint.fileField, file.blob, file.name || "upload");
          await Tepai.api.request("POST", endpoint.files(entry.uuid), {body: form});
          file.sent = true;
          await this.save(entry);
        }
        Object.assign(entry, {state: "sent", sentAt: Date.now(), error: null, attempts: 0, nextAttemptAt: 0});
        await this.save(entry);
        this.onSent(entry);
        return "sent";
      } catch (error) {
        const problem = {status: error.status || 0, code: error.code || "", message: error.message, fields: error.fields || {}, stage, fileUuid};
        if (transient(error) || error.status === 401) {
          // No answer, a busy server, or not signed in any more: the entry waits and is tried again later.
          entry.attempts += 1;
          Object.assign(entry, {state: "waiting", error: problem, nextAttemptAt: Date.now() + backoff(entry.attempts)});
          await this.save(entry);
          return "offline";
        }
        Object.assign(entry, {state: "failed", error: problem});
        await this.save(entry);
        return "failed";
      }
    }
  }

  window.Tepai = Object.assign(window.Tepai || {}, {Outbox: Outbox, phoneStore: phoneStore});
})();
