"""The balance, as the server's report says it (coding_duo/history/balance.py) and as
the room page shows it live (static/room/history_model.js, run in node): the same
cases, the same numbers."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from coding_duo.history.balance import balance
from coding_duo.history.report import duration_text, off_text

pytestmark = pytest.mark.once  # see tests/conftest.py

MODEL_JS = Path(__file__).resolve().parents[2] / "static" / "room" / "history_model.js"


def turn(n, driver, navigator, ms, kind="turn"):
    ids = {"Ann": 1, "Bob": 2, "Cy": 3, "Dee": 4}
    return {"id": n, "number": n, "kind": kind, "driver": driver, "navigator": navigator,
            "driverId": ids[driver], "navigatorId": ids[navigator], "actualMs": ms}


def member(member_id, name, away=False):
    return {"id": member_id, "name": name, "away": away}


PAIR = [member(1, "Ann"), member(2, "Bob")]
CASES = [
    ([], PAIR),
    ([turn(1, "Ann", "Bob", 60_000), turn(2, "Bob", "Ann", 45_500), turn(3, "Ann", "Bob", 1_001)], PAIR),
    # a break counts for nobody; Dee left the room; Cy is away (not counted for "even")
    ([turn(1, "Ann", "Bob", 30_000), turn(2, "Bob", "Ann", 5_000, kind="break"),
      turn(3, "Bob", "Cy", 20_000), turn(4, "Cy", "Dee", 7), turn(5, "Dee", "Ann", 10_000)],
     [member(1, "Ann"), member(2, "Bob"), member(3, "Cy", away=True)]),
]


def test_python_balance_of_a_mob():
    result = balance(*CASES[2])
    people = {p["name"]: p for p in result["people"]}
    assert [p["name"] for p in result["people"]] == ["Ann", "Bob", "Cy", "Dee"]
    assert (people["Ann"]["driveMs"], people["Ann"]["navigateMs"], people["Ann"]["turnsDriven"]) == \
        (30_000, 10_000, 1)
    assert people["Dee"]["member"] is False and people["Cy"]["away"] is True
    assert result["totalDriveMs"] == 60_007 and result["evenMs"] == 30_003  # over Ann and Bob
    assert (result["spreadMs"], result["turnSpread"], result["turns"]) == (10_000, 0, 4)
    assert people["Bob"]["offEvenMs"] == 20_000 - 30_003


def test_the_room_page_computes_the_same_balance_and_durations():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    script = (f"import {{ balance, durationText, liveItem, offText }} from {json.dumps(MODEL_JS.as_uri())};\n"
              f"const cases = {json.dumps(CASES)};\n"
              "const ms = [0, 499, 500, 59_499, 59_500, 3_599_500, 3_723_000];\n"
              "const open = { endedAt: null, plannedMs: 10000, pausedMs: 500, startedAt: 1000 };\n"
              "console.log(JSON.stringify({ balances: cases.map(([t, m]) => balance(t, m)),"
              " durations: ms.map(durationText), offs: [-90_000, -499, 0, 499, 500].map(offText),"
              " live: liveItem(open, 4000, 9000),"
              " closed: liveItem({ ...open, endedAt: 5, actualMs: 3 }, 0, 0) }));\n")
    out = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    result = json.loads(out)
    assert result["balances"] == [balance(t, m) for t, m in CASES]
    assert result["durations"] == [duration_text(ms) for ms in
                                   (0, 499, 500, 59_499, 59_500, 3_599_500, 3_723_000)]
    assert result["durations"][-1] == "1:02:03"
    assert result["offs"] == [off_text(ms) for ms in (-90_000, -499, 0, 499, 500)] == \
        ["−1:30", "0:00", "0:00", "0:00", "+0:01"]
    # An open turn, 6 s into a 10 s turn (4 s left), begun 8 s ago: 2 s of it paused.
    assert (result["live"]["actualMs"], result["live"]["pausedMs"]) == (6000, 2000)
    assert result["closed"]["actualMs"] == 3
