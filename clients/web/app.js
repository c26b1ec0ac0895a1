// OrleansChat web client: plain ES modules on top of the SDK (served at /sdk/ by the gateway); this file boots the page.
// One file per concern: session.js (login), connection-ui.js (client and state), conversation-list.js, thread.js,
// composer.js, rooms.js, dm-flows.js, media-ui.js; state.js holds what they share, ui.js the small helpers.
import { app } from './state.js';
import { setupSidebar } from './ui.js';
import { setupSession, resumableSession } from './session.js';
import { start, showState, followVisibility } from './connection-ui.js';
import { setupConversationList } from './conversation-list.js';
import { setupThread } from './thread.js';
import { setupComposer } from './composer.js';
import { setupRooms } from './rooms.js';
import { setupDms } from './dm-flows.js';

setupSession(start);
followVisibility();
setupThread();
setupRooms();
setupDms();
setupComposer();
setupConversationList();
setupSidebar();

app.session = resumableSession();
if (app.session) start();
else showState('idle');
