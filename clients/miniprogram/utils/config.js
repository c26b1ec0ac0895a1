// Where the gateway runs and how the sample talks to it. In production BASE_URL is an https domain registered in
// the mini-program's request, socket, uploadFile and downloadFile legal domains (see README.md).
module.exports = {
  BASE_URL: 'https://chat.example.com',
  // The gateway's development login (POST /api/auth/login: anyone can be anyone). Off: the sample logs in with
  // wx.login only. Turn on for a local gateway started with Auth:DevLoginEnabled=true, never in a release.
  DEV_LOGIN: false,
  // 'optional': an encrypted session whenever the gateway offers one (GET /api/crypto/key); 'required' refuses
  // plaintext; 'off' never encrypts.
  ENCRYPTION: 'optional',
  PAGE_SIZE: 30,
  // Hold-to-talk: the longest voice message, and the shortest kept (shorter presses are taken as taps).
  VOICE_MAX_MS: 60000,
  VOICE_MIN_MS: 500,
};
