// The mob parts of the room: the roster (away/back, make driver, rename, remove,
// reorder by drag and drop or Alt+Up/Down, add), skip to next, the goal line,
// the break setting and the break screen. Every change is one API command; the
// room is redrawn from the `room` event that follows (the server's full state).
import { $, state, completed, pairRoomApi } from "./state.js";
import { command, showError } from "./api.js";

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
    role.textContent = li.dataset.role;
    const actions = document.createElement("span");
    actions.className = "item-actions";
    const away = memberButton(member.away ? "Back" : "Away", "away",
                              { "aria-pressed": String(member.away), "aria-label": (member.away ? "Mark back: " : "Mark away: ") + member.name });
    away.disabled = completed() || (!member.away && presentCount <= 2);
    actions.append(away);
    if (isMob()) {
      const drive = memberButton("Make driver", "drive", { "aria-label": "Make " + member.name + " driver" });
      drive.disabled = completed() || member.away || li.dataset.role === "driver";
      const remove = memberButton("Remove", "remove", { "aria-label": "Remove " + member.name });
      remove.disabled = completed() || (!member.away && presentCount <= 2);
      actions.append(drive, remove);
    }
    const rename = memberButton("Rename", "rename", { "aria-label": "Rename " + member.name });
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
  $("duration-label").textContent = onBreak ? "Break length" : "Turn length";
  $("break-screen").querySelector(".break-next").textContent = state.driver;
  document.querySelector(".card.timer").dataset.kind = state.timer.kind || "turn";
  const breaks = state.breaks || { every: 0 };
  if (document.activeElement !== $("break-every")) $("break-every").value = String(breaks.every);
  $("breaks-note").textContent = breaks.every
    ? "Next break after " + breaks.turnsUntilBreak + " more turn" + (breaks.turnsUntilBreak === 1 ? "" : "s") + "."
    : "Breaks are off (0).";
  renderMembers();
}

const memberApi = (id) => pairRoomApi + "/members/" + encodeURIComponent(id);

function memberIndex(id) {
  return state.members.findIndex((m) => String(m.id) === String(id));
}

function moveMember(id, position, near) {
  if (position < 0 || position >= state.members.length) return;
  command("PATCH", memberApi(id), { position }, { near, label: "Moving the member" });
}

function onMemberClick(event) {
  const button = event.target.closest("button[data-action]");
  if (!button || completed()) return;
  const id = button.closest("li").dataset.id;
  const member = state.members[memberIndex(id)];
  if (!member) return;
  const near = $("members");
  if (button.dataset.action === "away") {
    command("PATCH", memberApi(id), { away: !member.away }, { near, label: "Away" });
  } else if (button.dataset.action === "drive") {
    command("PATCH", pairRoomApi + "/rotate", { driver: member.id }, { near, label: "Make driver" });
  } else if (button.dataset.action === "remove") {
    if (window.confirm("Remove " + member.name + " from the room?")) {
      command("DELETE", memberApi(id), undefined, { near, label: "Remove" });
    }
  } else if (button.dataset.action === "rename") {
    const name = window.prompt("New name for " + member.name, member.name);
    if (name && name.trim() && name.trim() !== member.name) {
      command("PATCH", memberApi(id), { name: name.trim() }, { near, label: "Rename" });
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
  command("PATCH", pairRoomApi + "/rotate", undefined, { near: $("skip"), label: "Skip to next" });
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
    if (await command("POST", pairRoomApi + "/members", { name: input.value.trim() }, { near: input, label: "Add member" })) {
      input.value = "";
    }
  });
  $("goal-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("goal-input");
    if (await command("PUT", pairRoomApi + "/goal", { goal: input.value }, { near: input, label: "The goal" })) {
      input.value = "";
    }
  });
  $("goal-clear").addEventListener("click", () => command("DELETE", pairRoomApi + "/goal", undefined,
                                                         { near: $("goal-clear"), label: "Clearing the goal" }));
  $("breaks-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const every = parseInt($("break-every").value, 10);
    const minutes = parseFloat($("break-minutes").value);
    if (!(every >= 0) || !(minutes > 0)) { showError("Breaks: a number of turns (0: off) and minutes.", $("break-every")); return; }
    command("PUT", pairRoomApi + "/breaks", { every, duration: Math.round(minutes * 60000) },
            { near: $("break-every"), label: "The break setting" });
  });
  $("break-start").addEventListener("click", () => {
    const minutes = parseFloat($("break-minutes").value);
    command("PATCH", pairRoomApi + "/break/start", minutes > 0 ? { duration: Math.round(minutes * 60000) } : undefined,
            { near: $("break-start"), label: "Start a break" });
  });
  $("break-skip").addEventListener("click", () => command("PATCH", pairRoomApi + "/break/skip", undefined,
                                                         { near: $("break-skip"), label: "Skip break" }));
}
