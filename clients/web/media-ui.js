// The page's media controls (issue 20): a picture button (upload, then send by mediaId; the thread shows the
// thumbnail and opens the full image on click) and a hold-to-record voice button (MediaRecorder; release to send).
// composer.js hands in how to reach the current client and conversation; everything else lives here.
import { MediaUploader, sendUpload, recordVoice } from './sdk/media.js';

const $ = (id) => document.getElementById(id);

/**
 * @param {object} hooks
 * @param {() => object|null} hooks.client  the connected ChatClient
 * @param {() => object|null} hooks.target  {room} or {to} of the open conversation, or null
 */
export function setupMediaUi({ client, target }) {
  const status = (text) => { $('media-status').textContent = text; };

  async function send(file, fileName) {
    const c = client();
    const to = target();
    if (!c || !to) return;
    try {
      const upload = await MediaUploader.of(c).upload(file, { fileName, onProgress: (f) => status(`uploading ${Math.round(f * 100)}%`) });
      await sendUpload(c, to, upload, { id: c.newId() });
      status('');
    } catch (err) {
      status(`not sent: ${err.message || err.code}`);
    }
  }

  $('picture-btn').addEventListener('click', () => $('picture-input').click());
  $('picture-input').addEventListener('change', async () => {
    const file = $('picture-input').files[0];
    $('picture-input').value = '';
    if (file) await send(file, file.name);
  });

  let recording = null;
  const start = async (e) => {
    e.preventDefault();
    if (recording) return;
    recording = recordVoice().catch((err) => { status(`no microphone: ${err.message}`); return null; });
    $('voice-btn').classList.add('recording');
    status('recording… release to send');
  };
  const stop = async () => {
    if (!recording) return;
    const pending = recording;
    recording = null;
    $('voice-btn').classList.remove('recording');
    const recorder = await pending;
    if (!recorder) return;
    await send(await recorder.stop(), 'voice');
  };
  $('voice-btn').addEventListener('pointerdown', start);
  $('voice-btn').addEventListener('pointerup', stop);
  $('voice-btn').addEventListener('pointerleave', stop);
}

/** An image message: its thumbnail in the thread, the full image in a new tab on click. */
export function renderImage(body) {
  const img = document.createElement('img');
  img.src = body.thumbUrl || body.url;
  img.alt = 'image';
  img.loading = 'lazy';
  img.referrerPolicy = 'no-referrer';
  if (body.width && body.height) img.title = `${body.width}×${body.height}`;
  img.className = 'media-image';
  img.addEventListener('click', () => window.open(body.url, '_blank', 'noopener'));
  return img;
}
