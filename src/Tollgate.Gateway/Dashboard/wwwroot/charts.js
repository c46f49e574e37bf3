// Hand-drawn SVG charts. Every value has a <title> (hover, and read by screen readers); series differ by line style
// and shape as well as by colour, so a chart reads in greyscale too.
const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v != null) el.setAttribute(k, v);
  for (const c of children.flat()) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const title = text => s('title', null, text);

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * A line over time: history points {label, value}, optional forecast points {label, p50, lo80, hi80, lo95, hi95}
 * drawn as a dashed median inside its 80 % and 95 % bands, and markers {label, text} (anomalies) as triangles.
 */
export function timeChart({ points, forecast = [], markers = [], format, name = 'Spend' }) {
  const W = 720, H = 260, L = 80, R = 12, T = 16, B = 34;
  const all = points.length + forecast.length;
  const max = niceMax(Math.max(0, ...points.map(p => p.value), ...forecast.map(f => f.hi95 ?? f.p50)));
  const x = i => L + (all <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (all - 1));
  const y = v => T + (H - T - B) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${name} over time, ${points.length} points${forecast.length ? ` and a ${forecast.length}-point forecast` : ''}` });
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: L - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, format(v)));
  }
  const labels = [...points.map(p => p.label), ...forecast.map(f => f.label)];
  const ticks = all <= 8 ? labels.map((_, i) => i) : [0, Math.floor(all / 3), Math.floor((2 * all) / 3), all - 1];
  for (const i of ticks) svg.append(s('text', { x: x(i), y: H - 10, class: 'axis', 'text-anchor': i === 0 ? 'start' : i === all - 1 ? 'end' : 'middle' }, labels[i]));
  if (forecast.length) {
    const start = points.length;
    const band = (lo, hi, cls) => {
      const top = forecast.map((f, i) => `${x(start + i)},${y(f[hi])}`);
      const bottom = forecast.map((f, i) => `${x(start + i)},${y(f[lo])}`).reverse();
      svg.append(s('polygon', { points: [...top, ...bottom].join(' '), class: cls }));
    };
    band('lo95', 'hi95', 'band95');
    band('lo80', 'hi80', 'band80');
    const from = points.length ? [`${x(start - 1)},${y(points[points.length - 1].value)}`] : [];
    svg.append(s('polyline', { points: [...from, ...forecast.map((f, i) => `${x(start + i)},${y(f.p50)}`)].join(' '), class: 'forecast' }));
    forecast.forEach((f, i) => svg.append(s('rect', { x: x(start + i) - 3, y: y(f.p50) - 3, width: 6, height: 6, class: 'fpoint' },
      title(`${f.label} forecast: ${format(f.p50)} (80 %: ${format(f.lo80)}–${format(f.hi80)}; 95 %: ${format(f.lo95)}–${format(f.hi95)})`))));
  }
  if (points.length) {
    svg.append(s('polyline', { points: points.map((p, i) => `${x(i)},${y(p.value)}`).join(' '), class: 'line' }));
    points.forEach((p, i) => svg.append(s('circle', { cx: x(i), cy: y(p.value), r: 3.5, class: 'point' }, title(`${p.label}: ${format(p.value)}`))));
  }
  for (const m of markers) {
    const i = labels.indexOf(m.label);
    if (i < 0) continue;
    svg.append(s('path', { d: `M${x(i) - 6},${T - 2} L${x(i) + 6},${T - 2} L${x(i)},${T + 9} Z`, class: 'marker' }, title(`${m.label}: ${m.text}`)),
      s('line', { x1: x(i), x2: x(i), y1: T + 9, y2: H - B, class: 'markerline' }));
  }
  return svg;
}

/** A half-circle gauge of a fraction used (0–1, drawn up to 1), with the percentage written in its middle. */
export function gauge(fraction, label) {
  const f = Math.max(0, Math.min(1, Number(fraction) || 0));
  const a = Math.PI * (1 - f);
  const cx = 60, cy = 60, r = 48;
  const level = f >= 1 ? 'over' : f >= 0.8 ? 'high' : 'ok';
  return s('svg', { viewBox: '0 0 120 72', class: 'gauge ' + level, role: 'img', 'aria-label': `${label}: ${(Number(fraction) * 100).toFixed(1)} % used` },
    title(`${label}: ${(Number(fraction) * 100).toFixed(1)} % used`),
    s('path', { d: `M${cx - r},${cy} A${r},${r} 0 0 1 ${cx + r},${cy}`, class: 'track' }),
    f > 0 ? s('path', { d: `M${cx - r},${cy} A${r},${r} 0 0 1 ${cx + r * Math.cos(a)},${cy - r * Math.sin(a)}`, class: 'fill' }) : null,
    s('text', { x: cx, y: cy - 4, 'text-anchor': 'middle', class: 'gvalue' }, `${(Number(fraction) * 100).toFixed(0)}%`));
}

/** Horizontal bars of shares, one per row, with the value written beside each (hover: the full figure). */
export function bars(rows, { value, label, format }) {
  const max = Math.max(0, ...rows.map(value)) || 1;
  const W = 360, row = 22;
  const svg = s('svg', { viewBox: `0 0 ${W} ${rows.length * row}`, class: 'bars', role: 'img', 'aria-label': 'bar chart' });
  rows.forEach((r, i) => {
    const text = label(r);
    const w = Math.max(1, ((W - 200) * value(r)) / max);
    svg.append(s('text', { x: 0, y: i * row + 15, class: 'axis' }, text.length > 17 ? text.slice(0, 16) + '…' : text),
      s('rect', { x: 130, y: i * row + 4, width: w, height: row - 8, class: 'bar' }, title(`${text}: ${format(value(r))}`)),
      s('text', { x: 134 + w, y: i * row + 15, class: 'axis' }, format(value(r))));
  });
  return svg;
}

/** Weekday × hour-of-day cells {day, hour, value}, shaded light to dark by value, each with its figure as a title. */
export function heatmap(cells, { format }) {
  const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const L = 40, T = 16, C = 26, R = 18;
  const max = Math.max(0, ...cells.map(c => c.value)) || 1;
  const svg = s('svg', { viewBox: `0 0 ${L + 24 * C} ${T + 7 * R + 4}`, class: 'heatmap', role: 'img', 'aria-label': 'spend by weekday and hour of day' });
  for (let hr = 0; hr < 24; hr += 3) svg.append(s('text', { x: L + hr * C + C / 2, y: T - 4, class: 'axis', 'text-anchor': 'middle' }, String(hr).padStart(2, '0')));
  days.forEach((d, i) => {
    svg.append(s('text', { x: L - 6, y: T + i * R + R - 5, class: 'axis', 'text-anchor': 'end' }, d.slice(0, 3)));
    for (let hr = 0; hr < 24; hr++) {
      const cell = cells.find(c => c.day === d && c.hour === hr);
      const v = cell ? cell.value : 0;
      svg.append(s('rect', { x: L + hr * C + 1, y: T + i * R + 1, width: C - 2, height: R - 2, class: 'cell', 'fill-opacity': (0.06 + (0.94 * v) / max).toFixed(3) },
        title(`${d} ${String(hr).padStart(2, '0')}:00: ${format(v)}${cell ? `, ${cell.requests} requests` : ''}`)));
    }
  });
  return svg;
}
