// The connection-state bar: connected (and whether the session is encrypted) / connecting / reconnecting / offline.
const chat = require('../../utils/chat');

const LABELS = { idle: 'offline', connecting: 'connecting…', connected: 'connected', reconnecting: 'reconnecting…', closed: 'offline' };

Component({
  data: { state: 'idle', label: LABELS.idle },
  lifetimes: {
    attached() {
      const show = (state) => {
        const label = LABELS[state] || state;
        this.setData({ state, label: state === 'connected' && chat.encrypted ? `${label} · encrypted` : label });
      };
      show(chat.state);
      this.off = chat.on('state', show);
    },
    detached() {
      if (this.off) this.off();
    },
  },
});
