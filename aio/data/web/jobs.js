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

openSocket(() => "/ws/events", {
  open: () => { state.textContent = "live"; state.className = "state"; },
  close: () => { state.textContent = "disconnected, reconnecting…"; state.className = "state down"; },
  message: (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "snapshot") {
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
