// One function per bundler: builds the test app (tests/bundlers/app) in
// `appDir`, where the packed package is installed, as that bundler's users
// do, and says how to serve the result.
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild, createServer as viteServer } from 'vite';
import webpack from 'webpack';
import { rollup } from 'rollup';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { importMetaAssets } from '@web/rollup-plugin-import-meta-assets';
import * as esbuild from 'esbuild';

const PARCEL = fileURLToPath(new URL('../node_modules/.bin/parcel', import.meta.url));

const ISOLATION = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

/** Copies the app's index.html into a bundler's output (for those that do not write one). */
function writeHtml(appDir, out) {
  writeFileSync(path.join(out, 'index.html'), readFileSync(path.join(appDir, 'index.html')));
}

/**
 * Each returns { dir } (a folder to serve statically) or { url, close }
 * (a dev server that is already listening). `isolated` only matters for dev
 * servers, which send their own headers.
 */
export const bundlers = {
  async 'vite build'(appDir, out) {
    await viteBuild({ root: appDir, logLevel: 'warn', configFile: false, build: { outDir: out, emptyOutDir: true } });
    return { dir: out };
  },

  async 'vite dev'(appDir, _out, { isolated }) {
    const server = await viteServer({
      root: appDir, logLevel: 'warn', configFile: false, cacheDir: path.join(appDir, '.vite'),
      server: { host: '127.0.0.1', port: 0, headers: isolated ? ISOLATION : {}, hmr: false },
    });
    await server.listen();
    const { port } = server.httpServer.address();
    return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
  },

  async 'webpack 5'(appDir, out) {
    const compiler = webpack({
      mode: 'production',
      context: appDir,
      entry: './main.js',
      output: { path: out, filename: 'main.js', clean: true },
      performance: { hints: false },
      infrastructureLogging: { level: 'error' },
    });
    const stats = await new Promise((resolve, reject) => compiler.run((err, s) => (err ? reject(err) : resolve(s))));
    await new Promise((resolve) => compiler.close(resolve));
    const info = stats.toJson({ all: false, errors: true, warnings: true });
    if (stats.hasErrors()) throw new Error(`webpack errors: ${info.errors.map((e) => e.message).join('\n')}`);
    if (info.warnings.length) throw new Error(`webpack warnings: ${info.warnings.map((e) => e.message).join('\n')}`);
    writeHtml(appDir, out);
    return { dir: out };
  },

  // Rollup emits files referenced by new URL(…, import.meta.url) through the
  // plugin its documentation points to for that.
  async 'rollup'(appDir, out) {
    const warnings = [];
    const bundle = await rollup({
      input: path.join(appDir, 'main.js'),
      plugins: [nodeResolve({ browser: true }), importMetaAssets()],
      onwarn: (w) => warnings.push(w.message),
    });
    await bundle.write({ dir: out, format: 'es' });
    await bundle.close();
    if (warnings.length) throw new Error(`rollup warnings: ${warnings.join('\n')}`);
    writeHtml(appDir, out);
    return { dir: out };
  },

  // esbuild does not emit files named by new URL(…): its users copy the
  // package's dist/ beside their bundle and pass wasmBase (see js/README.md).
  async 'esbuild'(appDir, out) {
    const result = await esbuild.build({
      entryPoints: [path.join(appDir, 'main.js')], bundle: true, format: 'esm', platform: 'browser',
      outdir: out, minify: true, logLevel: 'silent',
    });
    if (result.warnings.length) throw new Error(`esbuild warnings: ${result.warnings.map((w) => w.text).join('\n')}`);
    copyDist(appDir, out);
    writeHtml(appDir, out);
    return { dir: out };
  },

  // Parcel 2 bundles a JavaScript file named by new URL(…) into its own
  // module format, so the glue loses its ES module export: its users copy
  // dist/ and pass wasmBase, like esbuild's.
  async 'parcel'(appDir, out) {
    await new Promise((resolve, reject) => execFile(PARCEL,
      ['build', 'index.html', '--dist-dir', out, '--no-cache', '--public-url', './', '--log-level', 'warn'],
      { cwd: appDir }, (err, stdout, stderr) => {
        if (err) reject(new Error(`parcel failed: ${stderr || err.message}`));
        else if (stderr.trim()) reject(new Error(`parcel warnings: ${stderr}`));
        else resolve();
      }));
    copyDist(appDir, out);
    return { dir: out };
  },
};

/** Copies the package's dist/ into a bundler's output, for wasmBase '/indorerank/'. */
function copyDist(appDir, out) {
  cpSync(path.join(appDir, 'node_modules', 'indorerank', 'dist'), path.join(out, 'indorerank'), { recursive: true });
}

/** The bundlers whose users copy dist/ and pass wasmBase. */
const COPIES_DIST = new Set(['esbuild', 'parcel']);

/** The app's main.js for a bundler: those that copy dist/ pass wasmBase. */
export function appSource(name, template) {
  return COPIES_DIST.has(name) ? template.replace('const OPTIONS = {};', "const OPTIONS = { wasmBase: '/indorerank/' };") : template;
}
