// The mob parts of the room: the roster (away/back, make driver, rename, remove,
// reorder by drag and drop or Alt+Up/Down, add), skip to next, the goal line,
// the break setting and the break screen. Every change is one API command; the
// room is redrawn from the `room` event that follows (the server's full state).
import { $, state, completed, pairRoomApi } from "./state.js";
import { command, showError } from "./api.js";
import { t, tn } from "../i18n.js";

const isMob = () => (state.members || []).length > 2;

function memberButton(label, action, extra = {}) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "icon";
  button.dataset.action = action;
  button.textContent = label;
  for (const [name, value] of Object.entries(extra)) button.setAttribute(name, value);
  return button;
}

const ROLE_WORDS = { away: t("away"), driver: t("driver"), navigator: t("navigator") };

function roleOf(member) {
  if (member.away) return "away";
  if (state.members[0].id === member.id) return "driver"; // the server keeps a present one first
  const present = state.members.filter((m) => !m.away);
  return present[1] && present[1].id === member.id ? "navigator" : "";
}

export function renderMembers() {
  const list = $("members");
  const focused = document.activeElement && list.contains(document.activeElement)
    ? { id: document.activeElement.closest("li")?.dataset.id, action: document.activeElement.dataset.action }
    : null;
  const presentCount = state.members.filter((m) => !m.away).length;
  list.replaceChildren(...state.members.map((member) => {
    const li = document.createElement("li");
    li.className = "member";
    li.dataset.id = String(member.id);
    li.dataset.role = roleOf(member);
    li.tabIndex = 0;
    li.draggable = !completed();
    const name = document.createElement("span");
    name.className = "member-name";
    name.textContent = member.name;
    const role = document.createElement("span");
    role.className = "member-role";
    role.textContent = ROLE_WORDS[li.dataset.role] || "";
    const actions = document.createElement("span");
    actions.className = "item-actions";
    const away = memberButton(member.away ? t("Back") : t("Away"), "away",
                              { "aria-pressed": String(member.away),
                                "aria-label": member.away ? t("Mark back: %(name)s", { name: member.name }) : t("Mark away: %(name)s", { name: member.name }) });
    away.disabled = completed() || (!member.away && presentCount <= 2);
    actions.append(away);
    if (isMob()) {
      const drive = memberButton(t("Make driver"), "drive", { "aria-label": t("Make %(name)s driver", { name: member.name }) });
      drive.disabled = completed() || member.away || li.dataset.role === "driver";
      const remove = memberButton(t("Remove"), "remove", { "aria-label": t("Remove %(name)s", { name: member.name }) });
      remove.disabled = completed() || (!member.away && presentCount <= 2);
      actions.append(drive, remove);
    }
    const rename = memberButton(t("Rename"), "rename", { "aria-label": t("Rename %(name)s", { name: member.name }) });
    rename.disabled = completed();
    actions.append(rename);
    li.append(name, " ", role, actions);
    return li;
  }));
  if (focused && focused.id) {
    const li = list.querySelector(`li[data-id="${focused.id}"]`);
    const target = li && (focused.action ? li.querySelector(`[data-action="${focused.action}"]`) : li);
    if (target && !target.disabled) target.focus(); else if (li) li.focus();
  }
}

let wasMob = null;

export function renderMob() {
  $("swap").hidden = isMob();
  $("skip").hidden = !isMob();
  // A pair's page is today's: the mob tools stay folded until the room is a mob.
  if (wasMob !== isMob()) $("mob-tools").open = isMob();
  wasMob = isMob();
  $("goal-text").textContent = state.goal || "";
  $("goal").hidden = !state.goal;
  const onBreak = state.timer.kind === "break";
  $("break-screen").hidden = !onBreak;
  // During a break the length field sets the break's length (the timer that runs):
  // it says so, so a length typed then is not mistaken for the next turn's.
  $("duration-label").textContent = onBreak ? t("Break length") : t("Turn length");
  $("break-screen").querySelector(".break-next").textContent = state.driver;
  document.querySelector(".card.timer").dataset.kind = state.timer.kind || "turn";
  const breaks = state.breaks || { every: 0 };
  if (document.activeElement !== $("break-every")) $("break-every").value = String(breaks.every);
  $("breaks-note").textContent = breaks.every
    ? tn("Next break after %(count)s more turn.", "Next break after %(count)s more turns.", breaks.turnsUntilBreak)
    : t("Breaks are off (0).");
  renderMembers();
}

const memberApi = (id) => pairRoomApi + "/members/" + encodeURIComponent(id);

