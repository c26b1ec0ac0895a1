// Login and session: the sign-in form, the encryption offer, the token kept fresh in sessionStorage, log out.
import { login, refreshToken } from './sdk/index.js';
import { app, BASE_URL } from './state.js';
import { $ } from './ui.js';

const SESSION_KEY = 'orleanschat.session';

function saveSession(s) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
}

function loadSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY));
  } catch {
    return null;
  }
}

/** The stored session when its token is still valid (a reload resumes it), else null. */
export function resumableSession() {
  const session = loadSession();
  return session && session.token && Date.parse(session.expiresAt) > Date.now() ? session : null;
}

function idFromName(name) {
  const id = name.trim().toLowerCase().replace(/\s+/g, '_').replace(/[^\p{L}\p{N}_-]/gu, '').slice(0, 64);
  return id || `user_${Math.random().toString(36).slice(2, 8)}`;
}

export async function freshToken() {
  // Refresh a minute before expiry; when refreshing is refused (expired, past Auth:MaxSessionAge), log in again
  // (the dev login needs no password).
  if (Date.parse(app.session.expiresAt) - Date.now() < 60000) {
    const renewed = await refreshToken(BASE_URL, app.session.token).catch(() => login(BASE_URL, app.session.profile));
    app.session = { ...app.session, token: renewed.token, expiresAt: renewed.expiresAt };
    saveSession(app.session);
  }
  return app.session.token;
}

// The encrypt toggle is on by default when the server publishes a session key and this page has WebCrypto
// (browsers only offer crypto.subtle on https and localhost).
async function offerEncryption() {
  const box = $('login-encrypt');
  let reason = '';
  try {
    if (!globalThis.crypto || !globalThis.crypto.subtle) reason = 'needs https for WebCrypto';
    else if (!(await fetch(`${BASE_URL}/api/crypto/key`)).ok) reason = 'the server offers none';
  } catch {
    reason = 'the server offers none';
  }
  box.disabled = !!reason;
  box.checked = !reason;
  $('encrypt-hint').textContent = reason ? `(${reason})` : '(RSA-OAEP + AES-256-GCM)';
}

/** @param {() => Promise<void>} start  connects once app.session is set */
export function setupSession(start) {
  offerEncryption();

  $('login-name').addEventListener('input', () => {
    $('login-id').placeholder = $('login-name').value ? idFromName($('login-name').value) : '(from the name)';
  });

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const name = $('login-name').value.trim();
    const profile = { openId: $('login-id').value.trim() || idFromName(name), name, avatarUrl: $('login-avatar').value.trim() || undefined };
    $('login-btn').disabled = true;
    $('login-error').textContent = '';
    try {
      const issued = await login(BASE_URL, profile);
      app.session = { token: issued.token, expiresAt: issued.expiresAt, user: issued.user, profile, encrypt: $('login-encrypt').checked };
      saveSession(app.session);
      await start();
    } catch (err) {
      $('login-error').textContent = err.message;
    } finally {
      $('login-btn').disabled = false;
    }
  });

  $('logout-btn').addEventListener('click', () => {
    sessionStorage.removeItem(SESSION_KEY);
    if (app.client) app.client.close();
    location.reload();
  });
}
