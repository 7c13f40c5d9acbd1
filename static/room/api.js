// Commands: every change goes to the API as one fetch; the room itself is
// updated by the stream, not by the answer. Failures show in the error line.
import { $ } from "./state.js";

export function showError(message) {
  const el = $("error");
  el.textContent = message || "";
  el.hidden = !message;
  if (message) el.scrollIntoView({ block: "nearest" });
}

// Resolves to the response when it is ok, else to null (the error is shown).
export async function command(method, url, body) {
  showError("");
  try {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      let message = "Request failed (" + response.status + ")";
      try { message = (await response.json()).message || message; } catch (e) { /* not JSON */ }
      showError(message);
      return null;
    }
    return response;
  } catch (e) {
    showError("Could not reach the server. Check your connection.");
    return null;
  }
}
