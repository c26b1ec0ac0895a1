// Small page helpers: element lookup, the toast, and the sidebar that slides in at phone width.
export const $ = (id) => document.getElementById(id);

let toastTimer = null;
export function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($('toast').hidden = true), 3500);
}

export function setupSidebar() {
  $('menu-btn').addEventListener('click', () => {
    const open = $('sidebar').classList.toggle('open');
    $('menu-btn').setAttribute('aria-expanded', String(open));
  });
  // At phone width the drawer covers the menu button: a tap on the conversation beside it closes it.
  document.querySelector('.conversation').addEventListener('click', () => {
    if ($('sidebar').classList.contains('open')) closeSidebar();
  });
}

export function closeSidebar() {
  $('sidebar').classList.remove('open');
  $('menu-btn').setAttribute('aria-expanded', 'false');
}

export function openSidebar() {
  $('sidebar').classList.add('open');
  $('menu-btn').setAttribute('aria-expanded', 'true');
}
