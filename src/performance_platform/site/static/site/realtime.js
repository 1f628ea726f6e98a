// Keeps a realtime module's figure ("2,213 users online at 3:40pm on 25 November 2026")
// up to date while the page is open, by asking the module's .json twin for the latest one
// every few minutes. A progressive enhancement: without JavaScript the page already says
// when its figure was taken, and nothing else here is needed to read it.
//
// The page gives the hooks (site/templates/site/includes/module.html):
//   data-realtime-url     the module's JSON, whose "latest" holds the figure
//   data-realtime-every   seconds between asks (the REALTIME_REFRESH_SECONDS setting)
//   data-realtime-value, data-realtime-time, data-realtime-old (data-realtime-old-words)
//                         the figure, when it was taken, and the words for an old one
//
// It fails quietly: when the network, the server or the JSON lets it down, the figure and
// its time stay as they were, and they still say when the figure was taken. It asks
// nothing while the page is hidden, and asks again as soon as it is seen. A button after
// the figure stops the updates and starts them again (WCAG 2.2.2, Pause, Stop, Hide: a
// figure that changes by itself beside other content must be one that can be stopped).

const STOP = "Stop updating this figure";
const START = "Start updating this figure";

function isLatest(latest) {
  return (
    latest !== null &&
    typeof latest === "object" &&
    typeof latest.value === "number" &&
    Number.isFinite(latest.value) &&
    typeof latest.display === "string" &&
    latest.display !== "" &&
    typeof latest.taken_at === "string" &&
    typeof latest.taken_at_words === "string" &&
    latest.taken_at_words !== "" &&
    typeof latest.old === "boolean"
  );
}

// Only what changed: a live region announces every change, even to the same words.
function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function follow(headline) {
  const url = headline.dataset.realtimeUrl;
  const every = Number(headline.dataset.realtimeEvery) * 1000;
  const value = headline.querySelector("[data-realtime-value]");
  const time = headline.querySelector("[data-realtime-time]");
  const old = headline.querySelector("[data-realtime-old]");
  if (!url || !(every > 0) || !value || !time || !old) return;

  let timer = null;
  let lastAsked = Date.now(); // the figure on the page is as new as the page
  let asking = false;
  let stopped = false;

  function show(latest) {
    // Never an older figure than the one shown (a copy kept somewhere on the way).
    const shown = Date.parse(time.getAttribute("datetime"));
    if (!(Date.parse(latest.taken_at) >= shown)) return;
    setText(value, latest.display);
    if (time.getAttribute("datetime") !== latest.taken_at) {
      time.setAttribute("datetime", latest.taken_at);
    }
    setText(time, latest.taken_at_words);
    setText(old, latest.old ? old.dataset.realtimeOldWords || "" : "");
  }

  async function ask() {
    if (asking) return;
    asking = true;
    lastAsked = Date.now();
    try {
      // "no-cache": the browser may keep the answer, but checks it with the server (the
      // page's ETag gets a 304 when nothing changed) rather than showing a kept one.
      const response = await fetch(url, {
        headers: { Accept: "application/json" },
        cache: "no-cache",
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const body = await response.json();
      if (body !== null && typeof body === "object" && isLatest(body.latest)) show(body.latest);
    } catch (error) {
      // A network error or an answer that is not JSON: the figure on the page stays, with
      // its time, which is still true. The next ask may do better.
      console.debug("realtime figure not refreshed:", error);
    } finally {
      asking = false;
    }
  }

  function running() {
    return !stopped && document.visibilityState === "visible";
  }

  function pause() {
    clearTimeout(timer);
    timer = null;
  }

  // Ask in ``delay`` ms, then every ``every`` ms, for as long as it is running.
  function schedule(delay) {
    pause();
    if (!running()) return;
    timer = setTimeout(async () => {
      timer = null;
      if (!running()) return;
      await ask();
      schedule(every);
    }, delay);
  }

  // Ask now if an ask is due (or overdue), else when it is.
  function resume() {
    schedule(Math.max(0, lastAsked + every - Date.now()));
  }

  const control = document.createElement("button");
  control.type = "button";
  control.className = "govuk-button govuk-button--secondary pp-realtime__control";
  control.textContent = STOP;
  control.addEventListener("click", () => {
    stopped = !stopped;
    control.textContent = stopped ? START : STOP;
    if (stopped) pause();
    else resume();
  });
  headline.after(control);

  document.addEventListener("visibilitychange", () => {
    if (running()) resume();
    else pause();
  });
  schedule(every);
}

for (const headline of document.querySelectorAll("[data-realtime-url]")) follow(headline);
