// The turn timer and the roles: rendering the room's state (display, roles,
// status, the completed summary, read-only controls once completed) and the
// controls that change it: start/pause, swap, turn length, complete/reopen,
// and the Space / S keyboard shortcuts.
import { $, root, state, lists, completed, roomApi, pairRoomApi } from "./state.js";
import { remaining, format } from "./clock.js";
import { command, showError } from "./api.js";
import { renderTitle } from "./alerts.js";

export function renderTimer() {
  const text = format(remaining());
  const display = $("display");
  if (display.textContent !== text) display.textContent = text;
  display.dataset.status = state.timer.status;
  renderTitle(text);
}

// Says it the way the server renders the summary on first load (pages.py).
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

export function render() {
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

function toggle() {
  if (completed()) return;
  command("PATCH", roomApi + (state.timer.status === "RUNNING" ? "/timer/stop" : "/timer/start"));
}

// A person asking for a swap always gets one, even just after a time-up (swaps
// without `intent: "new"`, as coduo's screens send them then, are that time-up's).
function swap() {
  if (completed()) return;
  command("PATCH", pairRoomApi + "/pair-swap", { intent: "new" });
}

export function initTimerControls() {
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
}

// Space starts/pauses, S swaps, unless the key is meant for a control.
export function initShortcuts() {
  document.addEventListener("keydown", (event) => {
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select", "button"].includes(tag) || event.target.isContentEditable) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === " ") { event.preventDefault(); toggle(); }
    else if (event.key === "s" || event.key === "S") { swap(); }
  });
}
