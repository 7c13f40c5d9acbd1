// What every part of the room shares: the page's room element and code, the
// API base URLs, and the room's state and lists as the server last sent them
// (first from the JSON the page was rendered with, then from the stream).
// No imports: every other module may import this one.

export const $ = (id) => document.getElementById(id);

export const root = $("room");
export const code = root.dataset.code;
export const roomApi = "/api/" + encodeURIComponent(code);
export const pairRoomApi = "/api/pair-room/" + encodeURIComponent(code);

// `state` is replaced whole by each `room` event (setState); importers see the
// new value through the live binding. `lists` is mutated in place.
export let state = JSON.parse($("initial-state").textContent);
export const lists = JSON.parse($("initial-lists").textContent);

export function setState(data) {
  state = data;
}

export const completed = () => state.status === "COMPLETED";

// What this screen knows beyond the server's state: `timeUp` from the server's
// time-up until the next start (the display holds 00:00 meanwhile).
export const ui = { timeUp: false };
