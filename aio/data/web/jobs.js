// The jobs page: a live list from /ws/events (a snapshot, then every change).
"use strict";
const jobs = new Map();
const body = document.querySelector("#jobs tbody");
const state = document.getElementById("state");

function stepLabel(job) {
  const n = job.steps.length;
  if (job.current_step === null || job.current_step === undefined) {
    return `${job.steps.filter((s) => s.status === "done").length}/${n}`;
  }
  return `${job.current_step + 1}/${n} ${job.steps[job.current_step].desc}`;
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function render() {
  body.replaceChildren();
  const ordered = [...jobs.values()].sort((a, b) => a.id - b.id);
  for (const job of ordered) {
    const row = document.createElement("tr");
    row.id = `job-${job.id}`;
    const link = document.createElement("a");
    link.href = `/jobs/${job.id}`;
    link.textContent = job.name;
    const name = document.createElement("td");
    name.append(link);
    const started = job.started_at ? new Date(job.started_at * 1000).toLocaleTimeString() : "-";
    row.append(cell(String(job.id)), name, cell(job.status, `status status-${job.status}`),
      cell(stepLabel(job)), cell(job.exit_code === null ? "-" : String(job.exit_code)),
      cell(started));
    body.append(row);
  }
  document.getElementById("empty").hidden = jobs.size > 0;
}

function setState(text, down) {
  state.textContent = text;
  state.className = down ? "state down" : "state";
}

openSocket(() => "/ws/events", {
  open: () => setState("live", false),
  close: () => setState("disconnected, reconnecting…", true),
  ended: () => setState("session ended: get a new link with aio web", true),
  message: (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") {
      // A link made for one job shows that job only.
      const only = message.scope ? message.scope.job : null;
      setState(only === null ? "live" : `live · this link is for job ${only} only`, false);
      jobs.clear();
      for (const job of message.jobs) jobs.set(job.id, job);
    } else if (message.type === "job") {
      jobs.set(message.job.id, message.job);
    } else if (message.type === "job_removed") {
      jobs.delete(message.id);
    }
    render();
  },
});
