#!/usr/bin/env node
// `npx indorerank`: rank, tokenize, convert and info on the WebAssembly core,
// so Node users need no native build. Options mirror the native CLI.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { copyFile } from 'node:fs/promises';
import { Reranker, convert, fetchModel } from '../src/node.js';

const USAGE = `indorerank (WebAssembly build): rerank Indonesian passages on this machine.

usage:
  indorerank rank -m MODEL -q QUERY [--passages FILE] [--top-k N] [--max-length N] [--json]
                  [--return-documents] [--chunk [--chunk-overlap 32]] [--threads N] [--memory-limit MIB]
      FILE (or stdin) holds JSONL {"id":..., "text":...} or one passage per line.
  indorerank tokenize -m MODEL --query Q --passage P [--max-length N]
  indorerank convert HF_MODEL_DIR OUT.int8.safetensors
  indorerank info -m MODEL [--threads N]
  indorerank fetch [REPO] [--revision REV] [--hub-url URL] [--out FILE]
      downloads REPO (default madebyaris/rerank-indonesia) from the hub into the model
      cache, checks its sha256 and converts it if the repo has no model.int8.safetensors;
      prints the model file's path (--out: copies it there). The hub is --hub-url, else
      INDORERANK_HUB_URL, else the public hub; the cache is INDORERANK_CACHE_DIR, else
      ~/.cache/indorerank.

MODEL is a path, an http(s) URL of an .int8.safetensors file, or a hub repo id (owner/name).`;

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  query: { type: 'string', short: 'q' },
  passages: { type: 'string' },
  passage: { type: 'string' },
  'top-k': { type: 'string' },
  'max-length': { type: 'string' },
  json: { type: 'boolean' },
  'return-documents': { type: 'boolean' },
  chunk: { type: 'boolean' },
  'chunk-overlap': { type: 'string' },
  threads: { type: 'string' },
  'memory-limit': { type: 'string' },
  revision: { type: 'string' },
  'hub-url': { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

class UsageError extends Error {}

function int(a, name) {
  if (a[name] === undefined) return undefined;
  const v = Number(a[name]);
  if (!Number.isInteger(v) || v < 0) throw new UsageError(`--${name} needs a non-negative integer, got '${a[name]}'`);
  return v;
}

function readPassages(file) {
  const text = readFileSync(file ?? 0, 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '').map((line) => {
    if (line.trimStart().startsWith('{')) {
      let o;
      try { o = JSON.parse(line); } catch { return line; }
      if (o && typeof o.text === 'string') return o;
    }
    return line;
  });
}

async function loadModel(a) {
  if (!a.model) throw new UsageError('-m MODEL is required');
  const mib = int(a, 'memory-limit');
  return Reranker.load(a.model, {
    maxLength: int(a, 'max-length'),
    threads: int(a, 'threads') ?? 1,
    memoryLimit: mib === undefined ? undefined : mib * 1024 * 1024,
  });
}

async function rank(a) {
  if (a.query === undefined) throw new UsageError('-q QUERY is required');
  const passages = readPassages(a.passages);
  const r = await loadModel(a);
  try {
    const t0 = performance.now();
    const results = await r.rerank(a.query, passages, {
      topK: int(a, 'top-k'), returnDocuments: !!a['return-documents'],
      chunkLongPassages: !!a.chunk, chunkOverlap: int(a, 'chunk-overlap'),
    });
    const tookMs = performance.now() - t0;
    if (a.json) {
      process.stdout.write(JSON.stringify({ results, took_ms: tookMs }) + '\n');
    } else {
      results.forEach((res, i) => {
        const p = passages[res.index];
        const text = typeof p === 'string' ? p : p.text;
        const mark = res.truncated ? ' (truncated)' : '';
        process.stdout.write(`${i + 1}. ${res.score.toFixed(4)}  [${res.id}]${mark}  ${text.slice(0, 100)}\n`);
      });
      process.stdout.write(`${passages.length} passages in ${tookMs.toFixed(1)} ms\n`);
    }
  } finally {
    r.dispose();
  }
}

async function tokenize(a) {
  if (a.query === undefined || a.passage === undefined) throw new UsageError('--query and --passage are required');
  const r = await loadModel(a);
  try {
    process.stdout.write(JSON.stringify(await r.tokenize(a.query, a.passage)) + '\n');
  } finally {
    r.dispose();
  }
}

async function info(a) {
  const r = await loadModel(a);
  try {
    const i = r.info();
    process.stdout.write(`kernel: ${i.kernel}\nthreads: ${i.threads} (${i.threadMode})\nmax_length: ${i.maxLength}\n` +
      `layers: ${i.config.numLayers}, hidden: ${i.config.hiddenSize}, heads: ${i.config.numHeads}, vocab: ${i.config.vocabSize}\n` +
      `weights: ${i.weightBytes} bytes, file: ${i.fileBytes} bytes, memory limit: ${i.memoryLimit} bytes\n`);
  } finally {
    r.dispose();
  }
}

async function fetchCommand(a, positionals) {
  if (positionals.length > 1) throw new UsageError('fetch takes one REPO (owner/name)');
  const repo = positionals[0] ?? 'madebyaris/rerank-indonesia';
  let shown = -1;
  const file = await fetchModel(repo, {
    revision: a.revision,
    hubUrl: a['hub-url'],
    onProgress: (loaded, total) => {
      const pct = total ? Math.floor((100 * loaded) / total) : 0;
      if (pct !== shown && process.stderr.isTTY) { shown = pct; process.stderr.write(`\rfetch: ${(loaded / 1048576).toFixed(1)} MiB (${pct}%)`); }
    },
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  process.stderr.write(`fetch: ${repo} ready in the model cache: ${file}\n`);
  if (a.out) {
    await copyFile(file, a.out);
    process.stderr.write(`fetch: copied to ${a.out}\n`);
  }
  process.stdout.write(`${a.out ?? file}\n`);
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values: a, positionals } = parsed;
  switch (command) {
    case 'rank': await rank(a); break;
    case 'tokenize': await tokenize(a); break;
    case 'info': await info(a); break;
    case 'convert':
      if (positionals.length !== 2) throw new UsageError('convert needs HF_MODEL_DIR and OUT.int8.safetensors');
      await convert(positionals[0], positionals[1]);
      process.stderr.write(`wrote ${positionals[1]}\n`);
      break;
    case 'fetch': await fetchCommand(a, positionals); break;
    default: throw new UsageError(`unknown command '${command}'`);
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`indorerank: ${e.message}\n`);
  if (e instanceof UsageError) process.stderr.write('(run `indorerank help` for usage)\n');
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
