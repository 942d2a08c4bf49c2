/* The phone's outbox: what a specialist records waits here, in IndexedDB, until the server has it.
 *
 *   import {Outbox, phoneStore} from "./outbox.js";
 *   const outbox = new Outbox({owner: "username", onChange: render});
 *   await outbox.add({type: "log", uuid, payload: {uuid, ...}, files: [{uuid, blob, name}]});
 *   outbox.start();     // sends now, when the network returns, and again with a growing delay
 *
 * Every entry carries the UUID made on the phone when it was saved, and each of its files another:
 * the API stores a UUID once (201), answers a repeat of the same content with what it stored (200)
 * and refuses the same UUID with other content (409). So an entry whose answer was lost is simply
 * sent again with the same UUIDs, and never becomes a second row.
 *
 * What an entry is, its states (waiting, sending, sent, failed), when it is tried again, how an
 * attempt resumes where the last one stopped and how records go in batches (service logs: to
 * service-logs/batch/, each entry marked by its own answer) are outbox-entries.js's rules; this module stores the
 * entries and sends them: one sender at a time across the page's tabs, with the session's CSRF token.
 * Entries belong to the person who saved them (`owner`): on a shared phone no one's entries are ever
 * sent with another's session.
 *
 * phoneStore keeps what the page last read from the API, for display with no network.
 */
import {api} from "./api.js";
import {
  ENDPOINTS, newEntry, retried, sendDue, wakeDelay, withoutUnsentFiles,
} from "./outbox-entries.js";

const DB_NAME = "tepai-phone";
const DB_VERSION = 1;
const OUTBOX = "outbox";
const KEPT = "kept";
const LOCK_NAME = "tepai-outbox";

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
export const phoneStore = {
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

export class Outbox {
  constructor(options) {
    this.owner = options.owner;
    this.onChange = options.onChange || (() => {});
    this.onSent = options.onSent || (() => {});
    this.csrfCookieName = options.csrfCookieName || "csrftoken";
    this.running = false;
    this.again = false;
    this.timer = null;
    // An entry's record, then each of its files, to the API.
    this.transport = {
      record: (entry) => {
        refreshCsrfToken(this.csrfCookieName);
        return api.post(ENDPOINTS[entry.type].record, entry.payload);
      },
      // Many records of one type at once: each entry's own answer, [{uuid, status, log, error}].
      batch: async (type, entries) => {
        refreshCsrfToken(this.csrfCookieName);
        const endpoint = ENDPOINTS[type];
        const answer = await api.post(endpoint.batch, {[endpoint.batchKey]: entries.map((entry) => entry.payload)});
        return answer.results;
      },
      file: (entry, file) => {
        refreshCsrfToken(this.csrfCookieName);
        const endpoint = ENDPOINTS[entry.type];
        const form = new FormData();
        form.append("uuid", file.uuid);
        form.append(endpoint.fileField, file.blob, file.name || "upload");
        return api.request("POST", endpoint.files(entry.uuid), {body: form});
      },
    };
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

  /* Store a new entry (before any network call) and send it. `entry`: {type, uuid, payload, files}.
   * An entry the outbox cannot take is refused with an InvalidEntry, and nothing is stored. */
  async add(entry) {
    const stored = newEntry(entry, {owner: this.owner, now: Date.now()});
    await this.save(stored);
    this.kick();
    return stored;
  }

  /* Replace a refused entry's content (and perhaps its UUID) and send it again, in its old place. */
  async replace(oldUuid, entry) {
    const previous = await this.get(oldUuid);
    // Checked before the old one goes, so that a refusal leaves it as it was.
    const stored = newEntry({...entry, createdAt: previous ? previous.createdAt : undefined}, {owner: this.owner, now: Date.now()});
    if (oldUuid !== entry.uuid) {
      await run(OUTBOX, "readwrite", (store) => store.delete(oldUuid));
    }
    await this.save(stored);
    this.kick();
    return stored;
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
    await this.change(uuid, retried);
  }

  /* Drop the files not sent yet of an entry whose record the server has (a refused photo). */
  async dropUnsentFiles(uuid) {
    await this.change(uuid, withoutUnsentFiles);
  }

  async change(uuid, transition) {
    const entry = await this.get(uuid);
    const changed = entry && transition(entry);
    if (changed) {
      await this.save(changed);
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
    const delay = wakeDelay(entries, Date.now());
    if (delay !== null) {
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
    return sendDue(await this.list(), {
      transport: this.transport,
      save: (entry) => this.save(entry),
      force: force,
      online: navigator.onLine !== false,
      onSent: (entry) => this.onSent(entry),
      // A server without the batch route (an older one) gets records one by one until the page is reloaded.
      onBatchUnsupported: () => {
        delete this.transport.batch;
      },
    });
  }
}
