// The SDK as the mini-program sample requires it (utils/orleanschat.min.js): everything of src/index.js plus
// the pure-JS crypto provider (mini-programs have no WebCrypto). The shim must load first.
import './bigint-shim.js';

export * from '../../src/index.js';
export { createForgeCryptoProvider, wxRandomBytes } from '../../src/crypto-forge.js';
