// The dashboard's pages. Each builds its panels once and returns refresh(): one API request per panel (the overview's
// first four panels share one), re-run by the app every 30 s while the tab is visible.
import { api, download, query, ApiError } from './api.js';
import { h, clear, money, number, percent, ratio, change, when, table, panel, field, select, today, daysBefore } from './ui.js';
import { timeChart, gauge, bars, heatmap } from './charts.js';

const DIMENSIONS = ['provider', 'model', 'tenant', 'project', 'user', 'key', 'api'];
const FILTERS = ['tenant', 'project', 'user', 'provider', 'model', 'key'];
const DRILL = { model: 'tenant', provider: 'model', tenant: 'key', project: 'user', user: 'key', api: 'model' };

async function load(p, fetcher, render) {
  try {
    p.show(render(await fetcher()));
  } catch (e) {
    p.fail(e);
  }
}

/** Several panels from one request. */
async function loadMany(panels, fetcher, renders) {
  try {
    const data = await fetcher();
    panels.forEach((p, i) => p.show(renders[i](data)));
  } catch (e) {
    panels.forEach(p => p.fail(e));
  }
}

function grid(...panels) {
  return h('div', { class: 'grid' }, panels.map(p => p.section));
}

function range(ctx, days = 30) {
  const to = ctx.params.get('to') || today(ctx.zone);
  return { from: ctx.params.get('from') || daysBefore(to, days - 1), to, tz: ctx.zone };
}

function message(el, text, kind = 'ok') {
  clear(el, text ? h('p', { class: kind === 'ok' ? 'notice' : 'error', role: kind === 'ok' ? 'status' : 'alert' }, text) : null);
}

function dayOf(instant, zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));
}

function runOut(r) {
  if (!r) return 'not enough history';
  if (!r.p50) return `not before reset (${Math.round(r.probability_before_reset * 100)} % chance)`;
  return `${when(r.p50)} (P10 ${r.p10 ? when(r.p10) : 'after reset'} – P90 ${r.p90 ? when(r.p90) : 'after reset'})`;
}

function budgetCard(b) {
  return h('div', { class: 'budget' },
    gauge(b.used, b.id),
    h('div', null,
      h('strong', null, b.name || b.id), ' ', h('span', { class: 'muted' }, `${b.scope || 'global'} · ${b.period} · ${b.enforcement}`),
      h('dl', { class: 'facts' },
        h('dt', null, 'Spent'), h('dd', null, `${money(b.spent, b.currency)} of ${money(b.limit, b.currency)}`),
        h('dt', null, 'Held'), h('dd', null, money(b.held, b.currency)),
        h('dt', null, 'Remaining'), h('dd', null, money(b.remaining, b.currency)),
        h('dt', null, 'Run-out'), h('dd', null, runOut(b.run_out)),
        h('dt', null, 'Resets'), h('dd', null, b.resets_at ? when(b.resets_at) : 'never'))));
}

function scopeText(scope) {
  if (!scope || typeof scope === 'string') return scope || 'global';
  const parts = Object.entries(scope).map(([k, v]) => `${k}=${v}`);
  return parts.length ? parts.join(',') : 'global';
}

function healthRows(providers) {
  return table([
    ['Provider', p => p.name],
    ['State', p => p.enabled ? 'enabled' : 'disabled'],
    ['Circuit', p => p.health ? p.health.circuit : '–'],
    ['Success (live)', p => p.health && p.health.success_rate != null ? ratio(p.health.success_rate) : '–', { num: true }],
    ['p50 / p95 ms', p => p.health && p.health.latency_p50_ms != null ? `${Math.round(p.health.latency_p50_ms)} / ${Math.round(p.health.latency_p95_ms)}` : '–', { num: true }],
    ['Month', p => money(p.month_cost), { num: true }],
    ['Requests', p => number(p.requests), { num: true }],
  ], providers, { empty: 'No providers configured.' });
}

function alertList(alerts) {
  if (!alerts.length) return h('p', { class: 'muted' }, 'No alerts.');
  return h('ul', { class: 'alerts' }, alerts.map(a => h('li', { class: 'sev-' + a.severity },
    h('span', { class: 'tag' }, a.severity.toUpperCase()), ' ', h('time', { datetime: a.at }, when(a.at)), ' ', a.message,
    a.acknowledged ? h('span', { class: 'muted' }, ' (acknowledged)') : null)));
}

function topTable(ctx, by, report) {
  const rows = report.groups;
  return [
    bars(rows, { value: r => Number(r.cost), label: r => r.key, format: v => money(v) }),
    table([
      [by[0].toUpperCase() + by.slice(1), r => r.key],
      ['Cost', r => money(r.cost), { num: true }],
      ['Share', r => percent(r.share_percent), { num: true }],
      ['vs previous 30 days', r => change(r.change_percent), { num: true }],
    ], rows, { onRow: r => r.key !== 'other' && r.key !== '(none)' && ctx.go('explore', { by: DRILL[by] || 'model', [by]: r.key }) }),
  ];
}

