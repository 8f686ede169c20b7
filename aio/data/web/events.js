// A WebSocket that reconnects by itself, with backoff; used by both pages. The bridge closes a
// socket with SESSION_ENDED when its session ends (logout, expiry): then it stays closed.
"use strict";
const SESSION_ENDED = 4001;
function openSocket(path, handlers) {
  let delay = 250;
  let socket = null;
  let stopped = false;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${location.host}${path()}`);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => { delay = 250; handlers.open && handlers.open(socket); };
    socket.onmessage = (event) => handlers.message(event, socket);
    socket.onclose = (event) => {
      if (event.code === SESSION_ENDED) {
        stopped = true;
        handlers.ended && handlers.ended();
        return;
      }
      handlers.close && handlers.close();
      if (!stopped) { setTimeout(connect, delay); delay = Math.min(delay * 2, 5000); }
    };
  }
  connect();
  return {
    send: (data) => socket && socket.readyState === WebSocket.OPEN && socket.send(data),
    stop: () => { stopped = true; socket && socket.close(); },
  };
}
