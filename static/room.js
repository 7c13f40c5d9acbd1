// The pair room, kept live over Server-Sent Events.
// The display is computed from the server's deadline and a measured clock
// offset, so it ticks smoothly between events and two screens agree.
(function () {
  "use strict";

  const root = document.getElementById("room");
  const code = root.dataset.code;
  const api = "/api/" + encodeURIComponent(code);
  const $ = (id) => document.getElementById(id);

  let state = JSON.parse($("initial-state").textContent);
  let offset = 0; // server clock minus ours, in ms
  let source = null;
  let retryDelay = 1000;
  let retryTimer = null;
  let closedForGood = false;

  const serverNow = () => Date.now() + offset;

  function remaining() {
    const t = state.timer;
    if (t.status === "RUNNING" && t.endsAt != null) return Math.max(0, t.endsAt - serverNow());
    return t.remainingTime;
  }

  function format(ms) {
    const total = Math.ceil(ms / 1000);
    const m = Math.floor(total / 60), s = total % 60;
    return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
  }

  function renderTimer() {
    const text = format(remaining());
    const display = $("display");
    if (display.textContent !== text) display.textContent = text;
    display.dataset.status = state.timer.status;
    document.title = (state.timer.status === "RUNNING" ? text + " · " : "") + "Coding Duo";
  }

  function render() {
    $("driver").textContent = state.driver;
    $("navigator").textContent = state.navigator;
    const running = state.timer.status === "RUNNING";
    const finished = state.status === "COMPLETED";
    $("timer-status").textContent = finished ? "room completed" : state.timer.status.toLowerCase();
    $("toggle").textContent = running ? "Pause" : "Start";
    $("toggle").disabled = finished;
    $("swap").disabled = finished;
    $("set-duration").disabled = running || finished;
    $("duration-minutes").disabled = running || finished;
    if (document.activeElement !== $("duration-minutes")) {
      $("duration-minutes").value = +(state.timer.duration / 60000).toFixed(2);
    }
    renderTimer();
  }

  function setConnection(name, text) {
    const el = $("connection");
    el.dataset.state = name;
    el.textContent = text;
  }

  function showError(message) {
    const el = $("error");
    el.textContent = message || "";
    el.hidden = !message;
  }

  function announce(message) {
    $("announce").textContent = message;
  }

  // ----- commands -----
  async function command(method, path, body) {
    showError("");
    try {
      const response = await fetch(api + path, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) {
        let message = "Request failed (" + response.status + ")";
        try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
        showError(message);
      }
    } catch (e) {
      showError("Could not reach the server. Check your connection.");
    }
  }

  function toggle() {
    if (state.status === "COMPLETED") return;
    command("PATCH", state.timer.status === "RUNNING" ? "/timer/stop" : "/timer/start");
  }

  function swap() {
    if (state.status === "COMPLETED") return;
    fetch("/api/pair-room/" + encodeURIComponent(code) + "/pair-swap", {
      method: "PATCH", headers: { "Content-Type": "application/json" },
    }).then((r) => { if (!r.ok) r.json().then((b) => showError(b.message)).catch(() => showError("Swap failed")); })
      .catch(() => showError("Could not reach the server. Check your connection."));
  }

  $("toggle").addEventListener("click", toggle);
  $("swap").addEventListener("click", swap);
  $("duration-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = parseFloat($("duration-minutes").value);
    if (!(minutes > 0)) { showError("Turn length must be a positive number of minutes."); return; }
    const ms = Math.round(minutes * 60000);
    command("PATCH", "/timer", { duration: ms, remainingTime: ms });
  });

  async function copy(text, button) {
    const label = button.textContent;
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied!";
    } catch (e) {
      window.prompt("Copy this:", text);
    }
    setTimeout(() => { button.textContent = label; }, 1500);
  }
  $("copy-link").addEventListener("click", (e) => copy(location.origin + "/rooms/" + code, e.currentTarget));
  $("copy-code").addEventListener("click", (e) => copy(code, e.currentTarget));

  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " ") { event.preventDefault(); toggle(); }
    else if (event.key === "s" || event.key === "S") { swap(); }
  });

  // ----- the stream -----
  function onRoom(data) {
    state = data;
    offset = data.timer.serverTime - Date.now();
    render();
  }

  const handlers = {
    connect: () => { retryDelay = 1000; setConnection("live", "live"); },
    room: (data) => onRoom(JSON.parse(data)),
    "remaining-time": (data) => {
      const value = parseInt(data, 10);
      if (state.timer.status === "RUNNING") {
        // Ticks are sent on the whole second: trust the deadline unless the
        // tick says we are more than a second off.
        const local = remaining();
        if (Math.abs(local - value) > 1000) state.timer.endsAt = serverNow() + value;
      } else {
        state.timer.remainingTime = value;
      }
      renderTimer();
    },
    timer: (data) => {
      if (data === "stop") {
        announce("Time is up! Roles swapped — next turn when you are ready.");
      } else if (data === "start" || data === "running") {
        announce("");
      }
    },
    pair: (data) => {
      const pair = JSON.parse(data);
      state.driver = pair.driver;
      state.navigator = pair.navigator;
      render();
    },
    close: () => {
      closedForGood = true;
      if (source) source.close();
      setConnection("closed", "room closed");
      announce("This room was closed.");
    },
  };

  function connect() {
    clearTimeout(retryTimer);
    if (closedForGood) return;
    source = new EventSource(api + "/connect");
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handler(event.data));
    }
    source.onerror = () => {
      if (closedForGood) return;
      if (source.readyState === EventSource.CLOSED) {
        // A non-200 answer (server full, restarting) closes an EventSource for
        // good: reopen it ourselves, backing off up to 30 s.
        setConnection(navigator.onLine ? "reconnecting" : "offline",
                      navigator.onLine ? "reconnecting…" : "offline");
        retryTimer = setTimeout(connect, retryDelay + Math.random() * 500);
        retryDelay = Math.min(retryDelay * 2, 30000);
      } else {
        setConnection(navigator.onLine ? "reconnecting" : "offline",
                      navigator.onLine ? "reconnecting…" : "offline");
      }
    };
  }

  window.addEventListener("online", () => { if (!source || source.readyState === EventSource.CLOSED) connect(); });
  setInterval(renderTimer, 200);
  render();
  connect();
})();