export function overview(view, ctx) {
  const spend = panel('Spend', { id: 'spend' });
  const chart = panel('Spend over time, forecast and anomalies', { id: 'chart', wide: true });
  const budgets = panel('Budgets', { id: 'budgets' });
  const health = panel('Provider health', { id: 'health' });
  const alerts = panel('Recent alerts', { id: 'alerts' });
  const tops = ['model', 'tenant', 'key'].map(by => [by, panel(`Top ${by}s (30 days)`, { id: 'top-' + by })]);
  clear(view, h('h1', null, 'Overview'), grid(spend, chart, budgets, health, alerts, ...tops.map(t => t[1])));
  return () => {
    const r = range(ctx);
    return Promise.all([
      loadMany([spend, budgets, health, alerts], () => api('/admin/overview' + query({ tz: ctx.zone })), [
        o => [
          o.emergency ? h('p', { class: 'error', role: 'alert' }, `Emergency mode since ${when(o.emergency.since)}: ${o.emergency.reason}`) : null,
          h('div', { class: 'kpis' }, [['Today', o.spend.today, 'yesterday'], ['This month', o.spend.month, 'last month']].map(([name, p, before]) =>
            h('div', { class: 'kpi' }, h('span', { class: 'muted' }, name), h('strong', { class: 'big' }, money(p.cost)), change(p.change_percent),
              h('small', { class: 'muted' }, `${money(p.previous_cost)} ${before} at the same point · ${number(p.requests)} requests`)))),
        ],
        o => o.budgets.length ? h('div', { class: 'budgets' }, o.budgets.map(budgetCard)) : h('p', { class: 'muted' }, 'No budgets. Create one on the Budgets page.'),
        o => healthRows(o.providers),
        o => [alertList(o.alerts), h('p', { class: 'muted' }, `${o.alerts_in_window} in the last ${o.alert_window_hours} h`)],
      ]),
      load(chart, () => api('/admin/overview/chart' + query({ ...r })), ({ trend, forecast, anomalies }) => {
        const fc = (forecast.groups[0] || { points: [] }).points;
        return [
          timeChart({
            points: trend.points.map(p => ({ label: p.label, value: Number(p.cost) })),
            forecast: fc.map(p => ({ label: String(p.start).slice(0, 10), p50: Number(p.p50), lo80: Number(p.lo80), hi80: Number(p.hi80), lo95: Number(p.lo95), hi95: Number(p.hi95) })),
            markers: anomalies.map(a => ({ label: dayOf(a.at, ctx.zone), text: a.message })),
            format: v => money(v),
          }),
          h('p', { class: 'legend' }, '● solid line: spend per day · ■ dashed line: forecast median, shaded: 80 % and 95 % bands · ▼ anomaly. ',
            `Trend ${trend.direction}${trend.significant ? ' (significant)' : ''}; next 7 days ≈ ${money(fc.reduce((s, p) => s + Number(p.p50), 0))}.`),
        ];
      }),
      ...tops.map(([by, p]) => load(p, () => api('/admin/analytics/breakdown' + query({ by, top: 5, compare: 'previous', ...r })), report => topTable(ctx, by, report))),
    ]);
  };
}

