// WeChat subscribe messages of ChatClient: the templates the server notifies offline users with, and the report of
// what the user allowed. WeChat shows its subscription prompt only from a user's tap, so the app calls
// wx.requestSubscribeMessage({ tmplIds: client.notifyTemplates }) in a tap handler and hands its answer to
// reportNotifyCredits. Each 'accept' lets the server send one message while the mini-program is closed.

const DECISIONS = new Set(['accept', 'reject', 'ban', 'filter']);

/** ChatClient methods (WeChat notifications); client.js installs them on ChatClient.prototype (a partial class). */
export class ClientNotify {
  /** The template ids to ask the user for (welcome.notify.templates); empty when the server sends no WeChat notifications. */
  get notifyTemplates() {
    const notify = this.welcome && this.welcome.notify;
    return notify && Array.isArray(notify.templates) ? [...notify.templates] : [];
  }

  /**
   * Reports what wx.requestSubscribeMessage answered ({errMsg, [templateId]: 'accept'|'reject'|'ban'|'filter'}):
   * sends `notify.credits` with the template answers (errMsg and anything else left out) and resolves with the
   * user's credits per offered template ({templateId: count}). Rejects with a TypeError when the answer names no
   * template, and like any request otherwise.
   */
  reportNotifyCredits(result) {
    const results = {};
    for (const [templateId, decision] of Object.entries(result || {})) {
      if (DECISIONS.has(decision)) results[templateId] = decision;
    }
    if (Object.keys(results).length === 0) {
      return Promise.reject(new TypeError('reportNotifyCredits needs the answer of wx.requestSubscribeMessage (template ids to accept, reject, ban or filter)'));
    }
    return this.request({ type: 'notify.credits', results }).then((reply) => reply.credits);
  }
}
