// Images and voice messages (docs/protocol.md, "Media"): upload over HTTP (POST /api/media, multipart/form-data with
// one file), then send a message that names the upload by its mediaId. Works in browsers (File/Blob, fetch is not
// used for uploads because only XMLHttpRequest reports upload progress; MediaRecorder for voice) and in WeChat
// mini-programs (wx.chooseMedia, wx.getRecorderManager, wx.uploadFile). The server re-encodes images, transcodes
// voice to AAC/M4A and answers {mediaId, kind, mime, bytes, url, width?, height?, durationMs?, thumbnail?}.
import { ChatError } from './errors.js';
import { trimSlash } from './auth.js';

const RETRYABLE = (err) => err instanceof ChatError && (err.code === 'network' || /^http_5\d\d$/.test(err.code) || err.code === 'unavailable');

/** The body of a message that carries an upload. */
export const mediaBody = (upload) => ({ kind: upload.kind, mediaId: upload.mediaId });

/** Signed media URLs are relative to the gateway (/api/media/...): absolute, for <image>, <img> and audio players. */
export function mediaUrl(baseUrl, url) {
  return !url || /^https?:\/\//i.test(url) ? url : `${trimSlash(baseUrl)}${url}`;
}

async function tokenOf(token) {
  return typeof token === 'function' ? token() : token;
}

function refusal(status, data, retryAfterHeader) {
  const body = data && typeof data === 'object' ? data : (() => { try { return JSON.parse(data); } catch { return {}; } })();
  const err = new ChatError(body.code || `http_${status}`, body.message || `upload failed with HTTP ${status}`);
  // 429: when to come back, from the body (wx.uploadFile shows no headers) or the Retry-After header (seconds).
  const retryAfterMs = typeof body.retryAfterMs === 'number' ? body.retryAfterMs : Number(retryAfterHeader) * 1000;
  if (retryAfterMs > 0) err.retryAfterMs = retryAfterMs;
  return err;
}

/** Browser upload with progress: XMLHttpRequest + FormData. Resolves with the server's answer. */
export function browserUpload(url, token, file, fileName, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ChatError('network', 'the upload could not reach the server'));
    xhr.onload = () => (xhr.status >= 200 && xhr.status < 300
      ? resolve(xhr.response)
      : reject(refusal(xhr.status, xhr.response, xhr.getResponseHeader('retry-after'))));
    const form = new FormData();
    form.append('file', file, fileName || file.name || 'blob');
    xhr.send(form);
  });
}

/** Mini-program upload with progress: wx.uploadFile of a temp file path. */
export function wxUpload(wx, url, token, filePath, onProgress) {
  return new Promise((resolve, reject) => {
    const task = wx.uploadFile({
      url,
      filePath,
      name: 'file',
      header: { authorization: `Bearer ${token}` },
      success: (res) => (res.statusCode >= 200 && res.statusCode < 300
        ? resolve(typeof res.data === 'string' ? JSON.parse(res.data) : res.data)
        : reject(refusal(res.statusCode, res.data))),
      fail: (err) => reject(new ChatError('network', (err && err.errMsg) || 'wx.uploadFile failed')),
    });
    if (task && task.onProgressUpdate && onProgress) task.onProgressUpdate((p) => onProgress(p.progress / 100));
  });
}

/**
 * Uploads for one gateway and user. `token` is a string or a function (ChatClient's options.token is accepted as is);
 * pass `wx` in a mini-program. Network failures and 5xx answers are retried `retries` times with a growing delay, and
 * `rate_limited` (429) after the server's Retry-After when it is at most `maxRetryAfterMs`; other refusals (4xx: too
 * large, unsupported, a lie) are not.
 */
export class MediaUploader {
  constructor({ baseUrl, token, wx = null, retries = 2, retryDelayMs = 500, maxRetryAfterMs = 30_000 }) {
    if (!baseUrl || !token) throw new TypeError('MediaUploader needs baseUrl and token');
    Object.assign(this, { baseUrl: trimSlash(baseUrl), token, wx, retries, retryDelayMs, maxRetryAfterMs });
  }

  /** The uploader of a ChatClient: its gateway and its token. */
  static of(client, options = {}) {
    return new MediaUploader({ baseUrl: client.options.baseUrl, token: client.options.token, ...options });
  }

