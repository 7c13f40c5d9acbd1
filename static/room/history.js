// The room remembers: the timeline of its turns and breaks, the balance (drive and
// navigate time per person, how far from even), and the retrospective once the
// room is completed (each person answers under their name; everyone sees every
// answer live). The server records the turns; this module only shows them, from
// the page's JSON and the stream: `history` / `retrospectives` whole (on connect
// and after a resync), `history-change` / `retrospectives-change` after a change.
import { $, state, completed, roomApi } from "./state.js";
import { remaining, serverNow } from "./clock.js";
import { command } from "./api.js";
import { applyChange } from "./changes.js";
import { balance, durationText, liveItem, offText } from "./history_model.js";
import { t, tn } from "../i18n.js";

// How a turn ended, as the timeline says it (the server's words, coding_duo/history/words.py).
const ENDED = {
  "time-up": () => t("time's up"), skipped: () => t("handed over"), restarted: () => t("restarted"),
  break: () => t("a break began"), reset: () => t("reset"), completed: () => t("room completed"),
  deleted: () => t("room deleted"),
};

const initial = JSON.parse($("initial-history").textContent);
const history = initial.history;
const retros = initial.retrospectives;
const questions = initial.questions;
const SHOWN = 30; // the latest turns on the page; every one is in the report

const live = (item) => liveItem(item, remaining(), serverNow());

// ----- the timeline -----
function itemText(item) {
  const shown = live(item);
  const open = item.endedAt == null;
  const how = open ? (item.pausedAt != null ? t("paused now") : t("under way"))
    : (ENDED[item.ended] ? ENDED[item.ended]() : item.ended);
  const order = item.roster.length > 2 && item.kind === "turn" ? [item.roster.join(" → ")] : [];
  const pausedText = durationText(shown.pausedMs);
  const paused = pausedText !== durationText(0) ? [t("paused %(time)s", { time: pausedText })] : [];
  return {
    title: item.kind === "turn" ? t("Turn %(number)s", item) : t("Break %(number)s", item),
    who: item.kind !== "turn" ? t("then %(driver)s drives", item)
      : open ? t("%(driver)s drives, %(navigator)s navigates", item) : t("%(driver)s drove, %(navigator)s navigated", item),
    times: t("%(actual)s of %(planned)s", { actual: durationText(shown.actualMs), planned: durationText(item.plannedMs) }),
    how: [...order, ...paused, how].join(" · "),
    shown,
  };
}

function span(className) {
  const el = document.createElement("span");
  el.className = className;
  return el;
}

function timelineItem(item) {
  const li = document.createElement("li");
  li.dataset.id = String(item.id);
  li.dataset.kind = item.kind;
  li.dataset.open = String(item.endedAt == null);
  li.dataset.ended = item.ended || "";
  const meter = document.createElement("meter");
  meter.min = 0;
  li.append(span("turn-number"), span("turn-who"), span("turn-times"), span("turn-how"), meter);
  updateItem(li, item);
  return li;
}

function updateItem(li, item) {
  const text = itemText(item);
  for (const part of ["number", "who", "times", "how"]) {
    const el = li.querySelector(".turn-" + part);
    const value = part === "number" ? text.title : text[part];
    if (el.textContent !== value) el.textContent = value;
  }
  const meter = li.querySelector("meter");
  meter.max = Math.max(1, item.plannedMs);
  meter.value = Math.min(text.shown.actualMs, meter.max);
  meter.setAttribute("aria-label", text.title + ": " + text.times);
}

export function renderTimeline() {
  const list = $("timeline");
  const latest = history.slice(-SHOWN);
  list.replaceChildren(...latest.map(timelineItem));
  $("timeline-empty").hidden = history.length > 0;
  const earlier = history.length - latest.length;
  $("timeline-earlier").hidden = earlier <= 0;
  $("timeline-earlier").textContent = earlier > 0
    ? tn("%(count)s earlier turn is in the report.", "%(count)s earlier turns are in the report.", earlier) : "";
  renderBalance();
}

// ----- the balance -----
function cell(text) {
  const td = document.createElement("td");
  td.textContent = text;
  return td;
}

