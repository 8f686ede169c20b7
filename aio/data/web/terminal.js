// A job's terminal: xterm.js over /ws/jobs/<id>. Output arrives as binary frames; input and
// resize go out as small messages. On reconnect the core replays the job's recent output.
"use strict";
const jobId = location.pathname.split("/").pop();
const term = new Terminal({ cursorBlink: true, scrollback: 5000, convertEol: false });
const fit = new FitAddon.FitAddon();
term.loadAddon(fit);
term.open(document.getElementById("terminal"));
fit.fit();
term.focus(); // typing goes to the job at once, without a click first
const encoder = new TextEncoder();
const title = document.getElementById("title");
const notice = document.getElementById("notice");
let finished = false;
let readonly = false;
window.aioTerm = term;

const FINISHED = ["done", "failed", "killed", "timeout", "lost"];

// The header as one sentence: "#14 ask-name · done (exit 0)", "#3 build · running · read-only".
function setTitle(job, status, exitCode) {
  const code = FINISHED.includes(status) && exitCode !== null && exitCode !== undefined
    ? ` (exit ${exitCode})` : "";
  const text = `#${job.id} ${job.name} · ${status}${code}${readonly ? " · read-only" : ""}`;
  title.textContent = text;
  document.title = `aio ${text}`;
}

const socket = openSocket(() => `/ws/jobs/${jobId}?cols=${term.cols}&rows=${term.rows}`, {
  open: () => { notice.textContent = ""; term.reset(); },
  close: () => { if (!finished) notice.textContent = "disconnected, reconnecting…"; },
  ended: () => {
    readonly = true;
    notice.textContent = "session ended: get a new link with aio web";
  },
  message: (event) => {
    if (typeof event.data !== "string") {
      term.write(new Uint8Array(event.data));
      return;
    }
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      readonly = !!message.readonly;
      window.aioJob = message.job;
      setTitle(message.job, message.job.status, message.job.exit_code);
    } else if (message.type === "exit") {
      finished = true;
      setTitle(window.aioJob, message.status, message.exit_code);
      notice.textContent = ""; // the header says how it ended
      socket.stop();
    } else if (message.type === "notice" || message.type === "error") {
      notice.textContent = message.text;
    }
  },
});

term.onData((data) => { if (!readonly) socket.send(encoder.encode(data)); });
term.onResize(({ cols, rows }) => socket.send(JSON.stringify({ type: "resize", cols, rows })));
window.addEventListener("resize", () => fit.fit());
