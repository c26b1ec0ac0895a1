/**
 * Transport over a WeChat mini-program SocketTask (wx.connectSocket). Mini-programs may hold at most 5
 * sockets at once; ChatClient keeps exactly one, closing the old task before it opens a new one.
 * The token goes in an `Authorization: Bearer` header by default (`tokenIn: 'header'`): wx.connectSocket can
 * set headers, and they stay out of URLs. Binary frames (encrypted sessions) arrive and leave as ArrayBuffer.
 */
export function createWxTransport(wx = globalThis.wx) {
  if (!wx || typeof wx.connectSocket !== 'function') throw new TypeError('createWxTransport needs the wx object');
  return {
    name: 'wx',
    tokenIn: 'header',
    open(url, handlers, { protocols, headers } = {}) {
      let closed = false;
      const closeOnce = (code, reason) => {
        if (closed) return;
        closed = true;
        handlers.close(code, reason, {});
      };
      const task = wx.connectSocket({
        url,
        ...(headers ? { header: headers } : {}),
        ...(protocols && protocols.length ? { protocols } : {}),
        // Each call must return a SocketTask; `multiple` is only needed on very old base libraries.
        multiple: true,
        fail: (err) => {
          handlers.error(new Error((err && err.errMsg) || 'connectSocket failed'));
          closeOnce(1006, 'connectSocket failed');
        },
      });
      task.onOpen(() => handlers.open());
      task.onMessage((res) => handlers.message(res.data)); // a string, or an ArrayBuffer for a binary frame
      task.onError((err) => handlers.error(new Error((err && err.errMsg) || 'socket error')));
      task.onClose((res) => closeOnce(res && res.code, res && res.reason));
      const close = (code = 1000, reason = '') => {
        // wx only accepts 1000 or 3000-4999.
        const safe = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
        try {
          task.close({ code: safe, reason });
        } catch {
          // already closed
        }
        // Some base libraries never call onClose for a locally closed task: report it ourselves.
        closeOnce(safe, reason);
      };
      return {
        raw: task,
        send(data) {
          task.send({ data, fail: (err) => handlers.error(new Error((err && err.errMsg) || 'send failed')) });
        },
        close,
        terminate() {
          close(4999, 'terminated');
        },
      };
    },
  };
}

/** An HTTP helper on wx.request: `(url, {method, headers, body}) -> Promise<{status, data}>`. */
export function wxRequest(wx = globalThis.wx) {
  return (url, { method = 'GET', headers = {}, body } = {}) =>
    new Promise((resolve, reject) => {
      wx.request({
        url,
        method,
        header: headers,
        data: body === undefined ? undefined : JSON.parse(body),
        dataType: 'json',
        success: (res) => resolve({ status: res.statusCode, data: res.data }),
        fail: (err) => reject(Object.assign(new Error((err && err.errMsg) || 'request failed'), { code: 'network' })),
      });
    });
}

/**
 * Wires the mini-program lifecycle to a client: in the background the heartbeat pauses; back in the
 * foreground the link is probed at once and a dropped one is reconnected without waiting for the backoff.
 * Returns a function that unbinds.
 */
export function bindWxAppLifecycle(client, wx = globalThis.wx) {
  const hide = () => client.onAppHide();
  const show = () => client.onAppShow();
  wx.onAppHide(hide);
  wx.onAppShow(show);
  return () => {
    if (wx.offAppHide) wx.offAppHide(hide);
    if (wx.offAppShow) wx.offAppShow(show);
  };
}
