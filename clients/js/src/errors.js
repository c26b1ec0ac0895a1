/**
 * Protocol v1 error codes (snake_case) plus the SDK's own: timeout, disconnected, closed, not_connected,
 * connect_failed, network, encryption_unavailable.
 */
export class ChatError extends Error {
  constructor(code, message, frame) {
    super(message || code);
    this.name = 'ChatError';
    this.code = code;
    if (frame !== undefined) this.frame = frame;
  }
}
