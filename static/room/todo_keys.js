// A todo row is one Tab stop: the row itself. Left/Right move the focus among
// its checkbox and buttons (roving focus: they are tabindex=-1), Escape goes back
// to the row, and Tab leaves for the next row. Deleting a todo offers an Undo for
// a few seconds; undoing adds it again at its place (and checked, if it was), so
// it comes back on every screen.
import { $, lists, roomApi } from "./state.js";
import { command } from "./api.js";
import { t } from "../i18n.js";

const UNDO_MS = 6000;
let undoTimer = null;
let undoing = null;

function controls(li) {
  return [li, ...li.querySelectorAll(".todo-check, .item-actions button")].filter((el) => !el.disabled);
}

export function initTodoKeys() {
  $("todos").addEventListener("keydown", (event) => {
    const li = event.target.closest(".todo");
    if (!li || event.altKey || event.target.classList.contains("todo-edit-input")) return;
    const order = controls(li);
    const at = order.indexOf(event.target);
    if (at < 0) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      const step = event.key === "ArrowRight" ? 1 : -1;
      order[(at + step + order.length) % order.length].focus();
    } else if (event.key === "Escape" && event.target !== li) {
      li.focus();
    }
  });
  $("toast-undo").addEventListener("click", undo);
}

function showToast(text) {
  $("toast-text").textContent = text;
  $("toast").hidden = false;
  clearTimeout(undoTimer);
  undoTimer = setTimeout(hideToast, UNDO_MS);
}

function hideToast() {
  $("toast").hidden = true;
  undoing = null;
}

export async function deleteTodo(id) {
  const index = lists.todos.findIndex((t) => t.id === id);
  if (index < 0) return;
  const todo = lists.todos[index];
  const ok = await command("DELETE", "/api/todos/" + encodeURIComponent(id), undefined,
                          { near: $("todos"), label: t("Deleting the todo") });
  if (!ok) return;
  undoing = { content: todo.content, isChecked: todo.isChecked, index };
  showToast(t("Deleted “%(content)s”.", { content: todo.content }));
}

async function undo() {
  const was = undoing;
  if (!was) return;
  hideToast();
  const near = { near: $("todos"), label: t("Undo") };
  const response = await command("POST", roomApi + "/todos", { content: was.content }, near);
  if (!response) return;
  const todo = await response.json();
  const path = "/api/todos/" + encodeURIComponent(todo.id);
  if (was.index < todo.order) await command("PATCH", path + "/order", { order: was.index }, near);
  if (was.isChecked) await command("PATCH", path + "/checked", undefined, near);
  const li = $("todos").querySelector('[data-id="' + CSS.escape(todo.id) + '"]');
  if (li) li.focus();
}
