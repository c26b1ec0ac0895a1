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
}

export function closeSidebar() {
  $('sidebar').classList.remove('open');
  $('menu-btn').setAttribute('aria-expanded', 'false');
}
