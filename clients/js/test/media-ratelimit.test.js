// The upload rate limit as the SDK meets it: a gateway allowing one upload at once and one a second per user
// (Media:UploadBurst 1, Media:UploadsPerMinute 60) answers the second quick upload 429 with retryAfterMs in the body
// (wx.uploadFile shows no headers); MediaUploader waits that long and tries again, or gives up when it is too long.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaUploader, ChatError } from '../src/index.js';
import { gatewayForFile, uniqueName } from '../testing/gateway.js';

const gateway = gatewayForFile({ args: ['--Media:UploadBurst', '1', '--Media:UploadsPerMinute', '60'] });
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** wx.uploadFile as WeChat's: a real multipart POST; the answer carries statusCode and data, no headers. */
function wxStandIn() {
  const statuses = [];
  return {
    statuses,
    uploadFile({ url, filePath, name, header, success, fail }) {
      const form = new FormData();
      form.append(name, new Blob([PNG]), filePath);
      fetch(url, { method: 'POST', headers: header, body: form })
        .then(async (res) => { statuses.push(res.status); success({ statusCode: res.status, data: await res.text() }); })
        .catch((err) => fail({ errMsg: err.message }));
      return {};
    },
  };
}

async function login(name) {
  const res = await fetch(`${gateway.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openId: uniqueName(name), name }),
  });
  return (await res.json()).token;
}

test('a rate-limited upload is tried again after the Retry-After the gateway gave', async () => {
  const wx = wxStandIn();
  const uploader = new MediaUploader({ baseUrl: gateway.url, token: await login('alice'), wx });
  await uploader.uploadImage('wxfile://one.png');

  const started = Date.now();
  const second = await uploader.uploadImage('wxfile://two.png');

  assert.deepEqual(wx.statuses, [200, 429, 200]);
  assert.equal(second.kind, 'image');
  assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms, the Retry-After was 1 s`);
});

test('a Retry-After longer than the uploader will wait rejects with rate_limited and says when', async () => {
  const wx = wxStandIn();
  const uploader = new MediaUploader({ baseUrl: gateway.url, token: await login('bob'), wx, maxRetryAfterMs: 100 });
  await uploader.uploadImage('wxfile://one.png');

  await assert.rejects(uploader.uploadImage('wxfile://two.png'), (err) => err instanceof ChatError && err.code === 'rate_limited' && err.retryAfterMs === 1000);
  assert.deepEqual(wx.statuses, [200, 429]);
});