function memberIndex(id) {
  return state.members.findIndex((m) => String(m.id) === String(id));
}

function moveMember(id, position, near) {
  if (position < 0 || position >= state.members.length) return;
  command("PATCH", memberApi(id), { position }, { near, label: t("Moving the member") });
}

function onMemberClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button || completed()) return;
  const id = button.closest("li").dataset.id;
  const member = state.members[memberIndex(id)];
  if (!member) return;
  const near = $("members");
  if (button.dataset.action === "away") {
    command("PATCH", memberApi(id), { away: !member.away }, { near, label: member.away ? t("Back") : t("Away") });
  } else if (button.dataset.action === "drive") {
    command("PATCH", pairRoomApi + "/rotate", { driver: member.id }, { near, label: t("Make driver") });
  } else if (button.dataset.action === "remove") {
    if (window.confirm(t("Remove %(name)s from the room?", { name: member.name }))) {
      command("DELETE", memberApi(id), undefined, { near, label: t("Remove") });
    }
  } else if (button.dataset.action === "rename") {
    const name = window.prompt(t("New name for %(name)s", { name: member.name }), member.name);
    if (name && name.trim() && name.trim() !== member.name) {
      command("PATCH", memberApi(id), { name: name.trim() }, { near, label: t("Rename") });
    }
  }
}

function initReorder() {
  const list = $("members");
  list.addEventListener("keydown", (event) => {
    const li = event.target.closest("li.member");
    if (!li || event.target !== li) return;
    if (event.altKey && (event.key === "ArrowUp" || event.key === "ArrowDown")) {
      event.preventDefault();
      moveMember(li.dataset.id, memberIndex(li.dataset.id) + (event.key === "ArrowUp" ? -1 : 1), list);
    }
  });
  let dragged = null;
  list.addEventListener("dragstart", (event) => {
    const li = event.target.closest("li.member");
    if (!li || completed()) return;
    dragged = li.dataset.id;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", dragged);
    li.classList.add("dragging");
  });
  list.addEventListener("dragover", (event) => {
    if (dragged) { event.preventDefault(); event.dataTransfer.dropEffect = "move"; }
  });
  list.addEventListener("drop", (event) => {
    event.preventDefault();
    const target = event.target.closest("li.member");
    if (!dragged || !target || target.dataset.id === dragged) return;
    moveMember(dragged, memberIndex(target.dataset.id), list);
  });
  list.addEventListener("dragend", () => {
    dragged = null;
    for (const li of list.querySelectorAll(".dragging")) li.classList.remove("dragging");
  });
}

// "Skip to next" (and S in a mob room): the next present member drives now.
export function skip() {
  if (completed()) return;
  command("PATCH", pairRoomApi + "/rotate", undefined, { near: $("skip"), label: t("Skip to next") });
}

export const mobRoom = isMob;

export function initMob() {
  $("members").addEventListener("click", onMemberClick);
  initReorder();
  $("skip").addEventListener("click", skip);
  $("member-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("member-input");
    if (!input.value.trim()) return;
    if (await command("POST", pairRoomApi + "/members", { name: input.value.trim() }, { near: input, label: t("Add member") })) {
      input.value = "";
    }
  });
  $("goal-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("goal-input");
    if (await command("PUT", pairRoomApi + "/goal", { goal: input.value }, { near: input, label: t("The goal") })) {
      input.value = "";
    }
  });
  $("goal-clear").addEventListener("click", () => command("DELETE", pairRoomApi + "/goal", undefined,
                                                         { near: $("goal-clear"), label: t("Clearing the goal") }));
  $("breaks-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const every = parseInt($("break-every").value, 10);
    const minutes = parseFloat($("break-minutes").value);
    if (!(every >= 0) || !(minutes > 0)) { showError(t("Breaks: a number of turns (0: off) and minutes."), $("break-every")); return; }
    command("PUT", pairRoomApi + "/breaks", { every, duration: Math.round(minutes * 60000) },
            { near: $("break-every"), label: t("The break setting") });
  });
  $("break-start").addEventListener("click", () => {
    const minutes = parseFloat($("break-minutes").value);
    command("PATCH", pairRoomApi + "/break/start", minutes > 0 ? { duration: Math.round(minutes * 60000) } : undefined,
            { near: $("break-start"), label: t("Start a break") });
  });
  $("break-skip").addEventListener("click", () => command("PATCH", pairRoomApi + "/break/skip", undefined,
                                                         { near: $("break-skip"), label: t("Skip break") }));
}
