// The admin API through the dashboard's session cookie: JSON in and out, the CSRF token on every change.
let csrf = null;
let onSignedOut = () => {};

export function setSession(session, signedOut) {
  csrf = session ? session.csrf_token : null;
  if (signedOut) onSignedOut = signedOut;
}

export class ApiError extends Error {
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function send(path, { method = 'GET', body, headers = {} } = {}) {
  const h = { ...headers };
  if (body !== undefined) h['content-type'] = 'application/json';
  if (method !== 'GET' && csrf) h['x-csrf-token'] = csrf;
  return fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' });
}

export async function api(path, options = {}) {
  const r = await send(path, options);
  if (r.status === 204) return null;
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!r.ok) {
    const message = (data && data.error && data.error.message) || `${r.status} ${r.statusText}`;
    if (r.status === 401 && !options.quiet) onSignedOut();
    throw new ApiError(r.status, message, data && data.error && data.error.code);
  }
  return data;
}

export async function download(path, filename) {
  const r = await send(path);
  if (!r.ok) {
    let message = `${r.status} ${r.statusText}`;
    try { message = (await r.json()).error.message; } catch { /* not JSON */ }
    throw new ApiError(r.status, message);
  }
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}

export async function signIn(key) {
  const r = await fetch('/dashboard/api/session', { method: 'POST', headers: { authorization: 'Bearer ' + key }, credentials: 'same-origin', cache: 'no-store' });
  const data = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, (data && data.error && data.error.message) || `${r.status} ${r.statusText}`);
  return data;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.filter(x => x !== '' && x != null).forEach(x => q.append(k, x));
    else if (v !== '' && v != null && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
