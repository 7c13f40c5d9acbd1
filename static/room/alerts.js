// Telling people: the aria-live announcement, the page title (the countdown
// while running, "Time's up" until the next start), and at time-up the chime
// and a desktop notification. The first start seen on a screen offers both in
// one step (a click, which is what browsers need to allow sound); the answer is
// remembered, and the "Enable sound" / "Notify me" controls stay for changing it.
import { $, root, code, state, ui } from "./state.js";
import { showError } from "./api.js";
import { lang, t } from "../i18n.js";

const chime = $("chime");
const OFFERED = "codingDuo.alertsOffered";
let soundOn = localStorage.getItem("codingDuo.sound") === "on";
let notifyOn = localStorage.getItem("codingDuo.notify") === "on";

export function announce(message) {
  $("announce").textContent = message;
}

// "04:59 · Coding Duo" while running; "Time's up: Bob drives · Coding Duo" after.
export function renderTitle(text) {
  let prefix = "";
  if (state.timer.status === "RUNNING") prefix = text + " · ";
  else if (ui.timeUp) prefix = t("⏰ Time's up: %(name)s drives", { name: state.driver }) + " · ";
  const title = prefix + "Coding Duo";
  if (document.title !== title) document.title = title;
}

export function renderAlerts() {
  $("sound").setAttribute("aria-pressed", String(soundOn));
  $("sound").textContent = soundOn ? t("Sound on") : t("Enable sound");
  const canNotify = "Notification" in window;
  $("notify").hidden = !canNotify;
  const granted = canNotify && Notification.permission === "granted";
  $("notify").setAttribute("aria-pressed", String(notifyOn && granted));
  $("notify").textContent = notifyOn && granted ? t("Notifications on") : t("Notify me when time is up");
}

function setSound(on) {
  soundOn = on;
  localStorage.setItem("codingDuo.sound", on ? "on" : "off");
  if (on) {
    // Browsers allow audio only after a click: play muted once, now, to unlock it.
    chime.muted = true;
    chime.play().then(() => { chime.pause(); chime.currentTime = 0; chime.muted = false; })
      .catch(() => { chime.muted = false; });
  }
}

async function askNotifications() {
  if (!("Notification" in window)) return false;
  notifyOn = Notification.permission === "granted" || (await Notification.requestPermission()) === "granted";
  localStorage.setItem("codingDuo.notify", notifyOn ? "on" : "off");
  return notifyOn;
}

function answered() {
  localStorage.setItem(OFFERED, "yes");
  $("alert-offer").hidden = true;
}

// A turn started (here or on another screen): ask once per browser.
export function offerAlerts() {
  if (localStorage.getItem(OFFERED) || soundOn) return;
  $("alert-offer").hidden = false;
}

export function initAlerts() {
  $("sound").addEventListener("click", () => {
    answered();
    setSound(!soundOn);
    renderAlerts();
  });

  $("notify").addEventListener("click", async () => {
    if (!("Notification" in window)) return;
    answered();
    if (notifyOn && Notification.permission === "granted") {
      notifyOn = false;
      localStorage.setItem("codingDuo.notify", "off");
    } else if (!(await askNotifications())) {
      showError(t("Notifications are blocked for this site in your browser settings."));
    }
    renderAlerts();
  });

  $("offer-yes").addEventListener("click", async () => {
    answered();
    setSound(true);
    renderAlerts();
    const granted = await askNotifications();
    renderAlerts();
    const said = granted ? t("Sound and notifications are on.") : t("Sound is on (this browser blocks notifications).");
    announce(said);
    setTimeout(() => { if ($("announce").textContent === said) announce(""); }, 4000);
  });
  $("offer-no").addEventListener("click", answered);
}

// The server stopped the timer at zero.
export function ring() {
  if (!soundOn) return;
  chime.currentTime = 0;
  chime.play().then(() => {
    root.dataset.chimes = String((+root.dataset.chimes || 0) + 1);
  }).catch(() => {
    const button = t("Enable sound");
    showError(t("The browser blocked the sound: click “%(button)s” again.", { button }));
  });
}

// Time-up, once the swapped roles have arrived.
export function timeUp() {
  const message = t("Time is up! %(driver)s drives now, %(navigator)s navigates.",
                    { driver: state.driver, navigator: state.navigator });
  announce(message);
  if (notifyOn && document.hidden && "Notification" in window && Notification.permission === "granted") {
    new Notification(t("Coding Duo: time is up"), { body: message, tag: "coding-duo-" + code, lang });
  }
}
