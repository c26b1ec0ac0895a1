// @noble/ciphers' GCM writes its 64-bit length block with BigInt + DataView.setBigUint64, which some older
// mini-program engines (iOS before 14) lack. The values are byte and bit counts far below 2^53, so a Number
// stand-in is exact. Installed only where BigInt is missing, and before @noble/ciphers loads (import order).
/* eslint-disable no-extend-native */
const root = typeof globalThis !== 'undefined' ? globalThis : typeof global !== 'undefined' ? global : {};
if (typeof BigInt === 'undefined') {
  root.BigInt = (value) => Number(value);
}
if (typeof DataView !== 'undefined' && typeof DataView.prototype.setBigUint64 !== 'function') {
  DataView.prototype.setBigUint64 = function setBigUint64(offset, value, littleEndian) {
    const n = Number(value);
    const high = Math.floor(n / 0x100000000);
    const low = n >>> 0;
    this.setUint32(offset + (littleEndian ? 4 : 0), high, littleEndian);
    this.setUint32(offset + (littleEndian ? 0 : 4), low, littleEndian);
  };
}
