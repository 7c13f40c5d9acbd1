// The room's lists: todos (add, check, edit, delete, reorder by drag and drop
// or Alt+Up/Down), reference links (add, delete, filter by category) and
// categories (add, rename, delete). Items are cloned from the <template>s the
// server rendered, so the markup has one source (_room_items.html).
import { $, lists, completed, roomApi } from "./state.js";
import { command } from "./api.js";
import { initTodoKeys, deleteTodo } from "./todo_keys.js";
import { render } from "./timer.js";
import { t } from "../i18n.js";

// ----- rendering -----
function fromTemplate(id) {
  return $(id).content.firstElementChild.cloneNode(true);
}

export function renderTodos() {
  const ul = $("todos");
  const focusedId = document.activeElement && document.activeElement.closest &&
    document.activeElement.closest(".todo") ? document.activeElement.closest(".todo").dataset.id : null;
  if (ul.querySelector(".todo-editing")) return; // do not yank an edit from under the user
  ul.replaceChildren(...lists.todos.map((todo) => {
    const li = fromTemplate("todo-template");
    li.dataset.id = todo.id;
    li.setAttribute("aria-label", t("Todo: %(content)s", { content: todo.content }));
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

export function renderCategories() {
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

export function renderLinks() {
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
function todoIndex(id) {
  return lists.todos.findIndex((t) => t.id === id);
}

function moveTodo(id, index) {
  if (index < 0 || index >= lists.todos.length || index === todoIndex(id)) return;
  command("PATCH", "/api/todos/" + encodeURIComponent(id) + "/order", { order: index },
          { near: $("todos"), label: t("Moving the todo") });
}

function editTodo(li) {
  const text = li.querySelector(".todo-text");
  const input = document.createElement("input");
  input.className = "todo-edit-input";
  input.maxLength = $("todo-input").maxLength;
  input.value = text.textContent;
  input.setAttribute("aria-label", t("Edit todo"));
  li.classList.add("todo-editing");
  text.replaceWith(input);
  input.focus();
  let finished = false;
  const finish = async (save) => {
    if (finished) return;
    finished = true;
    li.classList.remove("todo-editing");
    if (save && input.value.trim() && input.value !== text.textContent) {
      await command("PATCH", "/api/todos/" + encodeURIComponent(li.dataset.id) + "/contents", { content: input.value },
                    { near: $("todos"), label: t("The edit") });
    }
    renderTodos();
  };
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter") { e.preventDefault(); finish(true); }
    else if (e.key === "Escape") { finish(false); }
  });
  input.addEventListener("blur", () => finish(true));
}

// A one-field form that adds an item: POST the text as `field`, clear it when saved.
function postTextOnSubmit(formId, inputId, url, field) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $(inputId);
    if (!input.value.trim()) return;
    if (await command("POST", url, { [field]: input.value }, { near: input, label: t("“%(text)s”", { text: input.value.trim() }) })) {
      input.value = "";
    }
  });
}

function initTodos() {
  postTextOnSubmit("todo-form", "todo-input", roomApi + "/todos", "content");

  $("todos").addEventListener("click", (event) => {
    const li = event.target.closest(".todo");
    if (!li || completed()) return;
    const id = li.dataset.id;
    if (event.target.classList.contains("todo-check")) {
      command("PATCH", "/api/todos/" + encodeURIComponent(id) + "/checked", undefined,
              { near: $("todos"), label: t("Checking the todo") });
    } else if (event.target.classList.contains("todo-delete")) {
      deleteTodo(id);
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
      deleteTodo(li.dataset.id);
    }
  });
  initTodoKeys();

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
}

// ----- links and categories -----
function initLinksAndCategories() {
  $("link-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    let url = $("link-input").value.trim();
    if (!/^[a-z][a-z0-9+.-]*:(?!\d)/i.test(url)) url = "https://" + url; // example.com/x
    const body = { url };
    if ($("link-category").value) body.categoryId = $("link-category").value;
    const button = event.submitter;
    if (button) button.disabled = true;
    const ok = await command("POST", roomApi + "/reference-link", body, { near: $("link-input"), label: t("Adding the link") });
    if (button) button.disabled = completed();
    if (ok) $("link-input").value = "";
  });
  $("link-filter").addEventListener("change", renderLinks);
  $("links").addEventListener("click", (event) => {
    const li = event.target.closest(".link");
    if (li && event.target.classList.contains("link-delete") && !completed()) {
      command("DELETE", roomApi + "/reference-link/" + encodeURIComponent(li.dataset.id), undefined,
              { near: li, label: t("Deleting the link") });
    }
  });

  postTextOnSubmit("category-form", "category-input", roomApi + "/category", "value");
  $("categories").addEventListener("click", (event) => {
    const li = event.target.closest(".category");
    if (!li || completed()) return;
    const id = li.dataset.id;
    if (event.target.classList.contains("category-delete")) {
      if (window.confirm(t("Delete this category? Its links stay, without a category."))) {
        command("DELETE", roomApi + "/category/" + encodeURIComponent(id), undefined, { near: li, label: t("Deleting the category") });
      }
    } else if (event.target.classList.contains("category-rename")) {
      const name = window.prompt(t("New name"), li.querySelector(".category-name").textContent);
      if (name && name.trim()) {
        command("PATCH", roomApi + "/category", { categoryId: id, updatedCategoryName: name },
                { near: li, label: t("Renaming the category") });
      }
    }
  });
}

export function initLists() {
  initTodos();
  initLinksAndCategories();
}