function filterForm(ctx, page, fields, extra = []) {
  const form = h('form', { class: 'filters', 'aria-label': 'Filters' },
    fields.map(([name, label, input]) => field(label, input || h('input', { name, value: ctx.params.get(name) || '', autocomplete: 'off' }))),
    extra,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Apply'), h('button', { type: 'reset', class: 'secondary' }, 'Clear')));
  form.addEventListener('submit', e => {
    e.preventDefault();
    const params = {};
    for (const [k, v] of new FormData(form)) if (v !== '') params[k] = v;
    ctx.go(page, params);
  });
  form.addEventListener('reset', e => { e.preventDefault(); ctx.go(page, {}); });
  return form;
}

function filterParams(ctx, names = FILTERS) {
  const out = {};
  for (const n of names) if (ctx.params.get(n)) out[n] = ctx.params.get(n);
  return out;
}

export function explore(view, ctx) {
  const by = ctx.params.get('by') || 'model';
  const r = range(ctx);
  const tz = ctx.params.get('tz') || ctx.zone;
  const bucket = ctx.params.get('bucket') || 'day';
  const compare = ctx.params.get('compare') === 'previous';
  const filters = filterParams(ctx);
  const tag = ctx.params.get('tag') || '';
  const common = { from: r.from, to: r.to, tz, ...filters };
  const form = filterForm(ctx, 'explore', [
    ['by', 'Group by', h('input', { name: 'by', value: by, list: 'dims', autocomplete: 'off' })],
    ['from', 'From', h('input', { name: 'from', type: 'date', value: r.from })],
    ['to', 'To (included)', h('input', { name: 'to', type: 'date', value: r.to })],
    ['tz', 'Time zone', h('input', { name: 'tz', value: tz, autocomplete: 'off' })],
    ['bucket', 'Bucket', select('bucket', ['hour', 'day', 'week', 'month'], bucket)],
    ...FILTERS.map(n => [n, n[0].toUpperCase() + n.slice(1)]),
    ['tag', 'Tag (KEY=VALUE)'],
  ], [
    h('datalist', { id: 'dims' }, DIMENSIONS.map(d => h('option', { value: d })), h('option', { value: 'tag:feature' })),
    h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'compare', value: 'previous', checked: compare }), ' Compare with the previous period'),
  ]);
  const status = h('div');
  const exportButton = h('button', { type: 'button', class: 'secondary', id: 'export-csv' }, 'Export records (CSV)');
  exportButton.addEventListener('click', async () => {
    try {
      await download('/admin/export' + query({ format: 'csv', tag, ...common }), `tollgate-${r.from}-${r.to}.csv`);
      message(status, 'Exported: the same rows as tollgate export --format csv for this filter.');
    } catch (e) {
      message(status, e.message, 'error');
    }
  });
  const breakdown = panel(`Spend by ${by}`, { id: 'breakdown', wide: true });
  const trend = panel(`Spend per ${bucket}`, { id: 'trend', wide: true });
  const patterns = panel(`When the money is spent (${tz})`, { id: 'patterns', wide: true });
  const crumbs = Object.entries(tag ? { ...filters, tag } : filters).map(([k, v]) => h('span', { class: 'tag' }, `${k} = ${v}`));
  clear(view, h('h1', null, 'Explore'), form, h('div', { class: 'toolbar' }, crumbs, exportButton), status, grid(breakdown, trend, patterns));
  return () => Promise.all([
    load(breakdown, () => api('/admin/analytics/breakdown' + query({ by, tag, compare: compare ? 'previous' : '', ...common })), report => [
      h('p', null, h('strong', null, money(report.total)), ' in total', report.previous_total != null ? [' · previous period ', money(report.previous_total), ' ', change(report.change_percent)] : null),
      table([
        [by, g => g.key],
        ['Cost', g => money(g.cost), { num: true }],
        ['Share', g => percent(g.share_percent), { num: true }],
        ['Requests', g => number(g.requests), { num: true }],
        ['Success', g => ratio(g.success_rate), { num: true }],
        ['Tokens in / out', g => `${number(g.input_tokens)} / ${number(g.output_tokens)}`, { num: true }],
        ['Per request', g => money(g.avg_cost_per_request), { num: true }],
        ['Per 1k tokens', g => money(g.cost_per_1k_tokens), { num: true }],
        ['Out / in', g => g.output_input_ratio, { num: true }],
        ['Cache read', g => ratio(g.cache_read_share), { num: true }],
        ['Reasoning', g => ratio(g.reasoning_share), { num: true }],
        ...(compare ? [['Change', g => change(g.change_percent), { num: true }]] : []),
      ], report.groups, {
        caption: 'Select a row to drill down',
        onRow: g => {
          if (g.key === 'other' || g.key === '(none)') return;
          const params = Object.fromEntries(ctx.params);
          if (by.startsWith('tag:')) ctx.go('explore', { ...params, tag: `${by.slice(4)}=${g.key}`, by: 'model' });
          else if (by === 'key') ctx.go('calls', { ...filters, tag, key: g.key, from: r.from, to: r.to, tz });
          else if (FILTERS.includes(by)) ctx.go('explore', { ...params, [by]: g.key, by: DRILL[by] || 'model' });
        },
      }),
    ]),
    load(trend, () => api('/admin/analytics/trend' + query({ bucket, tag, ...common })), t => [
      timeChart({ points: t.points.map(p => ({ label: p.label, value: Number(p.cost) })), format: v => money(v) }),
      h('p', { class: 'legend' }, `Trend ${t.direction}${t.significant ? ' (significant)' : ''}, p = ${t.p_value}.`),
    ]),
    load(patterns, () => api('/admin/analytics/patterns' + query({ tag, ...common })), p => [
      heatmap(p.cells.map(c => ({ day: c.day, hour: c.hour, value: Number(c.cost), requests: c.requests })), { format: v => money(v) }),
      h('p', { class: 'legend' }, `The stronger the shade, the more spend (hover a cell for its figure). Peak hours: ${p.peak_hours.map(x => String(x).padStart(2, '0') + ':00').join(', ') || '–'}; `,
        `weekdays ${money(p.weekdays.cost)}, weekend ${money(p.weekend.cost)}.`),
    ]),
  ]);
}

