// Where the gateway runs. In production this must be an https/wss domain registered in the mini-program's
// "request" and "socket" legal domains; for local development disable the domain check in the IDE.
module.exports = {
  BASE_URL: 'https://chat.example.com',
  ROOM: 'lobby',
  PAGE_SIZE: 30,
};
