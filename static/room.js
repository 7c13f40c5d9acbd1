// The pair room, kept live over Server-Sent Events.
// The display is computed from the server's deadline and a measured clock
// offset, so it ticks smoothly between events and two screens agree.
(function () {
  "use strict";

  const root = document.getElementById("room");
  const code = root.dataset.code;
  const roomApi = "/api/" + encodeURIComponent(code);
  const pairRoomApi = "/api/pair-room/" + encodeURIComponent(code);
  const $ = (id) => document.getElementById(id);

  let state = JSON.parse($("initial-state").textContent);
  const lists = JSON.parse($("initial-lists").textContent);
  let offset = 0; // server clock minus ours, in ms
  let source = null;
  let retryDelay = 1000;
  let retryTimer = null;
  let closedForGood = false;

  const serverNow = () => Date.now() + offset;
  const completed = () => state.status === "COMPLETED";

  // ----- timer -----
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
    const title = (state.timer.status === "RUNNING" ? text + " · " : "") + "Coding Duo";
    if (document.title !== title) document.title = title;
  }

  function pairedText(ms) {
    const minutes = Math.floor(ms / 60000);
    if (minutes >= 60) return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
    if (minutes) return minutes + " min";
    return Math.floor(ms / 1000) + " s";
  }

  function renderSummary() {
    const done = lists.todos.filter((t) => t.isChecked).length;
    const turns = state.turnsCompleted;
    $("summary-text").textContent = turns + " turn" + (turns === 1 ? "" : "s") + " · " +
      pairedText(state.pairedMs) + " paired · " + done + " of " + lists.todos.length + " todos done";
    $("summary").hidden = !completed();
  }

  function render() {
    $("driver").textContent = state.driver;
    $("navigator").textContent = state.navigator;
    const running = state.timer.status === "RUNNING";
    root.dataset.status = state.status;
    $("timer-status").textContent = completed() ? "room completed" : state.timer.status.toLowerCase();
    $("toggle").textContent = running ? "Pause" : "Start";
    for (const el of document.querySelectorAll(".writable, .items button, .items input")) {
      el.disabled = completed();
    }
    $("set-duration").disabled = running || completed();
    $("duration-minutes").disabled = running || completed();
    if (document.activeElement !== $("duration-minutes")) {
      $("duration-minutes").value = +(state.timer.duration / 60000).toFixed(2);
    }
    renderSummary();
    renderTimer();
  }

  // ----- feedback -----
  function setConnection(name, text) {
    const el = $("connection");
    el.dataset.state = name;
    el.textContent = text;
  }

  function showError(message) {
    const el = $("error");
    el.textContent = message || "";
    el.hidden = !message;
    if (message) el.scrollIntoView({ block: "nearest" });
  }

  function announce(message) {
    $("announce").textContent = message;
  }

  // ----- commands -----
  async function command(method, url, body) {
    showError("");
    try {
      const response = await fetch(url, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) {
        let message = "Request failed (" + response.status + ")";
        try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
        showError(message);
        return null;
      }
      return response;
    } catch (e) {
      showError("Could not reach the server. Check your connection.");
      return null;
    }
  }

  function toggle() {
    if (completed()) return;
    command("PATCH", roomApi + (state.timer.status === "RUNNING" ? "/timer/stop" : "/timer/start"));
  }

  function swap() {
    if (completed()) return;
    command("PATCH", pairRoomApi + "/pair-swap");
  }

  $("toggle").addEventListener("click", toggle);
  $("swap").addEventListener("click", swap);
  $("duration-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const minutes = parseFloat($("duration-minutes").value);
    if (!(minutes > 0)) { showError("Turn length must be a positive number of minutes."); return; }
    const ms = Math.round(minutes * 60000);
    command("PATCH", roomApi + "/timer", { duration: ms, remainingTime: ms });
  });
  $("complete").addEventListener("click", () => {
    if (window.confirm("Complete this room? The timer stops and the room becomes read-only.")) {
      command("PATCH", pairRoomApi + "/status", { status: "COMPLETED" });
    }
  });
  $("reopen").addEventListener("click", () => command("PATCH", pairRoomApi + "/status", { status: "IN_PROGRESS" }));

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
    if (["input", "textarea", "select", "button"].includes(tag) || event.target.isContentEditable) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " ") { event.preventDefault(); toggle(); }
    else if (event.key === "s" || event.key === "S") { swap(); }
  });

  // ----- list rendering (markup comes from the <template>s the server rendered) -----
  function fromTemplate(id) {
    return $(id).content.firstElementChild.cloneNode(true);
  }

  function renderTodos() {
    const ul = $("todos");
    const focusedId = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest(".todo") ? document.activeElement.closest(".todo").dataset.id : null;
    if (ul.querySelector(".todo-editing")) return; // do not yank an edit from under the user
    ul.replaceChildren(...lists.todos.map((todo) => {
      const li = fromTemplate("todo-template");
      li.dataset.id = todo.id;
      li.setAttribute("aria-label", "Todo: " + todo.content + " (Alt+Up/Down to move)");
      li.querySelector(".todo-check").checked = todo.isChecked;
      const text = li.querySelector(".todo-text");
      text.textContent = todo.content;
      text.classList.toggle("done", todo.isChecked);
      return li;
    }));
    if (focusedId) {
      const again = ul.querySelector('[data-id="' + CSS.escape(focusedId) + '"]');
      if (again) again.focus();
    }
    render();
  }

  function renderCategories() {
    $("categories").replaceChildren(...lists.categories.map((category) => {
      const li = fromTemplate("category-template");
      li.dataset.id = category.id;
      li.querySelector(".category-name").textContent = category.value;
      return li;
    }));
    for (const select of [$("link-category"), $("link-filter")]) {
      const chosen = select.value;
      const first = select.options[0].cloneNode(true);
      select.replaceChildren(first, ...lists.categories.map((category) => {
        const option = document.createElement("option");
        option.value = category.id;
        option.textContent = category.value;
        return option;
      }));
      select.value = lists.categories.some((c) => c.id === chosen) ? chosen : "";
    }
    render();
  }

  function renderLinks() {
    const filter = $("link-filter").value;
    $("links").replaceChildren(...lists.links.filter((l) => !filter || l.categoryId === filter).map((link) => {
      const li = fromTemplate("link-template");
      li.dataset.id = link.id;
      li.dataset.category = link.categoryId || "";
      const img = li.querySelector(".link-image");
      if (link.image) { img.src = link.image; img.hidden = false; } else { img.removeAttribute("src"); img.hidden = true; }
      const a = li.querySelector(".link-title");
      a.href = link.url;
      a.textContent = link.openGraphTitle || link.headTitle || link.url;
      li.querySelector(".link-description").textContent = link.description;
      li.querySelector(".link-url").textContent = link.url;
      const cat = li.querySelector(".link-category");
      cat.textContent = link.categoryName || "";
      cat.hidden = !link.categoryName;
      return li;
    }));
    render();
  }

  // ----- todos -----
  $("todo-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("todo-input");
    if (!input.value.trim()) return;
    if (await command("POST", roomApi + "/todos", { content: input.value })) input.value = "";
  });

  function todoIndex(id) {
    return lists.todos.findIndex((t) => t.id === id);
  }

  function moveTodo(id, index) {
    if (index < 0 || index >= lists.todos.length || index === todoIndex(id)) return;
    command("PATCH", "/api/todos/" + encodeURIComponent(id) + "/order", { order: index });
  }

  function editTodo(li) {
    const text = li.querySelector(".todo-text");
    const input = document.createElement("input");
    input.className = "todo-edit-input";
    input.maxLength = $("todo-input").maxLength;
    input.value = text.textContent;
    input.setAttribute("aria-label", "Edit todo");
    li.classList.add("todo-editing");
    text.replaceWith(input);
    input.focus();
    let finished = false;
    const finish = async (save) => {
      if (finished) return;
      finished = true;
      li.classList.remove("todo-editing");
      if (save && input.value.trim() && input.value !== text.textContent) {
        await command("PATCH", "/api/todos/" + encodeURIComponent(li.dataset.id) + "/contents", { content: input.value });
      }
      renderTodos();
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); }
      else if (e.key === "Escape") { finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
  }

  $("todos").addEventListener("click", (event) => {
    const li = event.target.closest(".todo");
    if (!li || completed()) return;
    const id = li.dataset.id;
    if (event.target.classList.contains("todo-check")) {
      command("PATCH", "/api/todos/" + encodeURIComponent(id) + "/checked");
    } else if (event.target.classList.contains("todo-delete")) {
      command("DELETE", "/api/todos/" + encodeURIComponent(id));
    } else if (event.target.classList.contains("todo-edit")) {
      editTodo(li);
    } else if (event.target.classList.contains("todo-up")) {
      moveTodo(id, todoIndex(id) - 1);
    } else if (event.target.classList.contains("todo-down")) {
      moveTodo(id, todoIndex(id) + 1);
    }
  });

  $("todos").addEventListener("keydown", (event) => {
    const li = event.target.closest(".todo");
    if (!li || event.target !== li || completed()) return;
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      moveTodo(li.dataset.id, todoIndex(li.dataset.id) + (event.key === "ArrowUp" ? -1 : 1));
    } else if (event.key === "Enter") {
      editTodo(li);
    } else if (event.key === "Delete") {
      command("DELETE", "/api/todos/" + encodeURIComponent(li.dataset.id));
    }
  });

  let dragged = null;
  $("todos").addEventListener("dragstart", (event) => {
    const li = event.target.closest(".todo");
    if (!li || completed()) { event.preventDefault(); return; }
    dragged = li.dataset.id;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    li.classList.add("dragging");
  });
  $("todos").addEventListener("dragover", (event) => {
    if (dragged) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
  });
  $("todos").addEventListener("drop", (event) => {
    event.preventDefault();
    const target = event.target.closest(".todo");
    if (!dragged || !target) return;
    const rect = target.getBoundingClientRect();
    let index = todoIndex(target.dataset.id);
    const from = todoIndex(dragged);
    const below = event.clientY > rect.top + rect.height / 2;
    if (below) index += 1;
    if (from < index) index -= 1;
    moveTodo(dragged, index);
  });
  $("todos").addEventListener("dragend", () => {
    dragged = null;
    for (const li of document.querySelectorAll(".todo.dragging")) li.classList.remove("dragging");
  });

  // ----- links and categories -----
  $("link-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { url: $("link-input").value.trim() };
    if ($("link-category").value) body.categoryId = $("link-category").value;
    const button = event.submitter;
    if (button) button.disabled = true;
    const ok = await command("POST", roomApi + "/reference-link", body);
    if (button) button.disabled = completed();
    if (ok) $("link-input").value = "";
  });
  $("link-filter").addEventListener("change", renderLinks);
  $("links").addEventListener("click", (event) => {
    const li = event.target.closest(".link");
    if (li && event.target.classList.contains("link-delete") && !completed()) {
      command("DELETE", roomApi + "/reference-link/" + encodeURIComponent(li.dataset.id));
    }
  });

  $("category-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("category-input");
    if (!input.value.trim()) return;
    if (await command("POST", roomApi + "/category", { value: input.value })) input.value = "";
  });
  $("categories").addEventListener("click", (event) => {
    const li = event.target.closest(".category");
    if (!li || completed()) return;
    const id = li.dataset.id;
    if (event.target.classList.contains("category-delete")) {
      if (window.confirm("Delete this category? Its links stay, without a category.")) {
        command("DELETE", roomApi + "/category/" + encodeURIComponent(id));
      }
    } else if (event.target.classList.contains("category-rename")) {
      const name = window.prompt("New name", li.querySelector(".category-name").textContent);
      if (name && name.trim()) {
        command("PATCH", roomApi + "/category", { categoryId: id, updatedCategoryName: name });
      }
    }
  });

  // ----- time-up: sound, notification, message -----
  const chime = $("chime");
  let soundOn = localStorage.getItem("codingDuo.sound") === "on";
  let notifyOn = localStorage.getItem("codingDuo.notify") === "on";
  let timeUpPending = false;

  function renderAlerts() {
    $("sound").setAttribute("aria-pressed", String(soundOn));
    $("sound").textContent = soundOn ? "Sound on" : "Enable sound";
    const canNotify = "Notification" in window;
    $("notify").hidden = !canNotify;
    const granted = canNotify && Notification.permission === "granted";
    $("notify").setAttribute("aria-pressed", String(notifyOn && granted));
    $("notify").textContent = notifyOn && granted ? "Notifications on" : "Notify me when time is up";
  }

  $("sound").addEventListener("click", () => {
    soundOn = !soundOn;
    localStorage.setItem("codingDuo.sound", soundOn ? "on" : "off");
    if (soundOn) {
      // Browsers allow audio only after a click: play muted once, now, to unlock it.
      chime.muted = true;
      chime.play().then(() => { chime.pause(); chime.currentTime = 0; chime.muted = false; })
        .catch(() => { chime.muted = false; });
    }
    renderAlerts();
  });

  $("notify").addEventListener("click", async () => {
    if (!("Notification" in window)) return;
    if (notifyOn && Notification.permission === "granted") {
      notifyOn = false;
    } else {
      notifyOn = (await Notification.requestPermission()) === "granted";
      if (!notifyOn) showError("Notifications are blocked for this site in your browser settings.");
    }
    localStorage.setItem("codingDuo.notify", notifyOn ? "on" : "off");
    renderAlerts();
  });

  function ring() {
    if (!soundOn) return;
    chime.currentTime = 0;
    chime.play().then(() => {
      root.dataset.chimes = String((+root.dataset.chimes || 0) + 1);
    }).catch(() => showError("The browser blocked the sound: click “Enable sound” again."));
  }

  function timeUp() {
    const message = "Time is up! " + state.driver + " drives now, " + state.navigator + " navigates.";
    announce(message);
    const display = $("display");
    display.classList.add("time-up");
    setTimeout(() => display.classList.remove("time-up"), 4000);
    if (notifyOn && document.hidden && "Notification" in window && Notification.permission === "granted") {
      new Notification("Coding Duo: time is up", { body: message, tag: "coding-duo-" + code });
    }
  }

  // ----- the stream -----
  // Clock offset: serverTime minus arrival time underestimates the true offset by
  // the one-way delay, so the largest recent sample is the best estimate.
  const offsetSamples = [];

  function onRoom(data) {
    state = data;
    offsetSamples.push(data.timer.serverTime - Date.now());
    if (offsetSamples.length > 8) offsetSamples.shift();
    offset = Math.max(...offsetSamples);
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
        if (Math.abs(remaining() - value) > 1000) state.timer.endsAt = serverNow() + value;
      } else {
        state.timer.remainingTime = value;
      }
      renderTimer();
    },
    timer: (data) => {
      if (data === "stop") {
        // The server decided time-up; the swapped roles follow in a `pair` event.
        timeUpPending = true;
        state.timer.status = "IDLE";
        ring();
      } else if (data === "start" || data === "running") {
        announce("");
      }
    },
    pair: (data) => {
      const pair = JSON.parse(data);
      state.driver = pair.driver;
      state.navigator = pair.navigator;
      render();
      if (timeUpPending) {
        timeUpPending = false;
        timeUp();
      }
    },
    todos: (data) => { lists.todos = JSON.parse(data); renderTodos(); },
    "reference-links": (data) => { lists.links = JSON.parse(data); renderLinks(); },
    categories: (data) => { lists.categories = JSON.parse(data); renderCategories(); },
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
    source = new EventSource(roomApi + "/connect");
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (event) => handler(event.data));
    }
    source.onerror = () => {
      if (closedForGood) return;
      const online = navigator.onLine;
      setConnection(online ? "reconnecting" : "offline", online ? "reconnecting…" : "offline");
      if (source.readyState === EventSource.CLOSED) {
        // A non-200 answer (server full, restarting) closes an EventSource for
        // good: reopen it ourselves, backing off up to 30 s.
        retryTimer = setTimeout(connect, retryDelay + Math.random() * 500);
        retryDelay = Math.min(retryDelay * 2, 30000);
      }
    };
  }

  window.addEventListener("online", () => { if (!source || source.readyState === EventSource.CLOSED) connect(); });
  window.addEventListener("offline", () => setConnection("offline", "offline"));
  setInterval(renderTimer, 200);
  renderAlerts();
  render();
  connect();
})();