export function renderBalance() {
  const summary = balance(history.map(live), state.members || []);
  $("balance-rows").replaceChildren(...summary.people.map((p) => {
    const tr = document.createElement("tr");
    tr.dataset.id = String(p.id);
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = p.member ? p.name : t("%(name)s (left the room)", { name: p.name });
    tr.append(th, cell(durationText(p.driveMs)), cell(durationText(p.navigateMs)), cell(String(p.turnsDriven)),
              cell(offText(p.offEvenMs)));
    return tr;
  }));
  $("balance-note").textContent = summary.totalDriveMs && !summary.spreadMs && !summary.turnSpread
    ? t("Even so far: everyone present drove as long and as often.")
    : t("Most minus least driving: %(time)s; turns driven: %(turns)s apart.",
        { time: durationText(summary.spreadMs), turns: summary.turnSpread });
}

// Each tick and state change: the open turn's time and the balance move on.
export function renderHistory() {
  const open = history.length && history[history.length - 1].endedAt == null ? history[history.length - 1] : null;
  const li = open && $("timeline").querySelector('li[data-id="' + open.id + '"]');
  if (li) updateItem(li, open);
  renderBalance();
  renderRetro();
}

// ----- the retrospective -----
const mine = (name) => {
  const folded = (name || "").toLocaleLowerCase();
  return retros.filter((r) => r.author && r.author.toLocaleLowerCase() === folded).pop();
};
let dirty = false; // typed into since the form was last filled

function fillForm() {
  const set = mine($("retro-author").value);
  questions.forEach((_, i) => { $("retro-answer-" + i).value = set ? set.answers[i] || "" : ""; });
  dirty = false;
}

function renderAuthors() {
  const select = $("retro-author");
  const names = (state.members || []).map((m) => m.name);
  const have = [...select.options].slice(1).map((o) => o.value);
  if (have.join("\n") === names.join("\n")) return;
  const chosen = select.value;
  const first = select.options[0];
  select.replaceChildren(first, ...names.map((name) => {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    return option;
  }));
  select.value = names.includes(chosen) ? chosen : "";
}

export function renderAnswers() {
  $("retro-none").hidden = retros.length > 0;
  $("retro-answers").replaceChildren(...retros.map((set) => {
    const article = document.createElement("article");
    article.dataset.id = set.id;
    const h = document.createElement("h4");
    h.textContent = set.author || t("Someone");
    const dl = document.createElement("dl");
    questions.forEach((question, i) => {
      if (!set.answers[i]) return;
      const dt = document.createElement("dt");
      dt.textContent = question;
      const dd = document.createElement("dd");
      dd.textContent = set.answers[i];
      dl.append(dt, dd);
    });
    article.append(h, dl);
    return article;
  }));
}

function renderRetro() {
  $("retro").hidden = !completed();
  renderAuthors();
}

async function save(event) {
  event.preventDefault();
  const author = $("retro-author").value;
  const near = $("retro-save");
  const feedback = $("retro-form").querySelector(".feedback");
  if (!author) {
    feedback.textContent = t("Choose your name first.");
    feedback.dataset.kind = "error";
    feedback.hidden = false;
    $("retro-author").focus();
    return;
  }
  const answers = questions.map((_, i) => $("retro-answer-" + i).value);
  const label = t("Saving the answers"); // (a call within a call's arguments is not extracted)
  if (await command("PUT", roomApi + "/retrospective", { author, answers }, { near, label })) {
    dirty = false;
    feedback.textContent = t("Answers saved.");
    feedback.dataset.kind = "ok";
    feedback.hidden = false;
  }
}

// ----- the stream -----
function onRetroChange(change) {
  applyChange(retros, change);
  renderAnswers();
  const chosen = mine($("retro-author").value);
  if (!dirty && chosen && change.op === "put" && change.item.id === chosen.id) fillForm();
}

export const historyHandlers = {
  history: (data) => { history.splice(0, history.length, ...JSON.parse(data)); renderTimeline(); },
  "history-change": (data) => { applyChange(history, JSON.parse(data)); renderTimeline(); },
  retrospectives: (data) => { retros.splice(0, retros.length, ...JSON.parse(data)); renderAnswers(); },
  "retrospectives-change": (data) => onRetroChange(JSON.parse(data)),
};

export function initHistory() {
  $("retro-author").addEventListener("change", fillForm);
  $("retro-form").addEventListener("input", () => { dirty = true; });
  $("retro-form").addEventListener("submit", save);
  renderTimeline();
  renderAnswers();
  renderRetro();
}
