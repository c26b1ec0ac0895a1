// Connection indicator: connected / reconnecting / offline.
const chat = require('../../utils/chat');

const LABELS = { idle: 'offline', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', closed: 'offline' };

Component({
  data: { state: 'idle', label: LABELS.idle },
  lifetimes: {
    attached() {
      const show = (state) => this.setData({ state, label: LABELS[state] || state });
      show(chat.state);
      this.off = chat.onState(show);
    },
    detached() {
      if (this.off) this.off();
    },
  },
});
