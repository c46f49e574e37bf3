// Small DOM helpers: elements from data (text only — nothing the API returns is ever parsed as HTML), formats, tables, panels.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function money(value, currency = 'USD') {
  if (value == null || value === '') return '–';
  const n = Number(value);
  const digits = Math.abs(n) >= 1 || n === 0 ? 2 : Math.abs(n) >= 0.01 ? 4 : 6;
  const text = n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: digits });
  return currency === 'USD' ? '$' + text : text + ' ' + currency;
}

export function number(value) {
  return value == null ? '–' : Number(value).toLocaleString('en-US');
}

export function percent(value, digits = 1) {
  return value == null ? '–' : Number(value).toFixed(digits) + ' %';
}

export function ratio(value) {
  return value == null ? '–' : (Number(value) * 100).toFixed(1) + ' %';
}

/** A change in percent with its direction spelled out (▲ up, ▼ down) so it reads without colour. */
export function change(value) {
  if (value == null) return h('span', { class: 'change flat', title: 'no earlier spend to compare with' }, 'new');
  const n = Number(value);
  const cls = n > 0 ? 'up' : n < 0 ? 'down' : 'flat';
  const arrow = n > 0 ? '▲ +' : n < 0 ? '▼ ' : '= ';
  return h('span', { class: 'change ' + cls }, arrow + n.toFixed(1) + ' %');
}

export function when(value) {
  if (!value) return '–';
  const d = new Date(value);
  return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** A table: columns are [header, row => cell, {num: true}]; wrapped so it scrolls sideways on a narrow screen. */
export function table(columns, rows, { caption, onRow, empty = 'Nothing yet.' } = {}) {
  if (!rows || rows.length === 0) return h('p', { class: 'muted' }, empty);
  const head = h('tr', null, columns.map(([title, , o]) => h('th', { scope: 'col', class: o && o.num ? 'num' : null }, title)));
  const body = rows.map(row => {
    const tr = h('tr', null, columns.map(([, cell, o]) => h('td', { class: o && o.num ? 'num' : null }, cell(row))));
    if (onRow) {
      tr.classList.add('link');
      tr.tabIndex = 0;
      tr.addEventListener('click', () => onRow(row));
      tr.addEventListener('keydown', e => { if (e.key === 'Enter') onRow(row); });
    }
    return tr;
  });
  return h('div', { class: 'scroll' }, h('table', null, caption ? h('caption', null, caption) : null, h('thead', null, head), h('tbody', null, body)));
}

/** A titled section whose body shows a loading note, then what render() gives, or the API's error message. */
export function panel(title, { id, wide } = {}) {
  const body = h('div', { class: 'body' }, h('p', { class: 'muted' }, 'Loading…'));
  const section = h('section', { class: 'panel' + (wide ? ' wide' : ''), id, 'aria-busy': 'true' }, h('h2', null, title), body);
  return {
    section,
    body,
    show(...content) { section.setAttribute('aria-busy', 'false'); clear(body, ...content); },
    fail(error) { section.setAttribute('aria-busy', 'false'); clear(body, h('p', { class: 'error', role: 'alert' }, error.message || String(error))); },
  };
}

export function field(label, input, hint) {
  return h('label', { class: 'field' }, h('span', null, label), input, hint ? h('small', { class: 'muted' }, hint) : null);
}

export function select(name, options, value) {
  return h('select', { name }, options.map(o => {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, text);
  }));
}

/** Today's date (YYYY-MM-DD) in a time zone, and the date n days before it. */
export function today(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

export function daysBefore(date, n) {
  const d = new Date(date + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() - n);
  return d.toISOString().slice(0, 10);
}

export function browserZone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'; } catch { return 'UTC'; }
}
