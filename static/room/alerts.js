// Telling people: the aria-live announcement, the countdown in the page title,
// and at time-up the chime (with the "Enable sound" control that unlocks audio)
// and a desktop notification (with its opt-in control).
import { $, root, code, state } from "./state.js";
import { showError } from "./api.js";

const chime = $("chime");
let soundOn = localStorage.getItem("codingDuo.sound") === "on";
let notifyOn = localStorage.getItem("codingDuo.notify") === "on";

export function announce(message) {
  $("announce").textContent = message;
}

// The title counts down while the timer runs: "04:59 · Coding Duo".
export function renderTitle(text) {
  const title = (state.timer.status === "RUNNING" ? text + " · " : "") + "Coding Duo";
  if (document.title !== title) document.title = title;
}

export function renderAlerts() {
  $("sound").setAttribute("aria-pressed", String(soundOn));
  $("sound").textContent = soundOn ? "Sound on" : "Enable sound";
  const canNotify = "Notification" in window;
  $("notify").hidden = !canNotify;
  const granted = canNotify && Notification.permission === "granted";
  $("notify").setAttribute("aria-pressed", String(notifyOn && granted));
  $("notify").textContent = notifyOn && granted ? "Notifications on" : "Notify me when time is up";
}

export function initAlerts() {
  $("sound").addEventListener("click", () => {
    soundOn = !soundOn;
    localStorage.setItem("codingDuo.sound", soundOn ? "on" : "off");
    if (soundOn) {
      // Browsers allow audio only after a click: play muted once, now, to unlock it.
      chime.muted = true;
      chime.play().then(() => { chime.pause(); chime.currentTime = 0; chime.muted = false; })
        .catch(() => { chime.muted = false; });
    }
    renderAlerts();
  });

  $("notify").addEventListener("click", async () => {
    if (!("Notification" in window)) return;
    if (notifyOn && Notification.permission === "granted") {
      notifyOn = false;
    } else {
      notifyOn = (await Notification.requestPermission()) === "granted";
      if (!notifyOn) showError("Notifications are blocked for this site in your browser settings.");
    }
    localStorage.setItem("codingDuo.notify", notifyOn ? "on" : "off");
    renderAlerts();
  });
}

// The server stopped the timer at zero.
export function ring() {
  if (!soundOn) return;
  chime.currentTime = 0;
  chime.play().then(() => {
    root.dataset.chimes = String((+root.dataset.chimes || 0) + 1);
  }).catch(() => showError("The browser blocked the sound: click “Enable sound” again."));
}

// Time-up, once the swapped roles have arrived.
export function timeUp() {
  const message = "Time is up! " + state.driver + " drives now, " + state.navigator + " navigates.";
  announce(message);
  const display = $("display");
  display.classList.add("time-up");
  setTimeout(() => display.classList.remove("time-up"), 4000);
  if (notifyOn && document.hidden && "Notification" in window && Notification.permission === "granted") {
    new Notification("Coding Duo: time is up", { body: message, tag: "coding-duo-" + code });
  }
}
