// The pair room, kept live over Server-Sent Events: the entry module. It wires
// the parts together and says what each of the stream's events does.
//   state.js  the room's state and lists, DOM and API helpers (no imports)
//   clock.js  deadline and server clock offset: remaining(), format()
//   api.js    commands (fetch) and the error line
//   alerts.js announcement, title countdown, chime, desktop notifications
//   timer.js  rendering the room and timer; timer/role controls, shortcuts
//   lists.js  todos, reference links, categories
//   changes.js the lists' `*-change` events applied (the lists whole come on connect)
//   mob.js    the roster, skip to next, the goal, breaks and the break screen
//   history.js the timeline, the balance, the retrospective (history_model.js: its arithmetic)
//   stream.js the EventSource, reconnection, the connection indicator
//
// Caching: the page loads this file as asset('room/main.js'), whose ?v=<hash>
// changes with its content, so it may be cached for a year. The modules it
// imports are fetched by relative URL without a version (an import map would
// be inline script, which the CSP forbids), so the server sends every static
// URL without ?v= as `Cache-Control: no-cache`: the browser revalidates them
// (ETag, usually a 304) on each load, and a new release reaches it at once.
import { $, root, code, roomApi, state, lists, ui, setState } from "./state.js";
import { sampleOffset, tick } from "./clock.js";
import { connectionBack } from "./api.js";
import { announce, renderAlerts, initAlerts, offerAlerts, ring, timeUp } from "./alerts.js";
import { render, renderTimer, initTimerControls, initShortcuts } from "./timer.js";
import { initLists, renderTodos, renderLinks, renderCategories } from "./lists.js";
import { applyChange, applyTodoChange, applyCategoryChange } from "./changes.js";
import { startStream } from "./stream.js";
import { initMob, renderMob } from "./mob.js";
import { historyHandlers, initHistory, renderHistory } from "./history.js";
import { t, tn } from "../i18n.js";

async function copy(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = t("Copied!");
  } catch (e) {
    window.prompt(t("Copy this:"), text);
  }
  setTimeout(() => { button.textContent = label; }, 1500);
}

function initCopyButtons() {
  // The server builds the link (https behind a proxy that says so: X-Forwarded-Proto).
  // The browser's own address is right behind any proxy (however it sets Host); the
  // server's absolute URL (data-invite, scheme from a trusted X-Forwarded-Proto) is
  // only the fallback when the page has no origin to tell.
  const origin = location.origin && location.origin !== "null" ? location.origin : null;
  const invite = origin ? origin + "/rooms/" + code : root.dataset.invite;
  $("copy-link").addEventListener("click", (e) => copy(invite, e.currentTarget));
  $("copy-code").addEventListener("click", (e) => copy(code, e.currentTarget));
}

// ----- the stream's events -----
let timeUpPending = false;
let screens = null; // how many screens had the room open, as last heard

function onRoom(data) {
  setState(data);
  sampleOffset(data.timer.serverTime);
  if (state.timer.status === "RUNNING") ui.timeUp = false;
  render();
  renderMob();
  renderHistory();
  if (timeUpPending) {
    // A break's time-up has no `pair` (it rotates nobody): its `room` ends it.
    timeUpPending = false;
    timeUp();
  }
}

function started() {
  ui.timeUp = false;
  announce("");
  offerAlerts();
  render();
}

let noticeTimer = null;
function notice(text) {
  $("notice").textContent = text;
  $("notice").hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => { $("notice").textContent = ""; $("notice").hidden = true; }, 5000);
}

function onPresence(data) {
  const count = data.screens;
  const el = $("presence");
  el.textContent = count === 1 ? t("only you here") : tn("%(count)s screen", "%(count)s screens", count);
  el.hidden = false;
  el.dataset.screens = String(count);
  if (screens !== null && count > screens) {
    notice(count - screens === 1 ? t("Someone joined.") : tn("%(count)s screen joined.", "%(count)s screens joined.", count - screens));
  } else if (screens !== null && count < screens) {
    notice(screens - count === 1 ? t("Someone left.") : tn("%(count)s screen left.", "%(count)s screens left.", screens - count));
  }
  screens = count;
}

const handlers = {
  room: (data) => onRoom(JSON.parse(data)),
  "remaining-time": (data) => {
    tick(parseInt(data, 10));
    renderTimer();
    renderHistory(); // the open turn's time and the balance move on
  },
  timer: (data) => {
    if (data === "stop") {
      // The server decided time-up; the swapped roles follow in a `pair` event.
      timeUpPending = true;
      state.timer.status = "IDLE";
      ui.timeUp = true;
      ring();
      render();
    } else if (data === "start" || data === "running") {
      started();
    } else if (data === "update") {
      ui.timeUp = false; // a new length was set: show it
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
  "todos-change": (data) => { applyTodoChange(lists.todos, JSON.parse(data)); renderTodos(); },
  "reference-links-change": (data) => { applyChange(lists.links, JSON.parse(data)); renderLinks(); },
  "categories-change": (data) => {
    applyCategoryChange(lists.categories, lists.links, JSON.parse(data));
    renderCategories(); // first: a deleted category that was the filter is no longer chosen
    renderLinks();
  },
  presence: (data) => onPresence(JSON.parse(data)),
  ...historyHandlers,
  connect: connectionBack,
  close: () => announce(t("This room was closed.")),
};

initTimerControls();
initCopyButtons();
initShortcuts();
initLists();
initMob();
initHistory();
initAlerts();
document.addEventListener("visibilitychange", renderTimer); // it aims at each second's flip
renderAlerts();
render();
renderMob();
startStream(roomApi + "/connect", handlers);
