// Dashboard timings in Chromium against a running `tollgate serve`: first contentful paint of the page, the
// overview's time from sign-in to every panel filled, then each page's time until every panel is filled and its
// slowest admin API request (from the browser's resource timings). Usage (bench/dashboard/run.sh does all of it):
//   BASE=http://127.0.0.1:PORT KEY=admin-key FROM=2026-10-01 TO=2026-10-30 RUNS=5 node timings.mjs
import { chromium } from 'playwright-core';

const base = process.env.BASE;
const key = process.env.KEY;
const runs = Number(process.env.RUNS || 5);
const range = `from=${process.env.FROM}&to=${process.env.TO}`;
const pages = [
  ['explore, 30 days', `#/explore?${range}`],
  ['explore by tenant, 30 days', `#/explore?by=tenant&${range}`],
  ['explore, one tenant, Asia/Kolkata, 30 days', `#/explore?tenant=tenant-1&tz=Asia/Kolkata&${range}`],
  ['explore by tag:feature, 30 days', `#/explore?by=tag:feature&${range}`],
  ['calls', `#/calls?${range}`],
  ['providers, 30 days', `#/providers?${range}`],
  ['budgets', '#/budgets'],
  ['alerts', '#/alerts'],
  ['recommendations, last 30 days (background result)', '#/recommendations'],
  ['recommendations, 1 day (computed on the request)', `#/recommendations?from=${process.env.TO}&to=${process.env.TO}`],
  ['keys', '#/keys'],
];

const samples = new Map();
const add = (name, loaded, slowest) => {
  if (!samples.has(name)) samples.set(name, { loaded: [], slowest: [], paths: [] });
  samples.get(name).loaded.push(loaded);
  samples.get(name).slowest.push(slowest ? slowest.ms : 0);
  if (slowest && slowest.path) samples.get(name).paths.push(slowest.path);
};
const mostFrequent = values => values.length ? [...values].sort((a, b) => values.filter(v => v === b).length - values.filter(v => v === a).length)[0] : '';

const slowestAdminRequest = page => page.evaluate(() => performance.getEntriesByType('resource')
  .filter(r => new URL(r.name).pathname.startsWith('/admin/'))
  .map(r => ({ ms: r.responseEnd - r.startTime, path: new URL(r.name).pathname + new URL(r.name).search.split('&')[0] }))
  .reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, path: '' }));

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(120000);
    await page.goto(base + '/');
    await page.waitForSelector('#signin-key');
    const paint = await page.evaluate(() => (performance.getEntriesByType('paint').find(e => e.name === 'first-contentful-paint') || {}).startTime || 0);
    add('first contentful paint (sign-in page)', paint, null);
    await page.evaluate(() => performance.clearResourceTimings());
    await page.fill('#signin-key', key);
    const signedIn = Date.now();
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('main[data-page=overview][data-loaded=true]');
    add('overview (sign-in to every panel)', Date.now() - signedIn, await slowestAdminRequest(page));
    for (const [name, hash] of pages) {
      await page.evaluate(() => performance.clearResourceTimings());
      const start = Date.now();
      await page.evaluate(h => { document.getElementById('view').dataset.loaded = 'false'; location.hash = h; }, hash);
      await page.waitForSelector('main[data-loaded=true]');
      add(name, Date.now() - start, await slowestAdminRequest(page));
    }
    await context.close();
  }
} finally {
  await browser.close();
}

const median = values => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`| page | every panel filled, p50 ms | max ms | slowest API request, p50 ms | usually slowest |`);
console.log(`|---|---:|---:|---:|---|`);
for (const [name, s] of samples) {
  console.log(`| ${name} | ${Math.round(median(s.loaded))} | ${Math.round(Math.max(...s.loaded))} | ${s.slowest.some(x => x > 0) ? Math.round(median(s.slowest)) : '–'} | ${mostFrequent(s.paths) ? '`' + mostFrequent(s.paths) + '`' : '–'} |`);
}
