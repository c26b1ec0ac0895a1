// A message's menu (its "⋯" button): recall (mine, or anyone's in a room I moderate: the server decides, and a refusal
// says why), delete for me (msg.delete, on all my devices) and, in rooms, who has read my message (conv.readers, when
// the server has it).
import { app } from './state.js';
import { toast } from './ui.js';
import { render } from './thread.js';
import { readersOf, receiptOf } from './read-state.js';

let open = null; // {conv, seq} of the message whose menu is open

export function isMenuOpen(conv, seq) {
  return !!open && open.conv === conv && open.seq === seq;
}

export function toggleMenu(conv, seq) {
  open = isMenuOpen(conv, seq) ? null : { conv, seq };
  render(false);
}

export function messageMenu(c, m, mine) {
  const menu = document.createElement('div');
  menu.className = 'msg-menu';
  menu.setAttribute('role', 'menu');
  const item = (label, className, run) => {
    const b = document.createElement('button');
    b.className = className;
    b.textContent = label;
    b.setAttribute('role', 'menuitem');
    b.addEventListener('click', async () => {
      open = null;
      render(false);
      await run();
    });
    menu.append(b);
  };
  // Room owners and admins may recall anyone's message; the page does not track roles, the server says no to others.
  if (mine || c.kind === 'room') item('Recall', 'recall', () => recall(c.conv, m.seq, mine));
  item('Delete for me', 'delete', () => deleteForMe(c.conv, m.seq));
  // Only where the room's receipts count readers: a server without room receipts gets no question it cannot answer.
  if (mine && c.kind === 'room' && receiptOf(c, m.seq)) item('Read by…', 'readers', () => showReaders(c.conv, m.seq));
  return menu;
}

const RECALL_ERRORS = {
  forbidden: 'Too late to recall: messages can be recalled for a short while after sending',
  forbiddenOthers: "Only the room's owner and admins may recall others' messages",
  conflict: 'This message was already recalled',
  not_found: 'That message is gone',
};

async function recall(conv, seq, mine) {
  try {
    await app.store.recall(conv, seq);
    // The recall comes back as a message of its own (to every device and member): that turns this one into the placeholder.
  } catch (err) {
    const reason = err.code === 'forbidden' && !mine ? RECALL_ERRORS.forbiddenOthers : RECALL_ERRORS[err.code];
    toast(`Recall: ${reason || err.message}`);
  }
}

async function deleteForMe(conv, seq) {
  try {
    await app.store.deleteForMe(conv, seq); // msg.deleted follows on every device of mine, this one included
  } catch (err) {
    toast(`Delete: ${err.code || err.message}`);
  }
}

export async function showReaders(conv, seq) {
  try {
    const names = await readersOf(conv, seq);
    toast(names.length ? `Read by ${names.join(', ')}` : 'Nobody has read it yet');
  } catch (err) {
    toast(`Read by: ${err.code || err.message}`);
  }
}
