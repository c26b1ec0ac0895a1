// The encrypted session of docs/protocol.md ("Encrypted sessions"): the client wraps a fresh AES-256 key with the
// server's RSA key (RSA-OAEP, SHA-256) in a text `hello`; then every frame is binary:
// [8-byte big-endian counter][AES-256-GCM ciphertext][16-byte tag], nonce = [4-byte direction][counter].
import { base64Decode, base64Encode, toBytes, utf8Decode, utf8Encode } from './bytes.js';

const CLIENT_TO_SERVER = 1;
const SERVER_TO_CLIENT = 2;
const COUNTER_BYTES = 8;
const TAG_BYTES = 16;
export const ENCRYPTED_OVERHEAD = COUNTER_BYTES + TAG_BYTES;

/**
 * A crypto provider: the primitives an encrypted session needs, all asynchronous (Promises), bytes as
 * Uint8Array. Ship your own for a platform without WebCrypto (e.g. a mini-program using a pure-JS library):
 *
 * - `randomBytes(n)` -> n cryptographically random bytes
 * - `rsaOaepEncrypt(spki, data)` -> RSA-OAEP with SHA-256 (and MGF1-SHA-256) of `data` under the public key
 *   given as DER SubjectPublicKeyInfo bytes
 * - `importAesKey(raw)` -> an opaque key handle for the 32 raw bytes
 * - `aesGcmEncrypt(key, nonce, plaintext)` -> ciphertext followed by the 16-byte tag (no associated data)
 * - `aesGcmDecrypt(key, nonce, ciphertextAndTag)` -> plaintext; must reject when the tag does not verify
 */
export function createWebCryptoProvider(webCrypto = globalThis.crypto) {
  const subtle = webCrypto && webCrypto.subtle;
  if (!subtle || typeof webCrypto.getRandomValues !== 'function') return null;
  return {
    name: 'webcrypto',
    randomBytes: async (n) => webCrypto.getRandomValues(new Uint8Array(n)),
    async rsaOaepEncrypt(spki, data) {
      const key = await subtle.importKey('spki', spki, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['encrypt']);
      return new Uint8Array(await subtle.encrypt({ name: 'RSA-OAEP' }, key, data));
    },
    importAesKey: (raw) => subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']),
    aesGcmEncrypt: async (key, nonce, plaintext) =>
      new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, plaintext)),
    aesGcmDecrypt: async (key, nonce, data) =>
      new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, data)),
  };
}

/** The 12-byte nonce: 4-byte direction, 8-byte counter, both big-endian. */
function nonceOf(direction, counter) {
  const nonce = new Uint8Array(12);
  const view = new DataView(nonce.buffer);
  view.setUint32(0, direction);
  writeCounter(view, 4, counter);
  return nonce;
}

// Counters as two 32-bit halves: no BigInt, which older mini-program engines lack (2^53 frames never happen).
function writeCounter(view, offset, counter) {
  view.setUint32(offset, Math.floor(counter / 0x100000000));
  view.setUint32(offset + 4, counter >>> 0);
}

function readCounter(view, offset) {
  return view.getUint32(offset) * 0x100000000 + view.getUint32(offset + 4);
}

/** Raised for a server frame that does not decrypt; the client drops the connection and reports 1008. */
export class SessionCryptoError extends Error {
  constructor(message) {
    super(message);
    this.name = 'SessionCryptoError';
  }
}

/**
 * One encrypted session. Counters advance in call order and both directions run through their own
 * promise chain, so frames leave and are delivered in order even though the crypto is asynchronous.
 */
export class SecureChannel {
  constructor(provider, key) {
    this._provider = provider;
    this._key = key;
    this._sendCounter = 0;
    this._receiveCounter = 0;
    this._sendChain = Promise.resolve();
    this._receiveChain = Promise.resolve();
  }

  /**
   * Makes a fresh AES-256 key and the hello frame that carries it, wrapped for `publicKey`
   * ({keyId, spki} as GET /api/crypto/key answers).
   */
  static async create(provider, publicKey, helloId = 'h1') {
    if (!publicKey || typeof publicKey.keyId !== 'string' || typeof publicKey.spki !== 'string') {
      throw new SessionCryptoError('the server key has no keyId/spki');
    }
    const raw = await provider.randomBytes(32);
    const wrapped = await provider.rsaOaepEncrypt(base64Decode(publicKey.spki), raw);
    const key = await provider.importAesKey(raw);
    raw.fill(0);
    const hello = { type: 'hello', id: helloId, keyId: publicKey.keyId, key: base64Encode(wrapped) };
    return { channel: new SecureChannel(provider, key), hello };
  }

  /** Encrypts a JSON text frame; resolves with the binary frame (ArrayBuffer), in call order. */
  seal(text) {
    const counter = this._sendCounter++;
    const next = this._sendChain.then(async () => {
      const sealed = await this._provider.aesGcmEncrypt(this._key, nonceOf(CLIENT_TO_SERVER, counter), utf8Encode(text));
      const frame = new Uint8Array(COUNTER_BYTES + sealed.length);
      writeCounter(new DataView(frame.buffer), 0, counter);
      frame.set(sealed, COUNTER_BYTES);
      return frame.buffer;
    });
    this._sendChain = next.catch(() => {});
    return next;
  }

  /** Decrypts the next server frame; resolves with its JSON text, or rejects with SessionCryptoError. */
  open(data) {
    const next = this._receiveChain.then(async () => {
      const bytes = toBytes(data);
      if (bytes.length < ENCRYPTED_OVERHEAD) throw new SessionCryptoError('encrypted frame too short');
      const counter = readCounter(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
      if (counter !== this._receiveCounter) {
        throw new SessionCryptoError(counter < this._receiveCounter ? 'replayed frame' : 'frame out of order');
      }
      let plaintext;
      try {
        plaintext = await this._provider.aesGcmDecrypt(this._key, nonceOf(SERVER_TO_CLIENT, counter), bytes.subarray(COUNTER_BYTES));
      } catch {
        throw new SessionCryptoError('frame failed authentication');
      }
      this._receiveCounter++;
      return utf8Decode(toBytes(plaintext));
    });
    this._receiveChain = next.catch(() => {});
    return next;
  }
}
