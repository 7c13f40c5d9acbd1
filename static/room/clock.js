// The turn clock: the server's deadline read against a measured offset between
// the server's clock and ours, so the display flips each second between events,
// at the moment the server's second begins, and two screens agree. Nothing here
// touches the DOM.
import { state } from "./state.js";

let offset = 0; // server clock minus ours, in ms

// Clock offset: a server time the event was sent at (or after) minus its arrival
// time underestimates the true offset by the one-way delay (tens of ms on a busy
// machine), so the largest recent sample is the best estimate. Each tick is one
// more sample, so the estimate soon holds the quickest of about a minute's events
// (a window that long also keeps the estimate, and the shown second, from
// stepping back when one quick sample ages out).
const offsetSamples = [];

export const serverNow = () => Date.now() + offset;

// serverTime: the server's clock when it sent the event (a `room` event's
// serverTime; a tick's whole second).
export function sampleOffset(serverTime) {
  offsetSamples.push(serverTime - Date.now());
  if (offsetSamples.length > 60) offsetSamples.shift();
  offset = Math.max(...offsetSamples);
}

// A `remaining-time` tick (ms left, from the server).
export function tick(value) {
  if (state.timer.status === "RUNNING") {
    // Ticks are sent on the whole second: trust the deadline unless the
    // tick says we are more than a second off. A tick for `value` is sent at
    // the server's endsAt - value or just after (a late tick says the second
    // it was meant for): a sample of the clock offset.
    if (Math.abs(remaining() - value) > 1000) state.timer.endsAt = serverNow() + value;
    else if (state.timer.endsAt != null) sampleOffset(state.timer.endsAt - value);
  } else {
    state.timer.remainingTime = value;
  }
}

export function remaining() {
  const t = state.timer;
  if (t.status === "RUNNING" && t.endsAt != null) return Math.max(0, t.endsAt - serverNow());
  return t.remainingTime;
}

// Milliseconds until the shown second changes by itself (format(remaining())
// shows ceil(s): it changes when the time left reaches a whole second, which is
// the server's deadline - k s), or null when it does not (not running, or at 0).
export function untilNextSecond() {
  const t = state.timer;
  if (t.status !== "RUNNING" || t.endsAt == null) return null;
  const left = t.endsAt - serverNow();
  if (left <= 0) return null;
  return left - (Math.ceil(left / 1000) - 1) * 1000;
}

export function format(ms) {
  const total = Math.ceil(ms / 1000);
  const m = Math.floor(total / 60), s = total % 60;
  return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
}
