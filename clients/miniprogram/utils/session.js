// Who the user is: wx.login -> POST /api/auth/wechat -> a token, kept in storage, refreshed with
// POST /api/auth/refresh at 80 % of its lifetime (the SDK's TokenSession), and logged in again (wx.login is
// silent once the user has opened the mini-program) when it expires or the gateway answers 401.
const sdk = require('./orleanschat.min.js');
const config = require('./config');

const SESSION_KEY = 'orleanschat.session';
const PROFILE_KEY = 'orleanschat.profile';

let auth = null; // TokenSession of the current login
let relogin = null; // the login in flight, shared by everyone who needs a token meanwhile
const listeners = [];

function request() {
  return sdk.wxRequest(wx);
}

function wxLoginCode() {
  return new Promise((resolve, reject) => wx.login({
    success: (res) => (res.code ? resolve(res.code) : reject(new Error('wx.login gave no code'))),
    fail: (err) => reject(new Error((err && err.errMsg) || 'wx.login failed')),
  }));
}

/** avatarUrl must be an absolute https URL for the gateway; a local or plain-http one is kept on the device only. */
function publicAvatar(url) {
  return url && /^https:\/\//i.test(url) ? url : undefined;
}

async function issue(profile) {
  if (config.DEV_LOGIN && profile.devId) {
    return sdk.login(config.BASE_URL, { openId: profile.devId, name: profile.name }, { request: request() });
  }
  const code = await wxLoginCode();
  return sdk.wechatLogin(config.BASE_URL, code, { name: profile.name, avatarUrl: publicAvatar(profile.avatarUrl) }, { request: request() });
}

function use(session) {
  if (auth) auth.stop();
  wx.setStorageSync(SESSION_KEY, session);
  auth = new sdk.TokenSession({ baseUrl: config.BASE_URL, session, request: request() });
  auth.on('token', (fresh) => wx.setStorageSync(SESSION_KEY, fresh));
  // 401 on refresh: the login is over (revoked, or the token expired meanwhile): log in again without asking.
  auth.on('token.error', (err) => { if (err.code === 'unauthorized' || err.code === 'http_401') loginAgain().catch(() => {}); });
  auth.start();
  listeners.forEach((fn) => fn(session));
  return session;
}

/** Logs in (the profile is {name, avatarUrl, devId?}) and keeps the session fresh. */
async function signIn(profile) {
  wx.setStorageSync(PROFILE_KEY, profile);
  return use(await issue(profile));
}

/** A new login with the stored profile (after a 401 or an expired token). */
function loginAgain() {
  if (!relogin) {
    const profile = wx.getStorageSync(PROFILE_KEY) || {};
    const done = (value) => { relogin = null; return value; };
    relogin = issue(profile).then(use).then(done, (err) => { done(); throw err; });
  }
  return relogin;
}

/** The stored session while its token is valid (the app resumes without the login page); else null. */
function resume() {
  const stored = wx.getStorageSync(SESSION_KEY);
  if (!stored || !stored.token || !(Date.parse(stored.expiresAt) > Date.now())) return null;
  return use(stored);
}

/** A valid token for a connection or an upload: refreshed when due, a new login when expired. */
async function token() {
  if (!auth || auth.expiresAt <= Date.now() + 5000) await loginAgain();
  return auth.get();
}

/** Refreshes the token now (e.g. when the app comes back after a long time); a 401 logs in again. */
function refresh() {
  return auth ? auth.refresh() : loginAgain();
}

module.exports = {
  signIn,
  refresh,
  resume,
  token,
  loginAgain,
  get current() {
    return auth ? auth.session : null;
  },
  get profile() {
    return wx.getStorageSync(PROFILE_KEY) || null;
  },
  /** fn(session) after every login or resume. */
  onLogin(fn) {
    listeners.push(fn);
  },
  /** Forgets the login and the profile. */
  clear() {
    if (auth) auth.stop();
    auth = null;
    wx.removeStorageSync(SESSION_KEY);
    wx.removeStorageSync(PROFILE_KEY);
  },
};
