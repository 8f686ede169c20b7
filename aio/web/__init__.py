"""The browser bridge: the jobs and terminal pages (xterm.js), links and sessions, and `aio web`."""