function recordRows(ctx, records, detailPath) {
  return table([
    ['Time', c => when(c.timestamp)],
    ['Request', c => c.request_id + (c.attempt > 1 ? ` #${c.attempt}` : '')],
    ['Model', c => `${c.provider}/${c.model}`],
    ['Tenant', c => c.tenant || '–'],
    ['Key', c => c.key_id || '–'],
    ['Tokens in / out', c => `${number(c.input_tokens + c.cache_read_tokens + c.cache_write_tokens)} / ${number(c.output_tokens)}`, { num: true }],
    ['Cost', c => money(c.cost_usd), { num: true }],
    ['Latency', c => `${number(c.latency_ms)} ms`, { num: true }],
    ['Status', c => [c.success ? 'ok' : `failed (${c.error_class || 'error'})`, c.estimated ? ' · estimated' : '', c.unpriced ? ' · unpriced' : '']],
  ], records, { onRow: c => ctx.go(detailPath, { ...Object.fromEntries(ctx.params), call: c.request_id }), empty: 'No calls in this range.' });
}

function callDetail(d) {
  const tokens = a => a.input_tokens + a.cache_read_tokens + a.cache_write_tokens + a.output_tokens;
  return [
    h('p', null, h('code', null, d.request_id), ' · ', d.attempts.length, d.attempts.length === 1 ? ' attempt' : ' attempts', ' · total ', h('strong', null, money(d.total_cost_usd))),
    table([
      ['#', a => a.attempt],
      ['Provider / model', a => `${a.provider}/${a.model}`],
      ['Uncached in', a => number(a.input_tokens), { num: true }],
      ['Cache read', a => number(a.cache_read_tokens), { num: true }],
      ['Cache write', a => number(a.cache_write_tokens), { num: true }],
      ['Output', a => number(a.output_tokens), { num: true }],
      ['Reasoning', a => number(a.reasoning_tokens), { num: true }],
      ['Input / output cost', a => `${money(a.input_cost_usd)} / ${money(a.output_cost_usd)}`, { num: true }],
      ['Per 1k tokens', a => tokens(a) ? money((Number(a.cost_usd) * 1000) / tokens(a)) : '–', { num: true }],
      ['Price source', a => a.price_source || '–'],
      ['Flags', a => [a.success ? 'ok' : `failed: ${a.error_class || 'error'}`, a.estimated ? ', estimated usage' : '', a.unpriced ? ', UNPRICED' : ''].join('')],
    ], d.attempts),
    h('h3', null, 'Budgets that count this call'),
    d.budgets.length ? h('ul', null, d.budgets.map(b => h('li', null, `${b.id} (${b.scope || 'global'}, ${b.enforcement})`))) : h('p', { class: 'muted' }, 'None.'),
  ];
}

export function calls(view, ctx) {
  const names = FILTERS;
  const form = filterForm(ctx, 'calls', [...names.map(n => [n, n[0].toUpperCase() + n.slice(1)]), ['tag', 'Tag (KEY=VALUE)'], ['from', 'From', h('input', { name: 'from', type: 'date', value: ctx.params.get('from') || '' })], ['to', 'To (included)', h('input', { name: 'to', type: 'date', value: ctx.params.get('to') || '' })]]);
  const list = panel('Recent calls', { id: 'calls', wide: true });
  const call = ctx.params.get('call');
  const detail = call ? panel('Call ' + call, { id: 'call-detail', wide: true }) : null;
  clear(view, h('h1', null, 'Calls'), form, grid(...(detail ? [detail] : []), list));
  const f = { ...filterParams(ctx, names), tag: ctx.params.get('tag') || '', from: ctx.params.get('from') || '', to: ctx.params.get('to') || '', tz: ctx.params.get('tz') || ctx.zone };
  return () => Promise.all([
    load(list, () => api('/admin/calls' + query({ limit: 50, ...f })), d => recordRows(ctx, d.data, 'calls')),
    detail ? load(detail, () => api(`/admin/calls/${encodeURIComponent(call)}`), callDetail) : null,
  ]);
}

