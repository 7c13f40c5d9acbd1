// The live connection: one EventSource on the room's stream, reopened with
// backoff when the server refuses it or goes away, and the connection
// indicator in the header (connecting / live / reconnecting / offline / closed).
// What the room's events mean is the caller's business (main.js).
import { $ } from "./state.js";
import { t } from "../i18n.js";

let url = null;
let handlers = {};
let source = null;
let retryDelay = 1000;
let retryTimer = null;
let closedForGood = false;

function setConnection(name, text) {
  const el = $("connection");
  el.dataset.state = name;
  el.textContent = text;
}

function connect() {
  clearTimeout(retryTimer);
  if (closedForGood) return;
  source = new EventSource(url);
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, (event) => handler(event.data));
  }
  source.onerror = () => {
    if (closedForGood) return;
    const online = navigator.onLine;
    setConnection(online ? "reconnecting" : "offline", online ? t("reconnecting…") : t("offline"));
    if (source.readyState === EventSource.CLOSED) {
      // A non-200 answer (server full, restarting) closes an EventSource for
      // good: reopen it ourselves, backing off up to 30 s.
      retryTimer = setTimeout(connect, retryDelay + Math.random() * 500);
      retryDelay = Math.min(retryDelay * 2, 30000);
    }
  };
}

// roomHandlers: event name -> function(data). The stream's own `connect` and
// `close` events are handled here; `connect` / `close` handlers given are called after.
export function startStream(streamUrl, roomHandlers) {
  url = streamUrl;
  handlers = {
    ...roomHandlers,
    connect: () => {
      retryDelay = 1000;
      setConnection("live", t("live"));
      if (roomHandlers.connect) roomHandlers.connect();
    },
    close: () => {
      closedForGood = true;
      if (source) source.close();
      setConnection("closed", t("room closed"));
      if (roomHandlers.close) roomHandlers.close();
    },
  };
  window.addEventListener("online", () => { if (!source || source.readyState === EventSource.CLOSED) connect(); });
  window.addEventListener("offline", () => setConnection("offline", t("offline")));
  connect();
}
