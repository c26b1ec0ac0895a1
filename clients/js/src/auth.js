// HTTP side of authentication: the development login, the WeChat mini-program login and token refresh.
import { Emitter } from './emitter.js';
import { ChatError } from './errors.js';
import { base64Decode, utf8Decode } from './bytes.js';
import { fetchRequest } from './transport-browser.js';

export function trimSlash(url) {
  return String(url || '').replace(/\/+$/, '');
}

/** POSTs to an auth endpoint and resolves with {token, expiresAt, user}; rejects with ChatError(code). */
async function postForSession(url, { body, headers = {} }, request) {
  const http = request || fetchRequest();
  let res;
  try {
    res = await http(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw err instanceof ChatError ? err : new ChatError('network', err && err.message);
  }
  if (res.status < 200 || res.status >= 300 || !res.data || !res.data.token) {
    const data = res.data || {};
    throw new ChatError(data.code || `http_${res.status}`, data.message || `${url} failed with HTTP ${res.status}`);
  }
  return res.data;
}

/**
 * Development login: POST {baseUrl}/api/auth/login -> {token, expiresAt, user}.
 * `request` is an HTTP helper (fetchRequest() by default, wxRequest(wx) in a mini-program).
 */
export function login(baseUrl, { openId, name, avatarUrl } = {}, { request } = {}) {
  const body = { openId, name, ...(avatarUrl ? { avatarUrl } : {}) };
  return postForSession(`${trimSlash(baseUrl)}/api/auth/login`, { body }, request);
}

/**
 * WeChat mini-program login: POST {baseUrl}/api/auth/wechat with the code of wx.login().
 * Rejects with ChatError bad_request (get a new code), forbidden, rate_limited or unavailable.
 */
export function wechatLogin(baseUrl, code, { name, avatarUrl } = {}, { request } = {}) {
  const body = { code, ...(name ? { name } : {}), ...(avatarUrl ? { avatarUrl } : {}) };
  return postForSession(`${trimSlash(baseUrl)}/api/auth/wechat`, { body }, request);
}

/** POST {baseUrl}/api/auth/refresh with the current token: a new {token, expiresAt, user} for the same login. */
export function refreshToken(baseUrl, token, { request } = {}) {
  return postForSession(`${trimSlash(baseUrl)}/api/auth/refresh`, { headers: { authorization: `Bearer ${token}` } }, request);
}

/** The lifetime of a session in ms since the epoch: the JWT's iat/exp when readable, else now..expiresAt. */
export function sessionTimes(session, now = Date.now()) {
  const expiresAt = Date.parse(session.expiresAt);
  try {
    const payload = JSON.parse(utf8Decode(base64Decode(session.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))));
    if (payload.iat && payload.exp) return { issuedAt: payload.iat * 1000, expiresAt: payload.exp * 1000 };
  } catch {
    // not a JWT we can read: fall back to expiresAt
  }
  return { issuedAt: now, expiresAt: Number.isFinite(expiresAt) ? expiresAt : now + 3600000 };
}

/**
 * Keeps a login fresh: refreshes at `refreshAt` (0.8) of the token's lifetime, and before handing out a token
 * that is past that point. Events: 'token' (the new session) and 'token.error' (ChatError; on `unauthorized`
 * the login is over and the user must log in again).
 */
export class TokenSession extends Emitter {
  constructor({ baseUrl, session, request, refreshAt = 0.8, retryMs = 30000, now = () => Date.now() }) {
    super();
    if (!session || !session.token) throw new TypeError('TokenSession needs the {token, expiresAt} of a login');
    Object.assign(this, { baseUrl, request, refreshAt, retryMs, now });
    this._timer = null;
    this._inflight = null;
    this._stopped = true;
    this._use(session);
  }

  get token() {
    return this.session.token;
  }

  /** The current token, refreshed first when it is due (the function form of ChatClient's `token`). */
  async get() {
    if (this.now() >= this.refreshDueAt && this.now() < this.expiresAt) {
      try {
        await this.refresh();
      } catch {
        // the old token is still valid: use it; 'token.error' told the app
      }
    }
    return this.session.token;
  }

  /** Refreshes now (one request at a time). */
  refresh() {
    if (!this._inflight) {
      this._inflight = refreshToken(this.baseUrl, this.session.token, { request: this.request }).then(
        (session) => {
          this._inflight = null;
          this._use(session);
          this.emit('token', session);
          return session;
        },
        (err) => {
          this._inflight = null;
          this.emit('token.error', err);
          if (err.code !== 'unauthorized') this._schedule(Math.min(this.retryMs, Math.max(0, this.expiresAt - this.now()) / 2));
          throw err;
        },
      );
    }
    return this._inflight;
  }

  start() {
    this._stopped = false;
    this._schedule(this.refreshDueAt - this.now());
  }

  stop() {
    this._stopped = true;
    clearTimeout(this._timer);
    this._timer = null;
  }

  _use(session) {
    this.session = session;
    const { issuedAt, expiresAt } = sessionTimes(session, this.now());
    this.expiresAt = expiresAt;
    this.refreshDueAt = issuedAt + (expiresAt - issuedAt) * this.refreshAt;
    if (!this._stopped) this._schedule(this.refreshDueAt - this.now());
  }

  _schedule(delayMs) {
    if (this._stopped) return;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      this._timer = null;
      this.refresh().catch(() => {});
    }, Math.max(0, delayMs));
  }
}
