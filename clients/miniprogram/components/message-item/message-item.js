// One chat message: text, image (tap to preview) or audio (tap to play).
Component({
  properties: { message: { type: Object, value: {} } },
  methods: {
    onSender() {
      this.triggerEvent('sendertap', { user: this.properties.message.from });
    },
    preview() {
      const url = this.properties.message.body.url;
      wx.previewImage({ urls: [url], current: url });
    },
    play() {
      if (!this.audio) this.audio = wx.createInnerAudioContext();
      this.audio.src = this.properties.message.body.url;
      this.audio.play();
    },
  },
  lifetimes: {
    detached() {
      if (this.audio) this.audio.destroy();
    },
  },
});
