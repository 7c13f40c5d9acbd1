// The turn timer and the roles: rendering the room's state (display, progress,
// roles and who drives next, status, the completed summary, read-only controls
// once completed) and the controls that change it: start/pause, swap, turn
// length, complete/reopen, and the keyboard shortcuts (Space, S, ?).
import { $, root, state, lists, ui, completed, roomApi, pairRoomApi } from "./state.js";
import { remaining, format, untilNextSecond } from "./clock.js";
import { command, showError } from "./api.js";
import { renderTitle, offerAlerts } from "./alerts.js";
import { mobRoom, skip } from "./mob.js";
import { t, tn } from "../i18n.js";

// The next render is aimed at the moment the shown second changes (re-aimed on
// every render: each tick and state change), so every screen flips together and
// nothing runs between seconds. A hidden tab aims at nothing: the server's
// ticks keep its title counting, and it renders at once when shown again.
let flipTimer = null;

function aimNextFlip() {
  clearTimeout(flipTimer);
  flipTimer = null;
  const wait = untilNextSecond();
  if (wait == null || document.visibilityState !== "visible") return;
  // +1 ms: the timeout must not land a rounding before the second (Date.now() is
  // whole ms); if it does anyway, the render below shows the same text and aims again.
  flipTimer = setTimeout(renderTimer, wait + 1);
}

export function renderTimer() {
  const up = ui.timeUp && state.timer.status !== "RUNNING";
  const left = up ? 0 : remaining();
  const text = format(left);
  const display = $("display");
  if (display.textContent !== text) display.textContent = text;
  display.dataset.status = up ? "TIME_UP" : state.timer.status;
  display.classList.toggle("time-up", up);
  const duration = state.timer.duration || 1;
  $("progress").value = Math.round(1000 * Math.min(1, Math.max(0, 1 - left / duration)));
  $("progress").dataset.status = display.dataset.status;
  renderTitle(text);
  aimNextFlip();
}

