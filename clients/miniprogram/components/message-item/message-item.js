// One chat message: text, image (thumbnail; tap previews the full image), voice (tap plays), a recalled
// placeholder, or an upload in progress; ticks on your own (✓ sent, ✓✓ read); long-press asks the page to recall.
let playing = null; // one voice message plays at a time across the page

Component({
  properties: { message: { type: Object, value: {} } },
  methods: {
    onSender() {
      this.triggerEvent('sendertap', { user: this.properties.message.from });
    },
    onLongPress() {
      this.triggerEvent('messagelongpress', { message: this.properties.message });
    },
    preview() {
      const url = this.properties.message.body.url;
      wx.previewImage({ urls: [url], current: url });
    },
    play() {
      if (playing) playing.stop();
      if (!this.audio) this.audio = wx.createInnerAudioContext();
      playing = this.audio;
      this.audio.src = this.properties.message.body.url;
      this.audio.play();
    },
  },
  lifetimes: {
    detached() {
      if (this.audio) {
        if (playing === this.audio) playing = null;
        this.audio.destroy();
      }
    },
  },
});
