/**
 * Transport over a standard WebSocket (browsers; Node 22+ global; or any compatible implementation such as
 * the `ws` package, passed as `WebSocket`).
 *
 * A transport is `{ open(url, handlers) -> connection }` where handlers are
 * `{ open(), message(text), close(code, reason), error(err) }` and a connection is
 * `{ send(text), close(code, reason), terminate() }`.
 */
export function createBrowserTransport({ WebSocket: Impl = globalThis.WebSocket } = {}) {
  if (typeof Impl !== 'function') {
    throw new TypeError('no WebSocket implementation: pass { WebSocket } (e.g. the "ws" package in Node 20)');
  }
  return {
    name: 'websocket',
    open(url, handlers) {
      const ws = new Impl(url);
      let closed = false;
      const closeOnce = (code, reason) => {
        if (closed) return;
        closed = true;
        handlers.close(code, reason);
      };
      ws.onopen = () => handlers.open();
      ws.onmessage = (event) => {
        const data = event.data;
        if (typeof data === 'string') handlers.message(data);
        else handlers.message(String(data)); // the server only sends text frames
      };
      ws.onerror = (event) => handlers.error(event && event.error ? event.error : new Error('websocket error'));
      ws.onclose = (event) => closeOnce(event.code, event.reason);
      return {
        raw: ws,
        send(text) {
          ws.send(text);
        },
        close(code = 1000, reason = '') {
          try {
            ws.close(code, reason);
          } catch {
            // already closing
          }
        },
        /** Drops the connection without a closing handshake where the implementation allows it. */
        terminate() {
          if (typeof ws.terminate === 'function') ws.terminate();
          else ws.close();
        },
      };
    },
  };
}

/** An HTTP helper on fetch(): `(url, {method, headers, body}) -> Promise<{status, data}>`. */
export function fetchRequest(fetchImpl = globalThis.fetch) {
  return async (url, { method = 'GET', headers = {}, body } = {}) => {
    const res = await fetchImpl(url, { method, headers, body });
    const text = await res.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { message: text };
    }
    return { status: res.status, data };
  };
}
