// The turn clock: the server's deadline read against a measured offset between
// the server's clock and ours, so the display ticks smoothly between events and
// two screens agree. Nothing here touches the DOM.
import { state } from "./state.js";

let offset = 0; // server clock minus ours, in ms

// Clock offset: serverTime minus arrival time underestimates the true offset by
// the one-way delay, so the largest recent sample is the best estimate.
const offsetSamples = [];

export const serverNow = () => Date.now() + offset;

// One sample per `room` event: the server's clock when it sent the event.
export function sampleOffset(serverTime) {
  offsetSamples.push(serverTime - Date.now());
  if (offsetSamples.length > 8) offsetSamples.shift();
  offset = Math.max(...offsetSamples);
}

// A `remaining-time` tick (ms left, from the server).
export function tick(value) {
  if (state.timer.status === "RUNNING") {
    // Ticks are sent on the whole second: trust the deadline unless the
    // tick says we are more than a second off.
    if (Math.abs(remaining() - value) > 1000) state.timer.endsAt = serverNow() + value;
  } else {
    state.timer.remainingTime = value;
  }
}

export function remaining() {
  const t = state.timer;
  if (t.status === "RUNNING" && t.endsAt != null) return Math.max(0, t.endsAt - serverNow());
  return t.remainingTime;
}

export function format(ms) {
  const total = Math.ceil(ms / 1000);
  const m = Math.floor(total / 60), s = total % 60;
  return String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
}
