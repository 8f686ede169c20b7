// A WebSocket that reconnects by itself, with backoff; used by both pages.
"use strict";
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
    socket.onclose = () => {
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
