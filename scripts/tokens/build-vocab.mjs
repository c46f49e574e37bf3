#!/usr/bin/env node
// Converts tiktoken's BPE rank files (from the npm package `tiktoken`, installed by
// `cd ../shared/bench && npm ci`) into the compact, Brotli-compressed vocabularies embedded in
// src/Tollgate/Tokens/Vocab/<encoding>.tkv.br. Run from the repository root:
//
//   node scripts/tokens/build-vocab.mjs [--node-modules ../shared/bench/node_modules]
//
// Binary layout before compression (all integers little-endian):
//   "TKV1"  u32 tokenCount  u32 maxRank
//   per token, in rank order: uvarint(rank - previousRank - 1)  u8 byteLength  bytes
// The pre-tokenization pattern is not stored: Tollgate implements each encoding's pattern in code.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';

const args = process.argv.slice(2);
const arg = (n, d) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const nodeModules = path.resolve(arg('--node-modules', '../shared/bench/node_modules'));
const outDir = path.resolve('src/Tollgate/Tokens/Vocab');
const encodings = arg('--encodings', 'o200k_base,cl100k_base,p50k_base,r50k_base').split(',');

for (const name of encodings) {
  const file = path.join(nodeModules, 'tiktoken', 'encoders', `${name}.json`);
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const tokens = [];
  for (const line of json.bpe_ranks.split('\n')) {
    if (!line) continue;
    const [, offsetText, ...b64] = line.split(' ');
    const offset = Number.parseInt(offsetText, 10);
    b64.forEach((t, i) => tokens.push({ rank: offset + i, bytes: Buffer.from(t, 'base64') }));
  }
  tokens.sort((a, b) => a.rank - b.rank);
  const parts = [];
  const header = Buffer.alloc(12);
  header.write('TKV1', 0, 'ascii');
  header.writeUInt32LE(tokens.length, 4);
  header.writeUInt32LE(tokens[tokens.length - 1].rank, 8);
  parts.push(header);
  let previous = -1;
  for (const { rank, bytes } of tokens) {
    let gap = rank - previous - 1;
    if (gap < 0) throw new Error(`${name}: duplicate rank ${rank}`);
    const varint = [];
    do { let b = gap & 0x7f; gap >>>= 7; if (gap) b |= 0x80; varint.push(b); } while (gap);
    if (bytes.length > 255) throw new Error(`${name}: token ${rank} longer than 255 bytes`);
    parts.push(Buffer.from(varint), Buffer.from([bytes.length]), bytes);
    previous = rank;
  }
  const raw = Buffer.concat(parts);
  const compressed = zlib.brotliCompressSync(raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } });
  const out = path.join(outDir, `${name}.tkv.br`);
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(out, compressed);
  console.log(`${name}: ${tokens.length} tokens, raw ${raw.length} B, brotli ${compressed.length} B, sha256(raw) ${crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16)} -> ${path.relative(process.cwd(), out)}`);
}