// Says it the way the server renders the summary on first load (pages.py).
function pairedText(ms) {
  const minutes = Math.floor(ms / 60000);
  if (minutes >= 60) return t("%(hours)s h %(minutes)s min", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
  if (minutes) return t("%(minutes)s min", { minutes });
  return t("%(seconds)s s", { seconds: Math.floor(ms / 1000) });
}

function renderSummary() {
  const done = lists.todos.filter((t) => t.isChecked).length;
  const turns = state.turnsCompleted;
  const text = [tn("%(count)s turn", "%(count)s turns", turns), t("%(time)s paired", { time: pairedText(state.pairedMs) }),
                t("%(done)s of %(count)s todos done", { done, count: lists.todos.length })].join(" · ");
  // The summary is a live region: written only when it says something new.
  if ($("summary-text").textContent !== text) $("summary-text").textContent = text;
  $("summary").hidden = !completed();
}

// A turn length as it is typed and shown: "m:ss" under a minute, else minutes.
export function lengthText(ms) {
  if (ms < 60000) return "0:" + String(Math.round(ms / 1000)).padStart(2, "0");
  return String(+(ms / 60000).toFixed(2));
}

function parseLength(text) {
  const clock = /^\s*(\d+):([0-5]?\d)\s*$/.exec(text);
  if (clock) return (+clock[1] * 60 + +clock[2]) * 1000;
  const minutes = parseFloat(text);
  return /^\s*\d*\.?\d+\s*$/.test(text) && minutes > 0 ? Math.round(minutes * 60000) : NaN;
}

// The state words (templates/_room_items.html says them the same way on first load).
const WORDS = { IDLE: t("idle"), RUNNING: t("running"), PAUSED: t("paused") };
const BREAK_WORDS = { IDLE: t("break idle"), RUNNING: t("break · running"), PAUSED: t("break paused") };

function statusText() {
  if (completed()) return t("room completed");
  if (state.timer.kind === "break") return BREAK_WORDS[state.timer.status] || state.timer.status.toLowerCase();
  if (ui.timeUp && state.timer.status !== "RUNNING") return t("time's up · %(name)s drives now", { name: state.driver });
  return WORDS[state.timer.status] || state.timer.status.toLowerCase();
}

export function render() {
  $("driver").textContent = state.driver;
  $("navigator").textContent = state.navigator;
  $("next").textContent = state.navigator; // a pair: the navigator drives next
  const running = state.timer.status === "RUNNING";
  root.dataset.status = state.status;
  $("timer-status").textContent = statusText();
  $("toggle").textContent = running ? t("Pause") : (state.timer.kind === "break" ? t("Start break") : t("Start"));
  for (const el of document.querySelectorAll(".writable, .items button, .items input")) {
    el.disabled = completed();
  }
  const input = $("duration-minutes");
  if (document.activeElement !== input) {
    input.value = lengthText(state.timer.duration);
    $("duration-unit").textContent = state.timer.duration < 60000 ? t("m:ss") : t("min");
  }
  $("duration-note").textContent = running ? t("Setting it now changes this turn too: the time already run counts.") : "";
  renderSummary();
  renderTimer();
}

function toggle() {
  if (completed()) return;
  const running = state.timer.status === "RUNNING";
  if (!running) offerAlerts();
  command("PATCH", roomApi + (running ? "/timer/stop" : "/timer/start"), undefined,
          { near: $("toggle"), label: running ? t("Pause") : t("Start") });
}

// A person asking for a swap always gets one, even just after a time-up (swaps
// without `intent: "new"`, as coduo's screens send them then, are that time-up's).
function swap() {
  if (completed()) return;
  if (mobRoom()) { skip(); return; } // three or more: S skips to the next
  command("PATCH", pairRoomApi + "/pair-swap", { intent: "new" }, { near: $("swap"), label: t("Swap roles") });
}

function setLength(event) {
  event.preventDefault();
  const ms = parseLength($("duration-minutes").value);
  const near = $("set-duration");
  const onBreak = state.timer.kind === "break";
  const what = onBreak ? t("Break length") : t("Turn length");
  if (!(ms >= 1000)) { showError(t("%(what)s: minutes (like 15 or 2.5) or m:ss (like 0:45).", { what }), near); return; }
  const timer = state.timer;
  const left = remaining();
  let remainingTime = ms;
  if (timer.status === "RUNNING") {
    // Keeps running from the new remaining time: what has run of this turn still counts.
    remainingTime = Math.max(1000, ms - (timer.duration - left));
  } else if (timer.status === "PAUSED" && left < timer.duration &&
             !window.confirm(t("This turn is paused with %(left)s left. Discard that and start the next turn at %(length)s?",
                               { left: format(left), length: format(ms) }))) {
    return;
  }
  command("PATCH", roomApi + "/timer", { duration: ms, remainingTime: Math.min(remainingTime, ms) },
          { near, label: onBreak ? t("The new break length") : t("The new turn length") });
  $("duration-minutes").blur();
}

export function initTimerControls() {
  $("toggle").addEventListener("click", toggle);
  $("swap").addEventListener("click", swap);
  $("duration-form").addEventListener("submit", setLength);
  $("complete").addEventListener("click", () => {
    if (window.confirm(t("Complete this room? The timer stops and the room becomes read-only."))) {
      command("PATCH", pairRoomApi + "/status", { status: "COMPLETED" }, { near: $("complete"), label: t("Complete room") });
    }
  });
  $("reopen").addEventListener("click", () => command("PATCH", pairRoomApi + "/status", { status: "IN_PROGRESS" },
                                                      { near: $("reopen"), label: t("Reopen") }));
}

// Keys typed into these are text, not shortcuts (checkboxes and radios keep Space).
const OWN_KEYS = new Set(["text", "search", "url", "email", "password", "number", "tel", "date", "time",
                          "datetime-local", "month", "week", "checkbox", "radio", "range", "color"]);

function typingIn(el) {
  if (!el || !el.tagName) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName.toLowerCase();
  if (tag === "textarea" || tag === "select") return true;
  return tag === "input" && OWN_KEYS.has((el.type || "text").toLowerCase());
}

function openHelp() {
  const help = $("help");
  if (!help.open) help.showModal();
}

// Space starts/pauses, S swaps, ? shows the help: wherever focus is (a button
// just clicked too), except while typing in a field or with a dialog open.
export function initShortcuts() {
  $("help-open").addEventListener("click", openHelp);
  document.addEventListener("keydown", (event) => {
    if (typingIn(event.target) || $("help").open) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") { event.preventDefault(); openHelp(); return; }
    if (event.repeat) return;
    if (event.key === " ") { event.preventDefault(); toggle(); }
    else if (event.key === "s" || event.key === "S") { event.preventDefault(); swap(); }
  });
  // A focused button would also "click" itself on Space's keyup: that is not meant.
  document.addEventListener("keyup", (event) => {
    if (event.key === " " && !typingIn(event.target) && !$("help").open) event.preventDefault();
  });
}
