/**
 * Transport over a standard WebSocket (browsers; Node 22+ global; or any compatible implementation such as
 * the `ws` package, passed as `WebSocket`).
 *
 * A transport is `{ open(url, handlers, {protocols, headers}) -> connection, tokenIn }` where handlers are
 * `{ open(), message(data), close(code, reason, {status, retryAfterMs}), error(err) }` (data: a string for a text
 * frame, an ArrayBuffer for a binary one; status and retryAfterMs: the HTTP status and Retry-After of a refused
 * upgrade when the platform reveals them: browsers never do, the `ws` package does) and
 * a connection is `{ send(textOrArrayBuffer), close(code, reason), terminate() }`. `tokenIn` is where ChatClient
 * puts the token by default: 'protocol' here (browsers cannot set headers; the token stays out of URLs and logs).
 */
export function createBrowserTransport({ WebSocket: Impl = globalThis.WebSocket } = {}) {
  if (typeof Impl !== 'function') {
    throw new TypeError('no WebSocket implementation: pass { WebSocket } (e.g. the "ws" package in Node 20)');
  }
  return {
    name: 'websocket',
    tokenIn: 'protocol',
    open(url, handlers, { protocols, headers } = {}) {
      // Headers only reach implementations that take options (the `ws` package); browsers ignore them.
      const ws = headers ? new Impl(url, protocols || [], { headers })
        : protocols && protocols.length ? new Impl(url, protocols) : new Impl(url);
      ws.binaryType = 'arraybuffer'; // encrypted sessions send binary frames
      let closed = false;
      let status;
      let retryAfterMs;
      const closeOnce = (code, reason) => {
        if (closed) return;
        closed = true;
        handlers.close(code, reason, { status, retryAfterMs });
      };
      if (typeof ws.on === 'function') {
        // The `ws` package shows a refused upgrade's response to a listener (which must then end the attempt).
        ws.on('unexpected-response', (req, res) => {
          status = res.statusCode;
          const seconds = Number(res.headers && res.headers['retry-after']);
          if (Number.isFinite(seconds) && seconds > 0) retryAfterMs = seconds * 1000;
          res.resume();
          ws.terminate();
        });
      }
      ws.onopen = () => handlers.open();
      ws.onmessage = (event) => handlers.message(event.data);
      ws.onerror = (event) => {
        const err = event && event.error ? event.error : new Error((event && event.message) || 'websocket error');
        // Browsers hide why an upgrade failed; the `ws` package says "Unexpected server response: 503".
        const refused = /server response: (\d{3})/.exec(err.message || '');
        if (refused) status = Number(refused[1]);
        handlers.error(err);
      };
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
