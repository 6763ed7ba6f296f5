// Offline-first QR scanner: check-in for one training session (attendees/scanner.html), or
// hand-out of one class material (materials/handout_scanner.html, data-mode="handout").
//
// The network at a commune hall comes and goes, so every scan is decided here against the
// roster saved on the device, written to IndexedDB *before* the trainer sees the result,
// and uploaded in batches whenever the server can be reached. The server's answer is the
// truth: it replaces the local guess when it arrives. Nothing is kept only in memory.
// What differs between the two modes is in MODES below; everything else is shared.
(function () {
  "use strict";
  const root = document.getElementById("scanner");
  if (!root) return;
  // This page as the server sent it, before the script changes anything: the service worker
  // keeps this copy for a reload with no network instead of downloading the page again
  // (setupOffline). The script tag is last in <body>, so the document is complete.
  const pageCopy = "<!doctype html>\n" + document.documentElement.outerHTML;

  const $ = (id) => document.getElementById(id);
  // A DOM element with properties and children: text goes in as text, never as HTML.
  function el(tag, props, ...children) {
    const node = Object.assign(document.createElement(tag), props);
    node.append(...children.filter((c) => c || c === 0)); // skips false, "", null
    return node;
  }
  // rosterUrl, batchUrl, swUrl, swScope, jsqrUrl, manifestUrl, iconUrl: from the template.
  const cfg = Object.assign({}, root.dataset);
  const DEDUPE_MS = 3000; // a badge held in front of the camera counts once
  const FRAME_MS = 140; // ~7 decodes a second: enough at a door, spares the phone's battery
  const MAX_FRAME_SIDE = 640; // jsQR time grows with pixels; 640 px still reads a badge at arm's length
  const BATCH_SIZE = 50;
  const TAIL_MIN = 6; // badges print the token's last 6 characters for typing in by hand
  const UPLOAD_EVERY_MS = 15000;
  const ROSTER_EVERY_MS = 20000;
  const IN_ROOM = new Set(["present", "late"]);

  // The check-in window as the server's Session.window_phase reads it: "early", "open", "over".
  // tests/attendees/test_window_rule.py runs this function's text against the server's rule.
  function phase(at, session) {
    if (at < Date.parse(session.checkin_opens)) return "early";
    return at <= Date.parse(session.checkin_closes) ? "open" : "over";
  }
  const hhmm = (iso) => String(iso || "").slice(11, 16); // server-local wall time, as printed
  // "06:30" on the day, "06:30 10/10/2023" on another day (by this device's date).
  function when(iso) {
    const day = String(iso || "").slice(0, 10);
    const today = new Date();
    const local = [today.getFullYear(), String(today.getMonth() + 1).padStart(2, "0"),
      String(today.getDate()).padStart(2, "0")].join("-");
    return day === local ? hhmm(iso) : `${hhmm(iso)} ${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}`;
  }

  // --- Modes: what taking attendance and handing out a material do differently ---------
  // Each mode has its own IndexedDB database, so the two queues never mix; in it, scans and
  // saved rosters belong to one `scope` id (a session, a class material), read from the
  // #scanner attribute of that name. A person's state is what `recorded` (the roster) and
  // `stateOf` (this device's accepted scans) say; `isDone` states are counted in
  // #count-<state> for each of `counted`, and #live-list lists either the done or the rest.
  const MODES = {
    attendance: {
      database: "attendance-scanner",
      scope: "session",
      // session_closed: uploaded too long after the session was closed, held for the
      // coordinator; invalid: the server could not record the scan at all (with a reason).
      rejected: new Set(["unknown_token", "not_enrolled", "session_not_open", "session_closed", "invalid"]),
      accepted: new Set(["present", "late", "already_recorded", "queued"]),
      tone: { present: "ok", late: "warn", already_recorded: "warn", queued: "warn" },
      isDone: (state) => IN_ROOM.has(state),
      counted: ["present", "late"],
      listsDone: false, // who is still missing
      recorded(data) {
        const map = new Map();
        for (const row of data.attendance || []) {
          if (IN_ROOM.has(row.status) || row.status === "excused") map.set(row.enrollment, row.status);
        }
        return map;
      },
      stateOf: (scan, result) => IN_ROOM.has(scan.server_status) ? scan.server_status
        : IN_ROOM.has(result) ? result : "present",
      // The same rules as the server, by this device's clock; the server has the last word.
      // (A closed session still takes scans made within its window, as on the server, until
      // the roster says that a scan would now be held for the coordinator.)
      decide(state, now, data) {
        if (IN_ROOM.has(state)) return "already_recorded";
        const s = data.session;
        if (phase(now, s) !== "open") return "session_not_open";
        if (s.scans_held) return "session_closed";
        return now > Date.parse(s.late_after) ? "late" : "present";
      },
      describe(data) {
        const s = data.session;
        $("checkin-window").textContent = [
          t("window", { opens: hhmm(s.checkin_opens), closes: hhmm(s.checkin_closes), late: hhmm(s.late_after) }),
          s.closed ? t("closed") : "",
        ].join(" ");
        // Before any scan the banner says whether scanning counts now, and if not, which
        // side of the window this is (the server rendered the same when the page loaded).
        const box = $("feedback");
        if (box.dataset.result !== "idle") return;
        const now = Date.now();
        box.dataset.phase = s.scans_held ? "closed" : phase(now, s);
        $("feedback-result").textContent = s.scans_held ? t("closed")
          : box.dataset.phase === "open" ? t("result-idle") : this.notOpen(now, data);
      },
      // "Check-in opens at 06:30" or "Check-in is over (closed at 11:00)": which of the two
      // a refused scan was, by the scan's own time.
      notOpen(at, data) {
        const s = data.session;
        return phase(at, s) === "early" ? t("not-open-early", { time: when(s.checkin_opens) })
          : t("not-open-over", { time: when(s.checkin_closes) });
      },
    },
    handout: {
      database: "handout-scanner",
      scope: "material",
      rejected: new Set(["unknown_token", "not_enrolled", "invalid"]),
      accepted: new Set(["handed", "already_handed", "queued"]),
      tone: { handed: "ok", already_handed: "warn", queued: "warn" },
      isDone: (state) => state === "handed",
      counted: ["handed"],
      listsDone: true, // who has received it
      recorded: (data) => new Map((data.handovers || []).map((row) => [row.enrollment, "handed"])),
      stateOf: () => "handed",
      decide: (state) => state === "handed" ? "already_handed" : "handed", // any time, once
      describe() {},
      notOpen: () => "",
    },
  };
  const mode = MODES[root.dataset.mode || "attendance"];
  const scopeId = Number(root.dataset[mode.scope]);

  // --- Text: every UI string comes from the template (translated there) ----------------
  const strings = $("scanner-i18n");
  function t(key, vars) {
    let text = strings.getAttribute("data-" + key) || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split("{" + name + "}").join(value);
    return text;
  }
  const label = (result) => t("result-" + result);

  // Accent-insensitive search: "Lò Văn Pành" is found by "lo van panh". đ has no
  // decomposition in Unicode, so it is mapped by hand.
  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/đ/g, "d").trim();
  }

  // crypto.randomUUID exists only in secure contexts (not on http://192.168.x.x).
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
    else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  // One id per browser, so the server can tell the two phones at the door apart.
  let deviceId;
  try {
    deviceId = localStorage.getItem("scanner-device") || uuid();
    localStorage.setItem("scanner-device", deviceId);
  } catch (e) { // storage blocked: one id per page load is still unique
    deviceId = deviceId || uuid();
  }

  // --- Storage: IndexedDB, with a memory fallback so a scan is never dropped -----------
  let db = null;
  const memory = { rosters: new Map(), scans: new Map() };

  function openDb() {
    return new Promise((resolve) => {
      let request;
      try {
        request = indexedDB.open(mode.database, 1);
      } catch (e) { // no IndexedDB (or forbidden): the memory fallback keeps the page usable
        return resolve(null);
      }
      request.onupgradeneeded = () => {
        const database = request.result;
        database.createObjectStore("rosters", { keyPath: mode.scope });
        const scans = database.createObjectStore("scans", { keyPath: "nonce" });
        scans.createIndex(mode.scope, mode.scope);
        scans.createIndex("synced", "synced"); // 0/1: booleans cannot be indexed
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = request.onblocked = () => resolve(null);
    });
  }

  // One request in its own transaction, resolved when the transaction has committed:
  // "saved" must mean saved, not merely queued inside the browser.
  function idb(store, mode, operation) {
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      const request = operation(tx.objectStore(store));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = tx.onabort = () => reject(tx.error || new Error("IndexedDB"));
    });
  }

  async function save(store, record) {
    const key = store === "scans" ? record.nonce : record[mode.scope];
    if (db && !memory[store].has(key)) {
      try {
        return await idb(store, "readwrite", (s) => s.put(record));
      } catch (e) {
        if (store === "scans") notice(t("storage-error"), "danger");
      }
    }
    memory[store].set(key, record);
  }

  async function loadAll(store, indexName, value) {
    let found = [];
    if (db) {
      try {
        found = await idb(store, "readonly", (s) => s.index(indexName).getAll(value));
      } catch (e) { /* fall through to memory */ }
    }
    for (const record of memory[store].values()) if (record[indexName] === value) found.push(record);
    return found;
  }

  async function loadRosterCopy() {
    if (!db || memory.rosters.has(scopeId)) return memory.rosters.get(scopeId);
    return idb("rosters", "readonly", (s) => s.get(scopeId)).catch(() => null);
  }

  // --- State -----------------------------------------------------------------------------
  let roster = null; // the roster API's JSON for this session or material
  let byToken = new Map();
  let byTokenFolded = new Map(); // a wedge with Caps Lock on still finds the person
  let scans = []; // this session's (material's) scan records, oldest first

  function useRoster(data) {
    const signature = (r) => r ? r.participants.map((p) => p.token + p.name).join() : "";
    const samePeople = signature(roster) === signature(data);
    roster = data;
    byToken = new Map();
    byTokenFolded = new Map();
    for (const person of data.participants) {
      person.folded = fold(person.name);
      byToken.set(person.token, person);
      byTokenFolded.set(fold(person.token), person);
    }
    mode.describe(data);
    renderPanel();
    if (!samePeople) renderSearch(); // do not swap the buttons under a finger every 20 s
  }

  // The full code from the QR, the same with the case mangled by a scanner gun, or the last
  // characters printed under the QR and typed by hand (only if they name one person).
  function findPerson(code) {
    const folded = fold(code);
    const person = byToken.get(code) || byTokenFolded.get(folded);
    if (person || folded.length < TAIL_MIN) return person || null;
    const matches = roster.participants.filter((p) => fold(p.token).endsWith(folded));
    return matches.length === 1 ? matches[0] : null;
  }
  const outcome = (scan) => scan.server_result || scan.local_result;

  // Who is in the room (has the material): the server's records merged with this device's
  // scans. A scan the server rejected does not count, whatever this device thought.
  function statuses() {
    const map = roster ? mode.recorded(roster) : new Map();
    for (const scan of scans) {
      if (scan.enrollment == null || mode.isDone(map.get(scan.enrollment))) continue;
      const result = outcome(scan);
      if (mode.rejected.has(result) || result === "queued") continue;
      map.set(scan.enrollment, mode.stateOf(scan, result));
    }
    return map;
  }

  function decide(token, now) {
    if (!roster) return { result: "queued", person: null };
    const person = findPerson(token);
    if (!person) return { result: "unknown_token", person: null };
    return { result: mode.decide(statuses().get(person.enrollment), now, roster), person };
  }

  // --- A scan: decide, save, show, then upload -------------------------------------------
  let ready; // resolves once storage and the saved roster are loaded

  async function handleScan(rawCode, decodedAt) {
    const code = String(rawCode || "").replace(/[\u0000-\u001f\u007f]/g, "").trim();
    if (!code) return;
    await ready;
    const now = Date.now();
    const { result, person } = decide(code, now);
    const scan = {
      nonce: uuid(), token: person ? person.token : code, [mode.scope]: scopeId,
      scanned_at: new Date(now).toISOString(), device: deviceId, local_result: result,
      enrollment: person ? person.enrollment : null, name: person ? person.name : "",
      unit: person ? person.unit : "", synced: 0, upload_url: cfg.batchUrl,
    };
    scans.push(scan); // before awaiting, so a second scan right behind sees this one
    await save("scans", scan); // durable before the trainer is told anything
    showFeedback(result, scan);
    document.body.dataset.lastScan = JSON.stringify({
      nonce: scan.nonce, result, decodedAt, shownAt: performance.now(),
    });
    beep(mode.tone[result] || "error");
    setTimeout(() => { renderPanel(); renderSearch(); refreshPending(); flushQueue(); }, 0);
  }

  let staleTimer = 0;
  let shownNonce = null; // the scan the banner is about: the server's answer may correct it
  function showFeedback(result, scan) {
    const box = $("feedback");
    box.dataset.result = result;
    shownNonce = scan.nonce;
    delete box.dataset.stale;
    box.classList.remove("flash");
    void box.offsetWidth; // restart the flash, so two "present" in a row still look new
    box.classList.add("flash");
    $("feedback-result").textContent = result === "session_not_open" && roster
      ? mode.notOpen(Date.parse(scan.scanned_at), roster) : label(result);
    $("feedback-name").textContent = scan.name || (result === "unknown_token" ? t("code", { code: scan.token }) : "");
    $("feedback-unit").textContent = scan.unit || "";
    clearTimeout(staleTimer);
    staleTimer = setTimeout(() => { box.dataset.stale = "1"; }, 8000); // dimmed, still readable
  }

  // --- Sound: Web Audio tones, no files to download or cache -----------------------------
  let audio = null;
  function unlockAudio() { // browsers allow sound only after a tap or a key press
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      if (audio.state === "suspended") audio.resume();
    } catch (e) { /* no sound, the banner is enough */ }
  }
  const TONES = { ok: [[880, 0.15]], warn: [[660, 0.1], [660, 0.1]], error: [[220, 0.4]] };
  function beep(kind) {
    if (navigator.vibrate) navigator.vibrate(kind === "error" ? [200, 80, 200] : 40);
    if (!audio || audio.state !== "running") return;
    let at = audio.currentTime;
    for (const [frequency, length] of TONES[kind]) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = kind === "error" ? "square" : "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.3, at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
      osc.connect(gain).connect(audio.destination);
      osc.start(at);
      osc.stop(at + length + 0.02);
      at += length + 0.06;
    }
  }

  // --- Notices: small messages under the banner (server corrections, errors) -------------
  function notice(text, tone) {
    const box = $("scan-notice");
    for (const old of Array.from(box.children)) if (old.firstChild.data === text) old.remove(); // no repeats
    const close = el("button", { type: "button", className: "btn-close" });
    close.dataset.bsDismiss = "alert"; // Bootstrap's own delegated handler removes it
    box.prepend(el("div", { className: `alert alert-${tone || "warning"} alert-dismissible py-2 mb-2 small` }, text, close));
    while (box.children.length > 3) box.lastElementChild.remove();
  }

  // --- Network ---------------------------------------------------------------------------
  function setNet(online) {
    const badge = $("net-status");
    badge.dataset.state = online ? "online" : "offline";
    badge.textContent = t(online ? "net-online" : "net-offline");
    badge.className = "badge " + (online ? "text-bg-success" : "text-bg-danger");
  }

  function csrfToken() { // the cookie is fresher than a page served from the offline cache
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return decodeURIComponent(cookie.slice("csrftoken=".length));
    const field = root.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  // A dead 3G link can leave a request hanging for minutes; give up and retry later.
  async function request(url, options, timeoutMs) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      return await fetch(url, Object.assign({
        credentials: "same-origin", redirect: "manual", signal: controller.signal,
      }, options));
    } finally {
      clearTimeout(timer);
    }
  }
  async function readJson(response) {
    try { return await response.json(); } catch (e) { return null; }
  }

  async function refreshRoster() {
    if (navigator.onLine === false) return setNet(false);
    let response;
    // A request goes through the service worker only if it controls the page when it starts.
    const viaWorker = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
    try {
      response = await request(cfg.rosterUrl, { headers: { Accept: "application/json" } }, 10000);
    } catch (e) {
      return setNet(false);
    }
    // The service worker answered from its cache: we are offline, IndexedDB is as good.
    if (response.headers.get("X-Scanner-Fallback")) return setNet(false);
    if (!response.ok) {
      if (response.status >= 500) return setNet(false);
      setNet(true);
      const body = await readJson(response);
      return notice((body && body.error) || t("login-needed"), "danger");
    }
    let text = "";
    let data = null;
    try { text = await response.text(); data = JSON.parse(text); } catch (e) { /* not JSON */ }
    if (!data || !Array.isArray(data.participants)) return;
    setNet(true);
    checkClock(data.server_time);
    useRoster(data);
    // The service worker keeps this answer for offline reloads rather than fetching it again
    // (a request that went through it is kept already).
    if (!viaWorker) {
      handOver(cfg.rosterUrl, text, response.headers.get("Content-Type") || "application/json");
    }
    await save("rosters", { [mode.scope]: scopeId, data, saved_at: new Date().toISOString() });
  }

  // Late/not-open is judged by this device's clock, so a phone set to the wrong time says so.
  function checkClock(serverTime) {
    const skew = Date.parse(serverTime) - Date.now();
    if (Math.abs(skew) > 2 * 60 * 1000) notice(t("clock", { minutes: Math.round(Math.abs(skew) / 60000) }));
  }

  // --- Upload queue ----------------------------------------------------------------------
  let flushing = false;

  async function refreshPending() {
    let count = db ? await idb("scans", "readonly", (s) => s.index("synced").count(0)).catch(() => 0) : 0;
    for (const scan of memory.scans.values()) if (!scan.synced) count++;
    $("pending-count").textContent = count;
    $("pending-count").parentElement.classList.toggle("text-bg-warning", count > 0);
  }

  // Sends every unsynced scan, oldest first, 50 at a time. The server answers each scan on
  // its own, a bad one included (result "invalid" with a reason): that answer is final, the
  // scan leaves the queue and the reason is shown. When a whole batch is refused (a JSON
  // 400, 403 or 404), the scans go one by one so that a bad scan cannot hold the others
  // back; refused scans stay queued with the server's message and are retried next time.
  // Queued scans of other sessions (materials) go too, each batch to the upload URL its
  // scans were made for (a scan saved before scans kept their URL is an attendance scan).
  async function flushQueue() {
    if (flushing || navigator.onLine === false) return;
    flushing = true;
    const refused = new Set();
    let size = BATCH_SIZE;
    let sent = 0;
    try {
      while (refused.size < 5 || sent) { // everything refused: stop asking until the next round
        const queue = (await loadAll("scans", "synced", 0)).filter((s) => !refused.has(s.nonce))
          .sort((a, b) => (a.error ? 1 : 0) - (b.error ? 1 : 0) || a.scanned_at.localeCompare(b.scanned_at));
        if (!queue.length) break;
        const url = uploadUrl(queue[0]);
        const batch = queue.filter((s) => uploadUrl(s) === url).slice(0, size);
        const answer = await postBatch(batch);
        if (answer === "refused" && size > 1) size = 1;
        else if (answer === "refused") refused.add(batch[0].nonce);
        else if (answer === "ok") sent += batch.length;
        else break;
      }
    } finally {
      flushing = false;
      refreshPending();
    }
  }

  const uploadUrl = (scan) => scan.upload_url || cfg.batchUrl;

  async function postBatch(batch) {
    let response;
    try {
      response = await request(uploadUrl(batch[0]), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({
          device: deviceId, device_time: new Date().toISOString(),
          scans: batch.map((s) => ({ token: s.token, [mode.scope]: s[mode.scope], nonce: s.nonce, scanned_at: s.scanned_at })),
        }),
      }, 20000);
    } catch (e) {
      setNet(false); // kept; the same nonces are safe to send again
      return "stop";
    }
    if (response.status >= 500) return "stop";
    setNet(true);
    const body = await readJson(response);
    if (response.ok && body && Array.isArray(body.results)) {
      return (await applyResults(batch, body.results)) ? "ok" : "stop";
    }
    const error = body && body.error;
    notice(error ? t("upload-refused", { error }) : t("login-needed"), "danger");
    // 401, a redirect to the login page, a CSRF failure (an HTML 403): a new login is needed
    // for every scan. A JSON 400, 403 or 404 (not this trainer's material) is about these scans.
    if (!error || response.status === 401 || ![400, 403, 404].includes(response.status)) return "stop";
    if (batch.length === 1) await save("scans", Object.assign(batch[0], { error }));
    return "refused";
  }

  async function applyResults(batch, results) {
    const sent = new Map(batch.map((s) => [s.nonce, s]));
    let progressed = false;
    let rosterStale = false;
    for (const answer of results) {
      const scan = sent.get(answer.nonce);
      if (!scan) continue;
      const local = scan.local_result;
      Object.assign(scan, { synced: 1, server_result: answer.result, server_status: answer.status || null, error: null });
      // Attendance answers {participant: {name, unit}}, hand-out {name}.
      const participant = answer.participant || (answer.name ? { name: answer.name, unit: "" } : null);
      if (participant) {
        scan.name = scan.name || participant.name;
        scan.unit = scan.unit || participant.unit;
      }
      await save("scans", scan);
      progressed = true;
      const index = scans.findIndex((s) => s.nonce === scan.nonce);
      if (index >= 0) scans[index] = scan;
      // Present/late/already recorded are all "in": only a real change of verdict is news.
      // On the banner while it still shows this scan (a badge this device did not know is
      // another class's: "not in this class", with the name printed on it); else a notice.
      if (answer.result === "invalid") {
        notice(t("invalid", { name: scan.name || scan.token, reason: answer.reason || "" }), "danger");
      } else if (answer.result !== local && !(mode.accepted.has(answer.result) && mode.accepted.has(local))) {
        if (scan.nonce === shownNonce) showFeedback(answer.result, scan);
        else notice(t("corrected", { name: scan.name || scan.token, result: label(answer.result) }));
      }
      if (!scan.enrollment && participant) rosterStale = true; // someone new to this device
    }
    renderPanel();
    if (rosterStale) refreshRoster();
    return progressed;
  }

  // --- Live panel and name search --------------------------------------------------------
  function renderPanel() {
    if (!roster) return;
    const status = statuses();
    const counts = Object.fromEntries(mode.counted.map((state) => [state, 0]));
    let done = 0;
    const listed = document.createDocumentFragment();
    for (const person of roster.participants) { // already in Vietnamese order
      const s = status.get(person.enrollment);
      const isDone = mode.isDone(s);
      if (isDone) done++;
      if (s in counts) counts[s]++;
      if (isDone === mode.listsDone) listed.appendChild(personItem(person, s === "excused" ? t("excused") : ""));
    }
    const total = roster.participants.length;
    $("count-expected").textContent = total;
    for (const [state, n] of Object.entries(counts)) $("count-" + state).textContent = n;
    $("count-missing").textContent = total - done;
    // Once the session is ended, nobody is "still missing": everyone not in the room was
    // recorded absent (or excused), and the panel says so, as the attendance list does.
    const closed = Boolean(roster.session && roster.session.closed);
    for (const id of ["label-missing", "heading-missing"]) {
      const node = $(id);
      if (!node) continue; // the hand-out panel has no such labels
      if (!("open" in node.dataset)) node.dataset.open = node.textContent;
      node.textContent = closed ? t(id + "-closed") : node.dataset.open;
    }
    const list = $("live-list");
    list.textContent = "";
    if (listed.childNodes.length) list.appendChild(listed);
    else list.appendChild(personItem({ name: t("list-empty"), unit: "" }, ""));
  }

  function personItem(person, tag) {
    return el("li", {}, person.name, tag && " ", tag && el("span", { className: "badge text-bg-info", textContent: tag }),
      person.unit && el("small", { textContent: person.unit }));
  }

  function renderSearch() {
    const list = $("search-results");
    const words = fold($("name-search").value).split(/\s+/).filter(Boolean);
    list.textContent = "";
    if (!roster || words.join("").length < 2) return;
    const hits = roster.participants.filter((p) => words.every((w) => p.folded.includes(w))).slice(0, 10);
    if (!hits.length) return list.append(el("li", { className: "list-group-item text-secondary" }, t("no-match")));
    const status = statuses();
    for (const person of hits) {
      const here = mode.isDone(status.get(person.enrollment));
      const button = el("button", { type: "button", className: "btn btn-success" }, t("hit-action"));
      button.dataset.token = person.token;
      list.append(el("li", { className: "list-group-item search-hit" },
        el("div", {}, el("strong", {}, person.name), here && " ",
          here && el("span", { className: "badge text-bg-success" }, t("hit-done")),
          el("small", { className: "d-block text-secondary" }, person.unit)),
        button));
    }
  }

  // --- Camera ----------------------------------------------------------------------------
  const video = $("camera");
  const frame = document.createElement("canvas");
  const frameContext = frame.getContext("2d", { willReadFrequently: true });
  let stream = null;
  let wantCamera = false; // resume after the phone is unlocked
  let frameTimer = 0;
  let lastCode = "";
  let lastCodeAt = 0;

  function loadJsQR() { // 57 KB gzipped: fetched only when the camera is used
    if (window.jsQR) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = cfg.jsqrUrl;
      script.onload = resolve;
      script.onerror = () => reject(new Error("jsQR"));
      document.head.appendChild(script);
    });
  }

  async function startCamera() {
    wantCamera = true;
    setCameraUi(true);
    try {
      await loadJsQR();
      const media = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
      if (!wantCamera) return media.getTracks().forEach((track) => track.stop()); // stopped meanwhile
      video.srcObject = stream = media;
      await video.play();
      scanFrame();
    } catch (error) {
      wantCamera = false;
      stopCamera();
      const name = error && error.name;
      notice(name === "NotAllowedError" ? t("camera-denied")
        : name === "NotFoundError" || name === "OverconstrainedError" ? t("camera-missing")
          : t("camera-error", { error: name || String(error) }), "danger");
    }
  }

  function stopCamera() {
    clearTimeout(frameTimer);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    setCameraUi(false);
  }

  function setCameraUi(on) {
    $("camera-toggle").dataset.state = on ? "on" : "off";
    $("camera-toggle").setAttribute("aria-pressed", String(on));
    $("camera-toggle-label").textContent = t(on ? "camera-stop" : "camera-start");
    video.parentElement.dataset.state = on ? "on" : "off";
  }

  function scanFrame() {
    if (!stream) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const scale = Math.min(1, MAX_FRAME_SIDE / Math.max(video.videoWidth, video.videoHeight));
      const width = Math.round(video.videoWidth * scale);
      const height = Math.round(video.videoHeight * scale);
      if (frame.width !== width || frame.height !== height) Object.assign(frame, { width, height });
      frameContext.drawImage(video, 0, 0, width, height);
      const pixels = frameContext.getImageData(0, 0, width, height).data;
      const code = window.jsQR(pixels, width, height, { inversionAttempts: "dontInvert" });
      if (code && code.data) onCameraCode(code.data, performance.now());
    }
    frameTimer = setTimeout(scanFrame, FRAME_MS);
  }

  function onCameraCode(data, decodedAt) {
    const repeat = data === lastCode && decodedAt - lastCodeAt < DEDUPE_MS;
    lastCode = data;
    lastCodeAt = decodedAt; // still in view: keep ignoring it until it has been gone 3 s
    if (!repeat) handleScan(data, decodedAt).then(() => keepFocus(false));
  }

  // --- Keyboard wedge and typing ---------------------------------------------------------
  const scanInput = $("scan-input");
  const searchInput = $("name-search");
  const touchOnly = window.matchMedia && matchMedia("(pointer: coarse)").matches && !matchMedia("(pointer: fine)").matches;

  // Back to the scan box after each scan, for the next badge from the scanner gun; but on
  // a touch phone a camera scan must not pop up the keyboard over the banner.
  function keepFocus(fromKeyboard) {
    if (document.activeElement === searchInput && searchInput.value) return;
    if (fromKeyboard || !touchOnly) scanInput.focus({ preventScroll: true });
  }

  function submitTyped() {
    const decodedAt = performance.now();
    const code = scanInput.value;
    scanInput.value = "";
    handleScan(code, decodedAt).then(() => keepFocus(true));
  }

  function checkInFromSearch(token) {
    const decodedAt = performance.now();
    searchInput.value = "";
    renderSearch();
    handleScan(token, decodedAt).then(() => keepFocus(true));
  }

  function bindInputs() {
    scanInput.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        submitTyped();
      }
    });
    $("scan-submit").addEventListener("click", submitTyped);
    // A scanner gun types wherever the focus is: catch keys that land on no text field.
    document.addEventListener("keydown", (event) => {
      const active = document.activeElement;
      if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1 || event.key === " ") return;
      if (active && (/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) || active.isContentEditable)) return;
      scanInput.focus();
    }, true);
    searchInput.addEventListener("input", renderSearch);
    // Enter in the search box: a badge code typed there by the scanner gun, or the only match.
    searchInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();
      const buttons = $("search-results").querySelectorAll("button[data-token]");
      const person = roster && findPerson(searchInput.value.trim());
      if (person) checkInFromSearch(person.token);
      else if (buttons.length === 1) buttons[0].click();
    });
    $("search-results").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-token]");
      if (button) checkInFromSearch(button.dataset.token);
    });
    $("camera-toggle").addEventListener("click", () => {
      if (!wantCamera) return startCamera();
      wantCamera = false;
      stopCamera();
    });
    for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, unlockAudio, { passive: true });
  }

  // --- Offline shell: service worker and manifest ----------------------------------------
  function addHeadLinks() { // base.html has no head block
    document.head.append(el("link", { rel: "manifest", href: cfg.manifestUrl }),
      el("link", { rel: "icon", type: "image/svg+xml", href: cfg.iconUrl }),
      el("meta", { name: "theme-color", content: "#0d6efd" }));
  }

  // What the service worker must keep for a reload with no network: every stylesheet,
  // script and icon this page uses (whatever base.html loads) and the extras the template
  // lists, as absolute URLs — the very URLs the page loaded, so that the worker's fetch is
  // answered by the browser's HTTP cache (hashed static files are cached for a year).
  // The page itself and the roster are not fetched again: see handOver.
  function shellUrls() {
    const raw = [];
    document.querySelectorAll("link[rel~=stylesheet][href], link[rel=manifest][href], link[rel~=icon][href], script[src]")
      .forEach((node) => raw.push(node.href || node.src));
    try { raw.push(...JSON.parse($("scanner-precache").textContent)); } catch (e) { /* the page still works */ }
    const skip = new Set([location.href.split("#")[0], new URL(cfg.rosterUrl, location.href).href]);
    const urls = new Set();
    for (const url of raw.map((u) => new URL(u, location.href))) {
      if (url.origin === location.origin && !skip.has(url.href)) urls.add(url.href);
    }
    return Array.from(urls);
  }

  // Answers the page already has (this page, the roster), handed to the service worker,
  // which stores each one it lacks: {url, body, type}. Sent with the list, or on their own
  // when they arrive after it.
  const copies = new Map([[location.href.split("#")[0], { body: pageCopy, type: "text/html; charset=utf-8" }]]);
  let worker = null;
  function handOver(url, body, type) {
    const href = new URL(url, location.href).href;
    copies.set(href, { body, type });
    if (worker) worker.postMessage({ type: "precache", urls: [], copies: [{ url: href, body, type }] });
  }

  function setupOffline() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "precached" && event.data.shell) {
        document.body.dataset.offlineReady = event.data.failed.length ? "partial" : "yes";
      }
    });
    const sendList = (to) => {
      if (!to) return;
      worker = to;
      const list = Array.from(copies, ([url, copy]) => Object.assign({ url }, copy));
      to.postMessage({ type: "precache", urls: shellUrls(), copies: list });
    };
    navigator.serviceWorker.register(cfg.swUrl, { scope: cfg.swScope })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => sendList(registration.active))
      .catch(() => { document.body.dataset.offlineReady = "no"; });
    // A new version of the worker starts with an empty cache: give it the list too. (Not on
    // the first visit, where `ready` above already did: that would hand everything twice.)
    let updating = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.addEventListener("controllerchange", () => {
      if (updating) sendList(navigator.serviceWorker.controller);
      updating = true;
    });
    navigator.serviceWorker.startMessages();
    // Ask the browser not to evict the queue when the phone runs low on space.
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
  }

  // --- Start -----------------------------------------------------------------------------
  function init() {
    bindInputs();
    addHeadLinks();
    setNet(navigator.onLine !== false);
    if (!window.isSecureContext) {
      $("insecure-warning").hidden = false;
    } else {
      setupOffline();
    }
    if (!window.isSecureContext || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) {
      $("camera-toggle").disabled = true;
    }
    ready = (async () => {
      db = await openDb();
      const copy = await loadRosterCopy();
      if (copy) useRoster(copy.data); // usable at once, even with no network
      scans = (await loadAll("scans", mode.scope, scopeId)).sort((a, b) => a.scanned_at.localeCompare(b.scanned_at));
      renderPanel();
    })();
    ready.then(async () => {
      refreshPending();
      await refreshRoster();
      if (!roster) notice(t("no-roster"), "warning");
      flushQueue();
    });
    window.addEventListener("online", () => { setNet(true); flushQueue(); refreshRoster(); });
    window.addEventListener("offline", () => setNet(false));
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) { // locked phone: free the camera, save the battery
        if (stream) stopCamera();
      } else {
        if (wantCamera && !stream) startCamera();
        flushQueue();
      }
    });
    setInterval(flushQueue, UPLOAD_EVERY_MS);
    setInterval(() => { if (!document.hidden) refreshRoster(); }, ROSTER_EVERY_MS);
    keepFocus(false);
  }

  init();
})();