  /** A browser File/Blob, or a mini-program temp file path. `onProgress(fraction)` reports the upload. */
  async upload(file, { fileName, onProgress } = {}) {
    const url = `${this.baseUrl}/api/media`;
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await tokenOf(this.token);
        const answer = this.wx
          ? await wxUpload(this.wx, url, token, file, onProgress)
          : await browserUpload(url, token, file, fileName, onProgress);
        return { ...answer, url: mediaUrl(this.baseUrl, answer.url), thumbnail: mediaUrl(this.baseUrl, answer.thumbnail) };
      } catch (err) {
        const delay = this._retryDelay(err, attempt);
        if (delay === null) throw err;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** How long to wait before the next attempt after `err`, or null: give up. */
  _retryDelay(err, attempt) {
    if (attempt >= this.retries) return null;
    if (err instanceof ChatError && err.code === 'rate_limited') {
      const wait = err.retryAfterMs || this.retryDelayMs;
      return wait <= this.maxRetryAfterMs ? wait : null;
    }
    return RETRYABLE(err) ? this.retryDelayMs * 2 ** attempt : null;
  }

  uploadImage(file, options) {
    return this.upload(file, options);
  }

  uploadVoice(file, options) {
    return this.upload(file, options);
  }
}

/** Sends an uploaded image or voice message to `{room}` or `{to}` with a ChatClient. */
export function sendUpload(client, target, upload, options) {
  const body = mediaBody(upload);
  return target.room ? client.sendRoom(target.room, body, options) : client.sendDm(target.to, body, options);
}

/** Uploads then sends an image (a File/Blob, or a mini-program temp path). */
export async function sendImage(client, target, file, { onProgress, uploader = MediaUploader.of(client), ...options } = {}) {
  const upload = await uploader.uploadImage(file, { onProgress });
  await sendUpload(client, target, upload, options);
  return upload;
}

/** Uploads then sends a voice recording (a Blob from recordVoice(), or a mini-program temp path). */
export async function sendVoice(client, target, file, { onProgress, uploader = MediaUploader.of(client), ...options } = {}) {
  const upload = await uploader.uploadVoice(file, { onProgress, fileName: 'voice' });
  await sendUpload(client, target, upload, options);
  return upload;
}

/**
 * Browser voice recording: starts MediaRecorder on the microphone and returns {stop(), cancel()}; stop() resolves
 * with the recorded Blob (WebM/Opus or whatever the browser records; the server transcodes it).
 */
export async function recordVoice({ mediaDevices = globalThis.navigator && navigator.mediaDevices, maxMs = 60000 } = {}) {
  const stream = await mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream);
  const chunks = [];
  recorder.ondataavailable = (e) => { if (e.data && e.data.size) chunks.push(e.data); };
  const done = new Promise((resolve) => {
    recorder.onstop = () => {
      stream.getTracks().forEach((t) => t.stop());
      resolve(new Blob(chunks, { type: recorder.mimeType || 'audio/webm' }));
    };
  });
  recorder.start();
  const limit = setTimeout(() => recorder.state === 'recording' && recorder.stop(), maxMs);
  const stop = () => {
    clearTimeout(limit);
    if (recorder.state === 'recording') recorder.stop();
    return done;
  };
  return { stop, cancel: () => { stop(); chunks.length = 0; } };
}

/** Mini-program: picks one image (camera or album) and resolves with its temp file path. */
export function wxChooseImage(wx) {
  return new Promise((resolve, reject) => wx.chooseMedia({
    count: 1,
    mediaType: ['image'],
    sizeType: ['compressed'],
    success: (res) => resolve(res.tempFiles[0].tempFilePath),
    fail: (err) => reject(new ChatError('cancelled', (err && err.errMsg) || 'no image chosen')),
  }));
}

/** Mini-program voice recording (AAC, which the server keeps as M4A): returns {stop()} resolving with the temp path. */
export function wxRecordVoice(wx, { maxMs = 60000 } = {}) {
  const recorder = wx.getRecorderManager();
  const done = new Promise((resolve, reject) => {
    recorder.onStop((res) => resolve(res.tempFilePath));
    recorder.onError((err) => reject(new ChatError('recorder', (err && err.errMsg) || 'recording failed')));
  });
  recorder.start({ duration: maxMs, format: 'aac', numberOfChannels: 1, sampleRate: 16000, encodeBitRate: 48000 });
  return { stop: () => { recorder.stop(); return done; } };
}