export function providers(view, ctx) {
  const list = panel('Providers', { id: 'providers', wide: true });
  const byProvider = panel('Providers side by side (30 days)', { id: 'compare-provider', wide: true });
  const byModel = panel('Models side by side (30 days)', { id: 'compare-model', wide: true });
  const status = h('div', { id: 'provider-status' });
  const providerSelect = h('select', { name: 'provider', id: 'model-provider' });
  const modelForm = h('form', { class: 'filters', id: 'model-form', 'aria-label': 'Disable one model' },
    h('h2', { class: 'full' }, 'Disable one model'),
    field('Provider', providerSelect),
    field('Model', h('input', { name: 'model', id: 'model-name', autocomplete: 'off', required: true, placeholder: 'gpt-4o' }), 'routing stops choosing it on that provider'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Disable model')));
  modelForm.addEventListener('submit', async e => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(modelForm));
    await act(`/admin/providers/${encodeURIComponent(data.provider)}/models/disable`, { model: data.model });
    modelForm.elements.model.value = '';
  });
  const names = providers => {
    const wanted = providers.map(p => p.name).join('\n');
    if (providerSelect.dataset.names !== wanted) {
      clear(providerSelect, providers.map(p => h('option', { value: p.name }, p.name)));
      providerSelect.dataset.names = wanted;
    }
  };
  clear(view, h('h1', null, 'Providers & models'), status, grid(list, byProvider, byModel), modelForm);
  const act = async (path, body) => {
    try {
      await api(path, { method: 'POST', body });
      message(status, 'Saved.');
      refresh();
    } catch (e) {
      message(status, e.message, 'error');
    }
  };
  const compareTable = c => table([
    [c.by, r => r.key],
    ['Cost', r => money(r.cost), { num: true }],
    ['Requests', r => number(r.requests), { num: true }],
    ['Success', r => ratio(r.success_rate), { num: true }],
    ['p50 / p95 ms', r => `${r.latency_p50_ms ?? '–'} / ${r.latency_p95_ms ?? '–'}`, { num: true }],
    ['Per request', r => money(r.avg_cost_per_request), { num: true }],
    ['Per 1k output', r => money(r.cost_per_1k_output_tokens), { num: true }],
    ['Cache hits', r => ratio(r.cache_hit_rate), { num: true }],
    ['Efficiency', r => r.efficiency_score, { num: true }],
  ], c.rows, { caption: c.note });
  const r = range(ctx);
  const refresh = () => Promise.all([
    load(list, () => api('/admin/providers'), d => (names(d.data), table([
      ['Provider', p => p.name],
      ['API', p => p.api],
      ['Priced as', p => p.priced_as],
      ['State', p => p.enabled ? 'enabled' : 'disabled'],
      ['Preferred for', p => p.preferred_for.join(', ') || '–'],
      ['Circuit', p => p.health.circuit],
      ['Success', p => p.health.success_rate != null ? ratio(p.health.success_rate) : '–', { num: true }],
      ['p50 / p95 ms', p => p.health.latency_p50_ms != null ? `${Math.round(p.health.latency_p50_ms)} / ${Math.round(p.health.latency_p95_ms)}` : '–', { num: true }],
      ['Disabled models', p => p.disabled_models.length ? h('span', { class: 'buttons' }, p.disabled_models.map(m =>
        h('button', { type: 'button', class: 'secondary', title: `Enable ${m} on ${p.name}`, onclick: () => act(`/admin/providers/${encodeURIComponent(p.name)}/models/enable`, { model: m }) }, `Enable ${m}`))) : '–'],
      ['', p => h('span', { class: 'buttons' },
        h('button', { type: 'button', class: 'secondary', onclick: () => act(`/admin/providers/${encodeURIComponent(p.name)}/${p.enabled ? 'disable' : 'enable'}`) }, p.enabled ? 'Disable' : 'Enable'),
        h('button', { type: 'button', class: 'secondary', onclick: () => act(`/admin/providers/${encodeURIComponent(p.name)}/prefer`, { type: 'chat' }) }, 'Prefer for chat'))],
    ], d.data))),
    load(byProvider, () => api('/admin/analytics/compare' + query({ by: 'provider', ...r })), compareTable),
    load(byModel, () => api('/admin/analytics/compare' + query({ by: 'model', ...r })), compareTable),
  ]);
  return refresh;
}

