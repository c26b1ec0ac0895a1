/** A tiny typed-event emitter: on(type, handler) returns an unsubscribe function. */
export class Emitter {
  constructor() {
    /** @type {Map<string, Set<Function>>} */
    this._handlers = new Map();
  }

  on(type, handler) {
    if (typeof handler !== 'function') throw new TypeError('handler must be a function');
    let set = this._handlers.get(type);
    if (!set) this._handlers.set(type, (set = new Set()));
    set.add(handler);
    return () => this.off(type, handler);
  }

  once(type, handler) {
    const off = this.on(type, (...args) => {
      off();
      handler(...args);
    });
    return off;
  }

  off(type, handler) {
    const set = this._handlers.get(type);
    if (set) set.delete(handler);
  }

  emit(type, ...args) {
    const set = this._handlers.get(type);
    if (!set || set.size === 0) return false;
    for (const handler of [...set]) {
      try {
        handler(...args);
      } catch (err) {
        // A faulty handler must not break the connection loop; surface it asynchronously.
        setTimeout(() => { throw err; }, 0);
      }
    }
    return true;
  }
}
