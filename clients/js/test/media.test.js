// The SDK's media helpers (media.js): uploads through a wx stand-in whose uploadFile is a real multipart POST to a
// real gateway (as WeChat's is), progress and retry, and an image and a voice message sent by mediaId.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaUploader, sendImage, sendVoice, mediaUrl, ChatError } from '../src/index.js';
import { gatewayForFile, uniqueName, nextEvent } from '../testing/gateway.js';

const gateway = gatewayForFile();

// A 1x1 PNG and a 0.5 s 8 kHz PCM WAV, as files a mini-program would hold as temp paths.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
function wav(seconds) {
  const samples = Math.round(seconds * 8000);
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + samples * 2, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(8000, 24); b.writeUInt32LE(16000, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 8000) * 8000), 44 + i * 2);
  return b;
}

/** wx.uploadFile done for real: the temp "path" names a buffer; progress is reported once at the end. */
function wxStandIn(files, { failFirst = 0 } = {}) {
  const calls = [];
  return {
    calls,
    uploadFile({ url, filePath, name, header, success, fail }) {
      calls.push(filePath);
      let progress = null;
      if (calls.length <= failFirst) {
        setTimeout(() => fail({ errMsg: 'uploadFile:fail network down' }));
      } else {
        const form = new FormData();
        form.append(name, new Blob([files[filePath]]), filePath);
        fetch(url, { method: 'POST', headers: header, body: form })
          .then(async (res) => { if (progress) progress({ progress: 100 }); success({ statusCode: res.status, data: await res.text() }); })
          .catch((err) => fail({ errMsg: err.message }));
      }
      return { onProgressUpdate: (cb) => { progress = cb; } };
    },
  };
}

test('a mini-program upload retries a network failure and reports progress', async () => {
  const { token } = await (await fetch(`${gateway.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openId: uniqueName('alice'), name: 'Alice' }),
  })).json();
  const wx = wxStandIn({ 'wxfile://tmp_1.png': PNG }, { failFirst: 1 });
  const progress = [];

  const upload = await new MediaUploader({ baseUrl: gateway.url, token, wx, retryDelayMs: 10 })
    .uploadImage('wxfile://tmp_1.png', { onProgress: (f) => progress.push(f) });

  assert.equal(wx.calls.length, 2);
  assert.deepEqual(progress, [1]);
  assert.equal(upload.kind, 'image');
  assert.equal(upload.width, 1);
  assert.ok(upload.url.startsWith(`${gateway.url}/api/media/${upload.mediaId}?`), upload.url);
  assert.equal((await fetch(upload.thumbnail)).status, 200);
});

test('a refused upload is not retried and says why', async () => {
  const { token } = await (await fetch(`${gateway.url}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openId: uniqueName('mallory'), name: 'M' }),
  })).json();
  const wx = wxStandIn({ 'wxfile://tmp_2.mp3': PNG });

  await assert.rejects(
    new MediaUploader({ baseUrl: gateway.url, token, wx, retryDelayMs: 10 }).uploadVoice('wxfile://tmp_2.mp3'),
    (err) => err instanceof ChatError && err.code === 'bad_request' && /named/.test(err.message),
  );
  assert.equal(wx.calls.length, 1);
});

test('an image and a voice message reach a room member with signed URLs', async () => {
  const room = uniqueName('media');
  const alice = await gateway.user('Alice');
  const bob = await gateway.user('Bob');
  await alice.joinRoom(room);
  await bob.joinRoom(room);
  const wx = wxStandIn({ 'wxfile://photo.png': PNG, 'wxfile://voice.wav': wav(0.5) });
  const uploader = MediaUploader.of(alice, { wx });

  const image = nextEvent(bob, 'message', (m) => m.body.kind === 'image');
  await sendImage(alice, { room }, 'wxfile://photo.png', { uploader });
  const voice = nextEvent(bob, 'message', (m) => m.body.kind === 'audio');
  await sendVoice(alice, { room }, 'wxfile://voice.wav', { uploader });

  const got = (await image).body;
  assert.equal(got.width, 1);
  assert.equal((await fetch(mediaUrl(gateway.url, got.thumbUrl))).status, 200);
  const heard = (await voice).body;
  assert.ok(Math.abs(heard.durationMs - 500) < 60, `durationMs ${heard.durationMs}`);
  const played = await fetch(mediaUrl(gateway.url, heard.url));
  assert.equal(played.headers.get('content-type'), 'audio/mp4');
});