export function budgets(view, ctx) {
  const list = panel('Budgets', { id: 'budget-list', wide: true });
  const status = h('div', { id: 'budget-status' });
  const input = (name, attrs = {}) => h('input', { name, id: 'budget-' + name, autocomplete: 'off', ...attrs });
  const form = h('form', { class: 'filters', id: 'budget-form', 'aria-label': 'Create or edit a budget' },
    h('h2', { class: 'full' }, 'Create or edit a budget'),
    field('Id (empty: a new one)', input('id')),
    field('Name', input('name')),
    ...['tenant', 'project', 'user', 'key', 'provider', 'model'].map(n => field(`Scope: ${n}`, input(n))),
    field('Limit', input('limit', { inputmode: 'decimal', required: true, placeholder: '100.00' })),
    field('Currency', input('currency', { value: 'USD' })),
    field('Period', input('period', { value: 'monthly', list: 'periods' }), 'hourly, daily, weekly, monthly, lifetime, rolling:7d'),
    field('Enforcement', select('enforcement', ['hard', 'soft', 'warn', 'adaptive'], 'hard')),
    field('Time zone', input('time_zone', { value: 'UTC' })),
    field('Per-request limit', input('per_request_limit', { inputmode: 'decimal' })),
    h('datalist', { id: 'periods' }, ['hourly', 'daily', 'weekly', 'monthly', 'lifetime'].map(p => h('option', { value: p }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save budget'), h('button', { type: 'reset', class: 'secondary' }, 'New')));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const scope = {};
    for (const n of ['tenant', 'project', 'user', 'key', 'provider', 'model']) if (data[n]) scope[n] = data[n];
    const body = { scope, limit: data.limit, currency: data.currency || 'USD', period: data.period, enforcement: data.enforcement, time_zone: data.time_zone || 'UTC' };
    if (data.name) body.name = data.name;
    if (data.per_request_limit) body.per_request_limit = data.per_request_limit;
    if (data.id) { body.id = data.id; body.replace = form.dataset.editing === data.id; }
    try {
      const saved = await api('/admin/budgets', { method: 'POST', body });
      message(status, `Budget ${saved.id} saved: ${saved.limit} ${saved.currency} ${saved.period}, ${saved.enforcement}.`);
      form.reset();
      delete form.dataset.editing;
      refresh();
    } catch (err) {
      message(status, err instanceof ApiError ? err.message : String(err), 'error');
    }
  });
  const edit = b => {
    form.dataset.editing = b.id;
    const values = { id: b.id, name: b.name || '', limit: b.configured_limit || b.limit, currency: b.currency, period: b.period.toLowerCase(), enforcement: b.enforcement, time_zone: b.time_zone || 'UTC', per_request_limit: b.per_request_limit || '', ...b.scope };
    for (const n of ['tenant', 'project', 'user', 'key', 'provider', 'model']) if (!(n in values)) values[n] = '';
    for (const el of form.elements) if (el.name && el.name in values) el.value = values[el.name];
    form.querySelector('#budget-limit').focus();
  };
  const remove = async b => {
    if (!window.confirm(`Delete budget ${b.id}?`)) return;
    try {
      await api(`/admin/budgets/${encodeURIComponent(b.id)}`, { method: 'DELETE' });
      message(status, `Budget ${b.id} deleted.`);
      refresh();
    } catch (err) {
      message(status, err.message, 'error');
    }
  };
  clear(view, h('h1', null, 'Budgets'), status, grid(list), form);
  const refresh = () => load(list, () => api('/admin/budgets'), d => d.data.length ? h('div', { class: 'budgets' }, d.data.map(b => h('div', { class: 'budget-row' },
    budgetCard({ ...b, scope: scopeText(b.scope), used: Number(b.limit) > 0 ? Number(b.spent) / Number(b.limit) : 0 }),
    h('span', { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => edit(b) }, `Edit ${b.id}`),
      h('button', { type: 'button', class: 'danger', onclick: () => remove(b) }, `Delete ${b.id}`))))) : h('p', { class: 'muted' }, 'No budgets yet.'));
  return refresh;
}

export function alerts(view) {
  const list = panel('Alerts and anomalies (7 days)', { id: 'alert-list', wide: true });
  const status = h('div');
  clear(view, h('h1', null, 'Alerts & anomalies'), status, grid(list));
  const feedback = async (a, what) => {
    try {
      await api(`/admin/alerts/${a.id}/${what}`, { method: 'POST' });
      message(status, `Alert ${a.id} ${what === 'ack' ? 'acknowledged' : 'marked expected'}.`);
      refresh();
    } catch (e) {
      message(status, e.message, 'error');
    }
  };
  const refresh = () => load(list, () => api('/admin/alerts?hours=168'), d => table([
    ['Time', a => when(a.at)],
    ['Severity', a => h('span', { class: 'tag sev-' + a.severity }, a.severity.toUpperCase())],
    ['Kind', a => a.kind],
    ['Message', a => a.message],
    ['Status', a => a.acknowledged ? `acknowledged by ${a.acknowledged.by}` : a.expected ? `expected (${a.expected.by})` : 'open'],
    ['', a => a.acknowledged ? '' : h('span', { class: 'buttons' },
      h('button', { type: 'button', class: 'secondary', onclick: () => feedback(a, 'ack') }, 'Acknowledge'),
      a.kind.includes('anomal') ? h('button', { type: 'button', class: 'secondary', onclick: () => feedback(a, 'expected') }, 'Expected') : null)],
  ], d.data, { empty: 'No alerts in the last 7 days.' }));
  return refresh;
}

export function recommendations(view, ctx) {
  const list = panel('Ways to spend less (last 30 days)', { id: 'recommendations', wide: true });
  clear(view, h('h1', null, 'Recommendations'), grid(list));
  // Without a chosen range: the gateway's background result over the last 30 days (repricing a month per view is slow).
  const chosen = ctx.params.get('from') || ctx.params.get('to');
  const url = '/admin/recommendations' + (chosen ? query(range(ctx)) : '?latest=1');
  return () => load(list, () => api(url), d => [
    d.computed_at ? h('p', { class: 'muted', id: 'recommendations-computed' },
      `Computed ${when(d.computed_at)} over ${when(d.from)} – ${when(d.to)}.`) : null,
    h('p', null, 'Possible saving: ', h('strong', null, money(d.total_saving_usd))),
    table([
      ['Recommendation', x => x.title],
      ['Kind', x => x.kind],
      ['Saving', x => money(x.saving_usd), { num: true }],
      ['%', x => percent(x.saving_percent), { num: true }],
      ['Confidence', x => x.confidence],
      ['Action', x => x.action],
    ], d.recommendations, { empty: 'Nothing to recommend for this range.' }),
  ]);
}

/** A reconciliation figure: USD for the cost kind, a count for the others. */
function figure(difference, value) {
  return difference.kind === 'cost' ? money(value) : number(value);
}

export function reconciliation(view, ctx) {
  const result = panel('What the provider billed against the ledger', { id: 'reconciliation', wide: true });
  const status = h('div', { id: 'reconcile-status' });
  const r = range(ctx);
  const files = name => h('input', { type: 'file', name, id: 'reconcile-' + name, multiple: true, accept: '.json,.jsonl,.csv,application/json,text/csv' });
  const form = h('form', { class: 'filters', id: 'reconcile-form', 'aria-label': 'Reconcile provider exports' },
    h('h2', { class: 'full' }, 'Provider exports'),
    field('Provider', select('provider', ['openai', 'anthropic'], 'openai')),
    field('Usage files', files('usage'), 'the usage API pages or the console CSV'),
    field('Cost files', files('costs'), 'optional: the costs / cost report pages or CSV'),
    field('From', h('input', { type: 'date', name: 'from', value: r.from })),
    field('To', h('input', { type: 'date', name: 'to', value: r.to })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Reconcile')));
  const read = async input => Promise.all([...input.files].map(async f => ({ name: f.name, content: await f.text() })));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { provider: data.get('provider'), usage: await read(form.elements.usage), costs: await read(form.elements.costs) };
    if (data.get('from')) body.from = data.get('from');
    if (data.get('to')) body.to = data.get('to');
    message(status, 'Comparing…');
    try {
      const d = await api('/admin/reconcile', { method: 'POST', body });
      message(status, `Capture rate ${percent(d.capture_rate * 100)}: ${d.differences.length} difference${d.differences.length === 1 ? '' : 's'}.`);
      result.show([
        h('dl', { class: 'facts' },
          h('dt', null, 'Capture rate'), h('dd', { id: 'capture-rate' }, percent(d.capture_rate * 100)),
          h('dt', null, 'Provider billed'), h('dd', null, money(d.provider_usd)),
          h('dt', null, 'Ledger'), h('dd', null, money(d.ledger_usd))),
        table([
          ['Day', x => x.day],
          ['Model', x => x.model],
          ['Kind', x => x.kind],
          ['Ledger', x => figure(x, x.ledger), { num: true }],
          ['Provider', x => figure(x, x.provider), { num: true }],
          ['Delta', x => figure(x, x.delta), { num: true }],
          ['Cause', x => x.cause],
        ], d.differences, { caption: 'Differences', empty: 'No differences: the ledger matches the provider.' }),
      ]);
    } catch (err) {
      message(status, err instanceof ApiError ? err.message : String(err), 'error');
    }
  });
  clear(view, h('h1', null, 'Reconciliation'), form, status, grid(result));
  result.show(h('p', { class: 'muted' }, 'Choose the provider\'s export files and reconcile: nothing is stored.'));
  return () => Promise.resolve();
}

export function keys(view) {
  const list = panel('Virtual keys', { id: 'key-list', wide: true });
  const status = h('div', { id: 'key-status' });
  const created = h('div', { id: 'key-created' });
  const form = h('form', { class: 'filters', id: 'key-form', 'aria-label': 'Create a key' },
    h('h2', { class: 'full' }, 'Create a key'),
    ...['tenant', 'project', 'user', 'name'].map(n => field(n[0].toUpperCase() + n.slice(1), h('input', { name: n, id: 'key-' + n, autocomplete: 'off', required: n === 'tenant' }))),
    field('Requests per minute', h('input', { name: 'rpm', inputmode: 'numeric' })),
    field('Tokens per minute', h('input', { name: 'tpm', inputmode: 'numeric' })),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create key')));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const body = {};
    for (const [k, v] of new FormData(form)) if (v !== '') body[k] = k === 'rpm' || k === 'tpm' ? Number(v) : v;
    try {
      const k = await api('/admin/keys', { method: 'POST', body });
      form.reset();
      message(status, '');
      const secret = h('code', { id: 'new-key', class: 'secret' }, k.key);
      const copy = h('button', { type: 'button', class: 'secondary', onclick: () => navigator.clipboard && navigator.clipboard.writeText(k.key) }, 'Copy');
      const done = h('button', { type: 'button', onclick: () => clear(created) }, 'I have stored it');
      clear(created, h('div', { class: 'once', role: 'status' }, h('p', null, h('strong', null, `Key ${k.id} for ${k.tenant}. `), 'It is shown only this once — store it now.'), secret, ' ', copy, ' ', done));
      refresh();
    } catch (err) {
      message(status, err.message, 'error');
    }
  });
  const revoke = async k => {
    if (!window.confirm(`Revoke key ${k.id}? Calls with it stop at once.`)) return;
    try {
      await api(`/admin/keys/${encodeURIComponent(k.id)}`, { method: 'DELETE' });
      message(status, `Key ${k.id} revoked.`);
      refresh();
    } catch (err) {
      message(status, err.message, 'error');
    }
  };
  clear(view, h('h1', null, 'Keys'), created, status, form, grid(list));
  const refresh = () => load(list, () => api('/admin/keys'), d => table([
    ['Id', k => k.id],
    ['Tenant', k => k.tenant],
    ['Project', k => k.project || '–'],
    ['User', k => k.user || '–'],
    ['Name', k => k.name || '–'],
    ['Created', k => when(k.created_at)],
    ['State', k => k.revoked ? `revoked ${when(k.revoked_at)}` : 'active'],
    ['', k => k.revoked ? '' : h('button', { type: 'button', class: 'danger', onclick: () => revoke(k) }, `Revoke ${k.id}`)],
  ], d.data, { empty: 'No keys yet.' }));
  return refresh;
}

