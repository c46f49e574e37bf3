// The dashboard: sign-in, navigation (#/page?filters), and refreshing the shown page every 30 s while the tab is visible.
import { api, signIn, setSession } from './api.js';
import { h, clear, browserZone } from './ui.js';
import * as pages from './pages.js';

const ADMIN_PAGES = [
  ['overview', 'Overview'], ['explore', 'Explore'], ['calls', 'Calls'], ['providers', 'Providers'], ['budgets', 'Budgets'],
  ['alerts', 'Alerts'], ['recommendations', 'Recommendations'], ['reconciliation', 'Reconciliation'], ['keys', 'Keys'],
];
const KEY_PAGES = [['me', 'My usage']];
const REFRESH_MS = 30000;

const view = document.getElementById('view');
const nav = document.getElementById('nav');
const who = document.getElementById('who');
let session = null;
let refresh = null;
let running = null;
let last = 0;
let generation = 0;

function parseHash() {
  const text = location.hash.replace(/^#\/?/, '');
  const [name, qs] = text.split('?');
  return [name, new URLSearchParams(qs || '')];
}

function go(name, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v != null) q.set(k, v);
  const hash = `#/${name}${q.toString() ? '?' + q : ''}`;
  if (location.hash === hash) route();
  else location.hash = hash;
}

function signedOut() {
  session = null;
  setSession(null);
  showSignIn('Your session has ended: sign in again.');
}

function showSignIn(note) {
  refresh = null;
  clear(nav);
  clear(who);
  const input = h('input', { id: 'signin-key', name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('div');
  const form = h('form', { class: 'signin', id: 'signin' },
    h('h1', null, 'Sign in'),
    h('p', null, 'Use the admin key for the whole dashboard, or a virtual key (tg-…) to see your own usage. The key is exchanged for a session and is not kept in the browser.'),
    h('label', { class: 'field' }, h('span', null, 'Admin key or virtual key'), input),
    error,
    h('button', { type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      const key = input.value.trim();
      input.value = '';
      session = await signIn(key);
      setSession(session, signedOut);
      go(session.role === 'admin' ? 'overview' : 'me');
    } catch (err) {
      clear(error, h('p', { class: 'error', role: 'alert' }, err.message));
    }
  });
  clear(view, note ? h('p', { class: 'notice', role: 'status' }, note) : null, form);
  view.dataset.loaded = 'true';
  input.focus();
}

function renderChrome(name) {
  const list = session.role === 'admin' ? ADMIN_PAGES : KEY_PAGES;
  clear(nav, h('ul', null, list.map(([id, text]) => h('li', null, h('a', { href: `#/${id}`, 'aria-current': id === name ? 'page' : null }, text)))));
  const out = h('button', { type: 'button', class: 'secondary', id: 'signout' }, 'Sign out');
  out.addEventListener('click', async () => {
    try { await api('/dashboard/api/logout', { method: 'POST' }); } catch { /* signed out either way */ }
    session = null;
    setSession(null);
    history.replaceState(null, '', '#/');
    showSignIn('Signed out.');
  });
  clear(who, session.role === 'admin' ? 'admin' : `${session.key.id} (${session.key.tenant})`, ' ', out);
}

function route() {
  if (!session) { showSignIn(); return; }
  let [name, params] = parseHash();
  const allowed = session.role === 'admin' ? ADMIN_PAGES : KEY_PAGES;
  if (!allowed.some(([id]) => id === name)) name = allowed[0][0];
  renderChrome(name);
  generation++;
  view.dataset.loaded = 'false';
  view.dataset.page = name;
  const ctx = { session, params, zone: browserZone(), go };
  refresh = pages[name](view, ctx);
  document.title = `Tollgate · ${allowed.find(([id]) => id === name)[1]}`;
  running = null;
  run(true);
}

/** One refresh at a time: a tick that finds the last still running skips, so a slow API never piles requests up. */
async function run(force) {
  if (!refresh || (running && !force) || (document.hidden && !force)) return;
  const mine = generation;
  const current = refresh();
  running = current;
  try {
    await current;
  } finally {
    if (running === current) running = null;
    last = Date.now();
    if (mine === generation) view.dataset.loaded = 'true';
  }
}

setInterval(() => { if (!document.hidden && Date.now() - last >= REFRESH_MS) run(false); }, 1000);
document.addEventListener('visibilitychange', () => { if (!document.hidden && Date.now() - last >= REFRESH_MS) run(false); });
window.addEventListener('hashchange', route);

(async () => {
  try {
    const current = await api('/dashboard/api/session', { quiet: true });
    session = current && current.signed_in ? current : null;
    setSession(session, signedOut);
  } catch {
    session = null;
  }
  route();
})();
