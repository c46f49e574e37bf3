#!/usr/bin/env node
// Minimal closed-loop load (node built-ins only): C keep-alive connections, one request in flight on each,
// for D seconds. Prints {"requests", "errors", "seconds", "p50", "p99"} (ms) as JSON. Used by cpu.sh to read the gateway's CPU per request.
//   node bench/gateway/load.js URL KEY [C=64] [D=10] [stream=0]
'use strict';
const http = require('http');
const [url, key, c = '64', d = '10', stream = '0'] = process.argv.slice(2);
const u = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(c) });
const body = JSON.stringify({
  model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  ...(stream === '1' ? { stream: true, stream_options: { include_usage: true } } : {}),
});
let requests = 0, errors = 0, stop = false;
const latencies = [];
function one() {
  const t0 = process.hrtime.bigint();
  return new Promise(resolve => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer ' + key } }, res => {
      res.on('data', () => {});
      res.on('end', () => { if (res.statusCode === 200) { requests++; latencies.push(Number(process.hrtime.bigint() - t0) / 1e6); } else errors++; resolve(); });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
}
async function loop() { while (!stop) await one(); }
const started = process.hrtime.bigint();
setTimeout(() => { stop = true; }, Number(d) * 1000);
Promise.all(Array.from({ length: Number(c) }, loop)).then(() => {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = q => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0;
  console.log(JSON.stringify({ requests, errors, seconds, p50: at(0.5), p99: at(0.99) }));
  agent.destroy();
});
