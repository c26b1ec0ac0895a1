// A `wx` for running the mini-program sample in Node against a real gateway: sockets are real WebSockets (`ws`),
// wx.request and wx.uploadFile real HTTP (wx.uploadFile a real multipart POST with progress), wx.login a code the
// fake code2session below accepts, wx.getRandomValues node:crypto. UI calls (toasts, modals, action sheets,
// navigation) are recorded; action sheets and modals answer with their first choice.
import http from 'node:http';
import crypto from 'node:crypto';
import WebSocket from 'ws';

export const WECHAT_APP_ID = 'wx-test-app';
export const WECHAT_SECRET = 'test-secret';

/**
 * WeChat's /sns/jscode2session for the gateway's WeChat:BaseUrl: a code `ok-OPENID` logs in as OPENID (as
 * Tests/Infrastructure/FakeWeChatServer.cs on the .NET side); anything else is errcode 40029 (invalid code).
 */
export function startFakeCode2Session(port = 0) {
  const calls = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    const q = url.searchParams;
    calls.push(q.get('js_code'));
    res.setHeader('content-type', 'text/plain'); // WeChat labels its JSON text/plain
    if (url.pathname !== '/sns/jscode2session' || q.get('appid') !== WECHAT_APP_ID || q.get('secret') !== WECHAT_SECRET) {
      return res.end('{"errcode":40013,"errmsg":"invalid appid"}');
    }
    const code = q.get('js_code') || '';
    return res.end(code.startsWith('ok-')
      ? JSON.stringify({ openid: code.slice(3), session_key: 'c2Vzc2lvbg==' })
      : '{"errcode":40029,"errmsg":"invalid code"}');
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}/`,
    calls,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
  })));
}

/**
 * The stand-in. `openId` is who wx.login logs in as; `files` maps temp paths to bytes (what chooseMedia picks and
 * the recorder records: set `nextImage` and `nextRecording`).
 */
export function createWx({ openId }) {
  const storage = new Map();
  const sockets = new Set();
  const app = {};
  const wx = {
    openId,
    files: {},
    nextImage: null,
    nextRecording: null,
    toasts: [],
    modals: [],
    sheets: [],
    navigations: [],
    previews: [],
    played: [],
    subscribeRequests: [],
    loginCalls: 0,
    sockets,

    login({ success }) {
      wx.loginCalls += 1;
      setTimeout(() => success({ code: `ok-${wx.openId}`, errMsg: 'login:ok' }));
    },
    getRandomValues({ length, success }) {
      setTimeout(() => success({ randomValues: crypto.randomBytes(length).buffer }));
    },
    request({ url, method = 'GET', header, data, success, fail }) {
      fetch(url, { method, headers: header, body: data === undefined ? undefined : JSON.stringify(data) })
        .then(async (r) => {
          const text = await r.text();
          let body = text;
          try { body = JSON.parse(text); } catch { /* not JSON: as text, as wx does */ }
          success({ statusCode: r.status, data: body, header: Object.fromEntries(r.headers) });
        }, (e) => fail({ errMsg: `request:fail ${e.message}` }));
    },
    uploadFile({ url, filePath, name, header, success, fail }) {
      let progress = null;
      const bytes = wx.files[filePath];
      setTimeout(() => {
        if (!bytes) return fail({ errMsg: `uploadFile:fail no such file ${filePath}` });
        const form = new FormData();
        form.append(name, new Blob([bytes]), filePath.split('/').pop());
        if (progress) progress({ progress: 50, totalBytesSent: bytes.length / 2, totalBytesExpectedToSend: bytes.length });
        return fetch(url, { method: 'POST', headers: header, body: form })
          .then(async (res) => {
            if (progress) progress({ progress: 100, totalBytesSent: bytes.length, totalBytesExpectedToSend: bytes.length });
            success({ statusCode: res.status, data: await res.text() });
          }, (err) => fail({ errMsg: `uploadFile:fail ${err.message}` }));
      });
      return { onProgressUpdate: (cb) => { progress = cb; }, abort() {} };
    },
    connectSocket({ url, header, protocols }) {
      const ws = new WebSocket(url, protocols || [], { headers: header });
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      return {
        onOpen: (fn) => ws.on('open', () => fn({})),
        // As a SocketTask: text frames as strings, binary ones as ArrayBuffer.
        onMessage: (fn) => ws.on('message', (data, isBinary) => fn({ data: isBinary ? new Uint8Array(data).buffer : data.toString() })),
        onClose: (fn) => ws.on('close', (code, reason) => fn({ code, reason: reason.toString() })),
        onError: (fn) => ws.on('error', (e) => fn({ errMsg: e.message })),
        send: ({ data }) => ws.send(data),
        close: ({ code, reason }) => ws.close(code, reason),
      };
    },
    chooseMedia({ success, fail }) {
      const path = wx.nextImage;
      wx.nextImage = null;
      setTimeout(() => (path ? success({ tempFiles: [{ tempFilePath: path, size: wx.files[path].length, fileType: 'image' }] }) : fail({ errMsg: 'chooseMedia:fail cancel' })));
    },
    getRecorderManager() {
      if (!wx._recorder) {
        const handlers = { stop: [], error: [] };
        wx._recorder = {
          started: null,
          start(options) { this.started = options; },
          stop() {
            const path = wx.nextRecording;
            setTimeout(() => handlers.stop.forEach((fn) => fn({ tempFilePath: path, duration: 1000 })));
          },
          onStop: (fn) => handlers.stop.push(fn),
          onError: (fn) => handlers.error.push(fn),
        };
      }
      return wx._recorder;
    },
    createInnerAudioContext() {
      return { src: '', play() { wx.played.push(this.src); }, stop() {}, destroy() {} };
    },
    previewImage: (o) => wx.previews.push(o),
    requestSubscribeMessage(o) {
      wx.subscribeRequests.push(o.tmplIds);
      const result = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of o.tmplIds) result[id] = 'accept';
      setTimeout(() => o.success(result));
    },
    getStorageSync: (k) => (storage.has(k) ? structuredClone(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, structuredClone(v)),
    removeStorageSync: (k) => storage.delete(k),
    storageKeys: () => [...storage.keys()],
    showToast: (o) => wx.toasts.push(o.title),
    showModal: (o) => { wx.modals.push(o); setTimeout(() => { if (o.success) o.success({ confirm: true }); if (o.complete) o.complete({}); }); },
    showActionSheet: (o) => { wx.sheets.push(o.itemList); setTimeout(() => o.success({ tapIndex: 0 })); },
    setNavigationBarTitle: () => {},
    navigateTo: (o) => wx.navigations.push(o.url),
    redirectTo: (o) => wx.navigations.push(o.url),
    reLaunch: (o) => wx.navigations.push(o.url),
    navigateBack: () => wx.navigations.push('back'),
    onAppShow: (fn) => (app.show = fn),
    onAppHide: (fn) => (app.hide = fn),
    app,
  };
  return wx;
}
