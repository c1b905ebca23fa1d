#!/usr/bin/env node
// `npx indorerank`: rank, tokenize, convert and info on the WebAssembly core,
// so Node users need no native build. Options mirror the native CLI.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { copyFile } from 'node:fs/promises';
import { Reranker, convert, fetchModel } from '../src/node.js';

const MODEL_HELP = 'MODEL is a path, an http(s) URL of an .int8.safetensors file, or a hub repo id (owner/name).';

// Each command: its usage, an example, the options it takes and how many positionals.
const COMMANDS = {
  rank: {
    summary: 'rerank passages for a query',
    usage: `indorerank rank -m MODEL -q QUERY [--passages FILE] [-k N] [--max-length N] [--json]
                [--return-documents] [--chunk [--chunk-overlap 32]] [--threads N] [--memory-limit MIB]
  Reranks passages for a query, best first. FILE (or stdin) holds JSONL {"id", "text", "meta"?}
  or one passage per line. -k/--top-k keeps the best N. ${MODEL_HELP}`,
    example: "indorerank rank -m model.int8.safetensors -q 'harga beras' --passages berita.jsonl -k 5 --json",
    options: ['model', 'query', 'passages', 'top-k', 'max-length', 'json', 'return-documents', 'chunk', 'chunk-overlap',
      'threads', 'memory-limit'],
    positionals: 0,
  },
  tokenize: {
    summary: 'the input ids of a query-passage pair',
    usage: `indorerank tokenize -m MODEL --query Q --passage P [--max-length N]
  The XLM-R input ids of the pair as the model sees them. ${MODEL_HELP}`,
    example: "indorerank tokenize -m model.int8.safetensors --query 'ibu kota' --passage 'Jakarta adalah ibu kota.'",
    options: ['model', 'query', 'passage', 'max-length'],
    positionals: 0,
  },
  convert: {
    summary: 'a Hugging Face checkpoint to the int8 model file',
    usage: `indorerank convert HF_MODEL_DIR OUT.int8.safetensors
  Converts a checkpoint (config.json, sentencepiece.bpe.model, model.safetensors) to the engine's int8 file.`,
    example: 'indorerank convert rerank-indonesia rerank-indonesia/model.int8.safetensors',
    options: [],
    positionals: 2,
  },
  info: {
    summary: "a model's kernel, threads, shape and memory",
    usage: `indorerank info [MODEL | -m MODEL] [--threads N] [--max-length N] [--memory-limit MIB]
  ${MODEL_HELP}`,
    example: 'indorerank info -m model.int8.safetensors',
    options: ['model', 'threads', 'max-length', 'memory-limit'],
    positionals: 1,
  },
  fetch: {
    summary: 'download (and convert) a model from the hub into the cache',
    usage: `indorerank fetch [REPO] [--revision REV] [--hub-url URL] [--out FILE]
  Downloads REPO (default madebyaris/rerank-indonesia) from the hub into the model cache, checks its
  sha256 and converts it if the repo has no model.int8.safetensors; prints the model file's path
  (--out: copies it there). The hub is --hub-url, else INDORERANK_HUB_URL, else the public hub; the
  cache is INDORERANK_CACHE_DIR, else ~/.cache/indorerank.`,
    example: 'indorerank fetch madebyaris/rerank-indonesia --out model.int8.safetensors',
    options: ['revision', 'hub-url', 'out'],
    positionals: 1,
  },
};

function version() {
  return JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
}

function usage() {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`);
  return `indorerank ${version()} (WebAssembly build): rerank Indonesian passages on this machine.

usage: indorerank COMMAND [options]   (indorerank COMMAND --help for one command)

commands:
${lines.join('\n')}

  indorerank --version    the version`;
}

function commandHelp(name) {
  const c = COMMANDS[name];
  return `usage: ${c.usage}\nexample:\n  ${c.example}`;
}

const OPTIONS = {
  model: { type: 'string', short: 'm' },
  query: { type: 'string', short: 'q' },
  passages: { type: 'string' },
  passage: { type: 'string' },
  'top-k': { type: 'string', short: 'k' },
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

async function info(a, positionals) {
  // The model as `info MODEL` or `info -m MODEL`, as in the native CLI.
  if (a.model !== undefined && positionals.length) throw new UsageError('give the model once: info MODEL or info -m MODEL');
  const r = await loadModel({ ...a, model: a.model ?? positionals[0] });
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
  if (!command) {
    process.stderr.write(usage() + '\n');
    return 2;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    process.stdout.write(`indorerank ${version()}\n`);
    return 0;
  }
  if (command === 'help' || command === '--help' || command === '-h') {
    if (rest.length && !COMMANDS[rest[0]]) throw new UsageError(`unknown command '${rest[0]}'`);
    process.stdout.write((rest.length ? commandHelp(rest[0]) : usage()) + '\n');
    return 0;
  }
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command '${command}'`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  const options = Object.fromEntries(spec.options.map((name) => [name, OPTIONS[name]]));
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values: a, positionals } = parsed;
  if (positionals.length > spec.positionals) {
    throw new UsageError(`unexpected argument '${positionals[spec.positionals]}'` +
      (spec.positionals ? '' : ' (this command takes options only)'));
  }
  switch (command) {
    case 'rank': await rank(a); break;
    case 'tokenize': await tokenize(a); break;
    case 'info': await info(a, positionals); break;
    case 'convert':
      if (positionals.length !== 2) throw new UsageError('convert needs HF_MODEL_DIR and OUT.int8.safetensors');
      await convert(positionals[0], positionals[1]);
      process.stderr.write(`wrote ${positionals[1]}\n`);
      break;
    case 'fetch': await fetchCommand(a, positionals); break;
  }
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`indorerank: ${e.message}\n`);
  if (e instanceof UsageError) process.stderr.write('(run `indorerank --help`, or `indorerank COMMAND --help`, for usage)\n');
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
