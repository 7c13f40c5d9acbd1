// The turn history's arithmetic (no imports, no DOM: node can test it), the same as
// the server's (coding_duo/history/balance.py; tests/history/test_balance.py runs
// both on the same cases).

// An open turn (endedAt null) as it is now: while it is the timer's current run,
// the time it ran is its planned length minus the timer's remaining time (the
// server keeps planned = time run so far + remaining), the rest since it began
// was paused. A closed turn is as the server sent it.
export function liveItem(item, remainingMs, nowMs) {
  if (item.endedAt != null) return item;
  const actualMs = Math.max(0, Math.min(item.plannedMs, item.plannedMs - remainingMs));
  const pausedMs = Math.max(item.pausedMs, nowMs - item.startedAt - actualMs);
  return { ...item, actualMs, pausedMs };
}

function person(id, name, member, away) {
  return { id, name, member, away, driveMs: 0, navigateMs: 0, turnsDriven: 0, turnsNavigated: 0, offEvenMs: 0 };
}

// Drive and navigate time per person (the members, in the order of turns, then
// anyone the history names who is no longer one) and how far the rotation is from
// even, measured over the present members.
export function balance(turns, members) {
  const people = new Map();
  for (const m of members) people.set(m.id, person(m.id, m.name, true, !!m.away));
  for (const turn of turns) {
    if (turn.kind !== "turn") continue;
    if (!people.has(turn.driverId)) people.set(turn.driverId, person(turn.driverId, turn.driver, false, false));
    const driver = people.get(turn.driverId);
    driver.driveMs += turn.actualMs;
    driver.turnsDriven += 1;
    if (!people.has(turn.navigatorId)) people.set(turn.navigatorId, person(turn.navigatorId, turn.navigator, false, false));
    const navigator = people.get(turn.navigatorId);
    navigator.navigateMs += turn.actualMs;
    navigator.turnsNavigated += 1;
  }
  const everyone = [...people.values()];
  const total = everyone.reduce((sum, p) => sum + p.driveMs, 0);
  const present = everyone.filter((p) => p.member && !p.away);
  const even = present.length ? Math.floor(total / present.length) : 0;
  for (const p of everyone) p.offEvenMs = p.driveMs - even;
  const drives = present.length ? present.map((p) => p.driveMs) : [0];
  const driven = present.length ? present.map((p) => p.turnsDriven) : [0];
  return {
    people: everyone, totalDriveMs: total, evenMs: even,
    spreadMs: Math.max(...drives) - Math.min(...drives),
    turnSpread: Math.max(...driven) - Math.min(...driven),
    turns: turns.filter((t) => t.kind === "turn").length,
  };
}

// How far from even: +1:30, −0:45, or 0:00 (no sign) when it rounds to nothing.
export function offText(ms) {
  const text = durationText(Math.abs(ms));
  return text === durationText(0) ? text : (ms > 0 ? "+" : "−") + text;
}

// 12:34, or 1:02:03 past an hour (whole seconds, rounded), as the report says it.
export function durationText(ms) {
  const seconds = Math.floor((Math.max(0, ms) + 500) / 1000);
  const h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
  const ss = String(s).padStart(2, "0");
  return h ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
}
