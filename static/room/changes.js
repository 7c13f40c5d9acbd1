// Applying the stream's `*-change` events to the room's lists (no imports, no DOM:
// node can test it). A new stream gets each list whole (`todos`, `reference-links`,
// `categories`); after that a change carries only what changed:
//   {op: "put", index, item}  the item (new, edited, moved) is at `index` now
//   {op: "remove", id}        the item is gone
// A room's events reach a stream in order, each on top of the one before.

// Apply one change to `list` (an array of items with ids), in place.
export function applyChange(list, change) {
  const at = list.findIndex((item) => item.id === (change.op === "put" ? change.item.id : change.id));
  if (at >= 0) list.splice(at, 1);
  if (change.op === "put") list.splice(Math.min(Math.max(change.index, 0), list.length), 0, change.item);
}

// Todos: a todo's `order` is its index, so after a change every todo's is renumbered.
export function applyTodoChange(todos, change) {
  applyChange(todos, change);
  todos.forEach((todo, index) => { todo.order = index; });
}

// Categories: a rename reaches every link of the category (its `categoryName`), and a
// deleted category leaves its links without one (the server sends no link events then).
export function applyCategoryChange(categories, links, change) {
  applyChange(categories, change);
  const id = change.op === "put" ? change.item.id : change.id;
  for (const link of links) {
    if (link.categoryId !== id) continue;
    if (change.op === "put") {
      link.categoryName = change.item.value;
    } else {
      link.categoryId = null;
      link.categoryName = null;
    }
  }
}
