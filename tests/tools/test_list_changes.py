"""The lists' ``*-change`` events applied, as the room page does it
(static/room/changes.js, run in node) and as the tests' screen model does it
(tests/screens.py): the same cases, the same results, and the list the server
would send whole after the change."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from screens import apply_list_event

CHANGES_JS = Path(__file__).resolve().parents[2] / "static" / "room" / "changes.js"


def todo(n, checked=False, order=0):
    return {"id": f"t{n}", "content": f"todo {n}", "isChecked": checked, "order": order}


def todos(*ns):
    return [todo(n, order=i) for i, n in enumerate(ns)]


def link(n, category=None, name=None):
    return {"id": f"l{n}", "url": f"https://x.test/{n}", "headTitle": "", "openGraphTitle": "",
            "description": "", "image": "", "categoryId": category, "categoryName": name}


def put(index, item):
    return {"op": "put", "index": index, "item": item}


def remove(item_id):
    return {"op": "remove", "id": item_id}


START = {"todos": todos(1, 2, 3, 4),
         "reference-links": [link(1, "c1", "docs"), link(2), link(3, "c1", "docs"), link(4, "c2", "ops")],
         "categories": [{"id": "c1", "value": "docs"}, {"id": "c2", "value": "ops"}]}

CASES = [  # (event, change, the lists after it)
    ("todos-change", put(4, todo(5, order=4)), {"todos": todos(1, 2, 3, 4, 5)}),
    ("todos-change", put(0, todo(3, order=0)), {"todos": todos(3, 1, 2, 4)}),   # moved up
    ("todos-change", put(3, todo(1, order=3)), {"todos": todos(2, 3, 4, 1)}),   # moved to the end
    ("todos-change", put(1, todo(2, True, 1)),
     {"todos": [todo(1, order=0), todo(2, True, 1), todo(3, order=2), todo(4, order=3)]}),
    ("todos-change", remove("t2"), {"todos": todos(1, 3, 4)}),                 # the rest renumbered
    ("todos-change", remove("t9"), {}),                                        # unknown: nothing
    ("todos-change", put(99, todo(6, order=99)), {"todos": todos(1, 2, 3, 4, 6)}),  # clamped
    ("reference-links-change", put(1, link(2) | {"headTitle": "Two"}),          # a preview landed
     {"reference-links": [link(1, "c1", "docs"), link(2) | {"headTitle": "Two"},
                          link(3, "c1", "docs"), link(4, "c2", "ops")]}),
    ("reference-links-change", remove("l1"),
     {"reference-links": [link(2), link(3, "c1", "docs"), link(4, "c2", "ops")]}),
    ("categories-change", put(0, {"id": "c1", "value": "manuals"}),            # a rename
     {"categories": [{"id": "c1", "value": "manuals"}, {"id": "c2", "value": "ops"}],
      "reference-links": [link(1, "c1", "manuals"), link(2), link(3, "c1", "manuals"),
                          link(4, "c2", "ops")]}),
    ("categories-change", put(2, {"id": "c3", "value": "new"}),
     {"categories": [{"id": "c1", "value": "docs"}, {"id": "c2", "value": "ops"},
                     {"id": "c3", "value": "new"}]}),
    ("categories-change", remove("c1"),                                        # links stay, bare
     {"categories": [{"id": "c2", "value": "ops"}],
      "reference-links": [link(1), link(2), link(3), link(4, "c2", "ops")]}),
]


def expected(after):
    return {name: after.get(name, START[name]) for name in START}


@pytest.mark.parametrize("event, change, after", CASES)
def test_the_screen_model_applies_a_change(event, change, after):
    state = json.loads(json.dumps(START))
    apply_list_event(state, event, change)
    assert state == expected(after)


NODE_RUNNER = """
import { applyChange, applyTodoChange, applyCategoryChange } from "./changes.mjs";
import { readFileSync } from "node:fs";
const cases = JSON.parse(readFileSync(0, "utf8"));
const results = cases.map(([start, event, change]) => {
  const lists = { todos: start.todos, links: start["reference-links"], categories: start.categories };
  if (event === "todos-change") applyTodoChange(lists.todos, change);
  else if (event === "reference-links-change") applyChange(lists.links, change);
  else applyCategoryChange(lists.categories, lists.links, change);
  return { todos: lists.todos, "reference-links": lists.links, categories: lists.categories };
});
process.stdout.write(JSON.stringify(results));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_room_page_applies_every_change_the_same_way(tmp_path):
    shutil.copy(CHANGES_JS, tmp_path / "changes.mjs")
    (tmp_path / "run.mjs").write_text(NODE_RUNNER)
    cases = [[START, event, change] for event, change, _ in CASES]
    done = subprocess.run(["node", "run.mjs"], cwd=tmp_path, input=json.dumps(cases),
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    for (event, change, after), got in zip(CASES, json.loads(done.stdout)):
        assert got == expected(after), (event, change)
