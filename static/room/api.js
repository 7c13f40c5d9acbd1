// Commands: every change goes to the API as one fetch; the room itself is
// updated by the stream, not by the answer. A failure is said in place: in the
// feedback line of the card holding the control (`near`), else the timer's. A
// command that could not reach the server is offered again (Retry); when the
// stream is live again the errors clear, the Retry offer stays until used, and
// a retried command that gets through says so ("… sent").
import { $ } from "./state.js";
import { lang, t } from "../i18n.js";

const offers = new Map(); // feedback element -> function that retries

function feedbackFor(near) {
  const card = near && near.closest ? near.closest(".card") : null;
  return (card && card.querySelector(".feedback")) || $("error");
}

function say(el, message, kind, retry) {
  el.replaceChildren();
  el.dataset.kind = kind || "";
  if (message) el.append(message);
  if (retry) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "retry";
    button.textContent = t("Retry");
    button.addEventListener("click", retry);
    el.append(" ", button);
    offers.set(el, retry);
  } else {
    offers.delete(el);
  }
  el.hidden = !message;
  if (message && kind !== "ok") el.scrollIntoView({ block: "nearest" });
}

export function showError(message, near) {
  say(feedbackFor(near), message, "error");
}

// The stream is live again: errors go; what was not sent is offered, quietly.
export function connectionBack() {
  for (const el of document.querySelectorAll(".feedback")) {
    if (el.hidden) continue;
    if (offers.has(el)) {
      const what = el.dataset.label || t("A change"); // (a call within a call's arguments is not extracted)
      say(el, t("%(what)s was not sent while the server was out of reach.", { what }), "offer", offers.get(el));
    } else if (el.dataset.kind === "error") {
      say(el, "");
    }
  }
}

// Resolves to the response when it is ok, else to null (the failure is shown).
// options: near (the control, for where to say it), label (t("Pause"): what it was, said).
export async function command(method, url, body, options = {}) {
  const el = feedbackFor(options.near);
  const label = options.label || t("The change");
  const retried = !!options.retried;
  if (!retried) say(el, "");
  try {
    const response = await fetch(url, {
      method,
      // The API says its errors in the language asked for: the page's (the switcher's
      // choice too, which the API does not read from the cookie).
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      let message = t("Request failed (%(status)s)", { status: String(response.status) });
      try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
      say(el, message, "error");
      return null;
    }
    if (retried) {
      say(el, t("%(what)s sent.", { what: label }), "ok");
      setTimeout(() => { if (el.dataset.kind === "ok") say(el, ""); }, 4000);
    } else if (offers.has(el)) {
      say(el, "");
    }
    return response;
  } catch (e) {
    el.dataset.label = label;
    say(el, t("%(what)s was not sent: the server cannot be reached. Check your connection.", { what: label }), "error",
        () => command(method, url, body, { ...options, retried: true }));
    return null;
  }
}