/** A virtual key holder's own view: its spend, its budgets, its calls — the API answers nothing else to its session. */
export function me(view, ctx) {
  const r = range(ctx);
  const usage = panel('My spend (30 days)', { id: 'my-usage' });
  const mine = panel('My budgets', { id: 'my-budgets' });
  const trend = panel('My spend per day', { id: 'my-trend', wide: true });
  const recent = panel('My recent calls', { id: 'my-calls', wide: true });
  const k = ctx.session.key;
  const exportButton = h('button', { type: 'button', class: 'secondary', id: 'export-csv' }, 'Export my records (CSV)');
  const status = h('div');
  exportButton.addEventListener('click', () => download('/v1/tollgate/export' + query({ format: 'csv', ...r }), `tollgate-${k.id}.csv`).catch(e => message(status, e.message, 'error')));
  clear(view, h('h1', null, 'My usage'), h('p', { class: 'muted' }, `Key ${k.id} · tenant ${k.tenant}${k.project ? ' · project ' + k.project : ''}${k.user ? ' · user ' + k.user : ''}`),
    h('div', { class: 'toolbar' }, exportButton), status, grid(usage, mine, trend, recent));
  const call = ctx.params.get('call');
  return () => Promise.all([
    loadMany([usage, mine], () => api('/v1/tollgate/usage' + query({ group_by: 'model', from: r.from + 'T00:00:00Z' })), [
      u => [h('p', null, h('strong', { class: 'big' }, money(u.total, u.currency))), table([
        ['Model', g => g.key],
        ['Cost', g => money(g.cost), { num: true }],
        ['Requests', g => number(g.requests), { num: true }],
        ['Tokens in / out', g => `${number(g.input_tokens)} / ${number(g.output_tokens)}`, { num: true }],
      ], u.groups, { empty: 'No calls yet.' })],
      u => u.budgets.length ? h('div', { class: 'budgets' }, u.budgets.map(b => budgetCard({ ...b, scope: scopeText(b.scope), used: Number(b.limit) > 0 ? Number(b.spent) / Number(b.limit) : 0 }))) : h('p', { class: 'muted' }, 'No budgets of your own.'),
    ]),
    load(trend, () => api('/v1/tollgate/analytics/trend' + query({ bucket: 'day', ...r })), t => timeChart({ points: t.points.map(p => ({ label: p.label, value: Number(p.cost) })), format: v => money(v) })),
    load(recent, () => call ? api(`/v1/tollgate/calls/${encodeURIComponent(call)}`).then(d => ({ detail: d })) : api('/v1/tollgate/calls?limit=20'),
      d => d.detail ? callDetail(d.detail) : recordRows(ctx, d.data, 'me')),
  ]);
}
