// The three browser engines the tests and benchmarks run pages in, each
// behind the same small page API (a subset of Playwright's): goto,
// waitForFunction, evaluate (the result as JSON), screenshot, setViewport,
// errors.
//   chromium: Debian's Chromium through playwright-core (chromium.mjs);
//   firefox:  Debian's Firefox ESR through WebDriver BiDi (its own
//             --remote-debugging-port; Node 22+'s WebSocket client);
//   webkit:   Debian's WebKitGTK MiniBrowser through WebKitWebDriver (W3C
//             WebDriver over HTTP), on a virtual X display (xvfb-run). Its
//             automation mode keeps website data in memory and drops the
//             Cache API when a page loads the same URL again (a plain
//             MiniBrowser keeps it): tests that reload load another URL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchChromium } from './chromium.mjs';

export const ENGINES = ['chromium', 'firefox', 'webkit'];
/** How each engine is shown (for benchmark headers). */
export const DISPLAY = { chromium: 'headless', firefox: 'headless', webkit: 'on a virtual X display' };
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const TIMEOUT_MS = 120_000;

/**
 * @typedef {object} EnginePage
 * @property {(url: string) => Promise<void>} goto  navigates and waits for the load event
 * @property {(fn: Function | string, arg?: unknown, timeoutMs?: number) => Promise<void>} waitForFunction
 *   polls fn(arg) in the page until it is truthy
 * @property {(fn: Function | string, arg?: unknown) => Promise<any>} evaluate
 *   awaits fn(arg) in the page; the result travels as JSON
 * @property {(file: string) => Promise<void>} screenshot  the viewport, as PNG
 * @property {(width: number, height: number) => Promise<void>} setViewport
 * @property {string[]} errors  uncaught errors and console.error messages seen so far
 */

/**
 * @param {'chromium' | 'firefox' | 'webkit'} name
 * @returns {Promise<{ name: string, version: string, page: EnginePage, close: () => Promise<void> }>}
 */
export async function launchEngine(name) {
  if (name === 'chromium') return launchChromiumEngine();
  if (name === 'firefox') return launchFirefox();
  if (name === 'webkit') return launchWebKit();
  throw new Error(`unknown engine ${name} (${ENGINES.join(', ')})`);
}

/**
 * Whether the package's threads can start on `page`: the page is isolated and
 * the engine gives it SharedArrayBuffer (Emscripten's pthreads need the
 * global). WebKitGTK keeps it hidden even then; Chromium and Firefox must give
 * it to every isolated page, and the check fails if they do not.
 */
export async function threadsCanStart(engine, page, isolated, label) {
  const sharedMemory = await page.evaluate(() => typeof SharedArrayBuffer !== 'undefined');
  if (engine !== 'webkit') assert.equal(sharedMemory, isolated, `${label}: SharedArrayBuffer`);
  return isolated && sharedMemory;
}

// The page-side wrapper of evaluate and waitForFunction: a function or an
// expression, called with the JSON argument, its awaited result as JSON.
const call = (fn, arg) => (typeof fn === 'function'
  ? `(${fn})(${arg === undefined ? '' : JSON.stringify(arg)})` : `(${fn})`);
const asJson = (expr) => `Promise.resolve(${expr}).then((v) => JSON.stringify(v === undefined ? null : v))`;
const poll = (expr, timeoutMs) => `new Promise((resolve, reject) => {
  const end = Date.now() + ${timeoutMs};
  const tick = async () => {
    try { if (await (${expr})) return resolve(true); } catch (e) { /* not yet */ }
    if (Date.now() > end) return reject(new Error('waitForFunction: timed out'));
    setTimeout(tick, 50);
  };
  tick();
})`;

async function launchChromiumEngine() {
  const { context, close } = await launchChromium();
  const p = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') errors.push(`${m.text()} (${m.location()?.url ?? ''})`); });
  const page = {
    errors,
    goto: async (u) => { await p.goto(u); },
    evaluate: (fn, arg) => p.evaluate(fn, arg),
    waitForFunction: async (fn, arg, timeout = TIMEOUT_MS) => { await p.waitForFunction(fn, arg, { timeout }); },
    screenshot: async (file) => { await p.screenshot({ path: file }); },
    setViewport: (width, height) => p.setViewportSize({ width, height }),
  };
  return { name: 'chromium', version: `Chromium ${context.browser()?.version() ?? ''}`.trim(), page, close };
}

function stopProcess(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try { process.kill(-child.pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
    setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000).unref();
  });
}

// Resolves with the first match of `re` in the child's stderr (or rejects
// when it exits first, with what it printed).
function waitForStderr(child, re, what) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what}: no ${re} within ${TIMEOUT_MS} ms:\n${text}`)), TIMEOUT_MS);
    child.stderr.on('data', (d) => {
      text += d;
      const m = text.match(re);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited (${code}):\n${text}`)); });
  });
}

async function launchFirefox() {
  if (typeof WebSocket === 'undefined') {
    throw new Error(`driving Firefox needs Node 22 or later (its WebSocket client); this is Node ${process.version} ` +
      '(make setup puts Node 24 in third_party/node-lts/bin)');
  }
  const profile = mkdtempSync(path.join(tmpdir(), 'indorerank-firefox-'));
  // No update checks, telemetry or first-run pages: the tests count requests.
  writeFileSync(path.join(profile, 'user.js'), [
    'app.update.enabled', 'app.normandy.enabled', 'datareporting.healthreport.uploadEnabled',
    'datareporting.policy.dataSubmissionEnabled', 'toolkit.telemetry.enabled', 'browser.shell.checkDefaultBrowser',
    'browser.safebrowsing.malware.enabled', 'browser.safebrowsing.phishing.enabled', 'extensions.update.enabled',
    'network.captive-portal-service.enabled', 'network.connectivity-service.enabled', 'browser.aboutwelcome.enabled',
  ].map((p) => `user_pref("${p}", false);`).concat('user_pref("browser.startup.homepage_override.mstone", "ignore");')
    .join('\n') + '\n');
  const child = spawn('firefox-esr', ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0'],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const close = async () => {
    await stopProcess(child);
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    const [, url] = await waitForStderr(child, /WebDriver BiDi listening on (ws:\/\/\S+)/, 'firefox-esr');
    const ws = new WebSocket(`${url}/session`);
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error('BiDi: no connection')); });
    let lastId = 0;
    const pending = new Map();
    const errors = [];
    ws.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.id !== undefined && pending.has(m.id)) {
        const { resolve, reject } = pending.get(m.id);
        pending.delete(m.id);
        if (m.type === 'error') reject(new Error(`BiDi ${m.error}: ${m.message}`));
        else resolve(m.result);
      } else if (m.method === 'log.entryAdded' && m.params.level === 'error') {
        errors.push(`${m.params.text} (${m.params.source?.realm ?? ''})`);
      }
    };
    const send = (method, params) => new Promise((resolve, reject) => {
      const id = ++lastId;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
    const session = await send('session.new', { capabilities: { alwaysMatch: { acceptInsecureCerts: false } } });
    await send('session.subscribe', { events: ['log.entryAdded'] });
    const context = (await send('browsingContext.getTree', {})).contexts[0].context;
    const evaluate = async (fn, arg) => {
      const r = await send('script.evaluate',
        { expression: asJson(call(fn, arg)), target: { context }, awaitPromise: true, resultOwnership: 'none' });
      if (r.type === 'exception') throw new Error(`in the page: ${r.exceptionDetails.text}`);
      return JSON.parse(r.result.value);
    };
    const page = {
      errors,
      goto: async (u) => { await send('browsingContext.navigate', { context, url: u, wait: 'complete' }); },
      evaluate,
      waitForFunction: async (fn, arg, timeoutMs = TIMEOUT_MS) => { await evaluate(poll(call(fn, arg), timeoutMs)); },
      screenshot: async (file) => {
        const { data } = await send('browsingContext.captureScreenshot', { context });
        writeFileSync(file, Buffer.from(data, 'base64'));
      },
      setViewport: async (width, height) => { await send('browsingContext.setViewport', { context, viewport: { width, height } }); },
    };
    return {
      name: 'firefox',
      version: `Firefox ${session.capabilities.browserVersion}`,
      page,
      close: async () => {
        try { await send('session.end', {}); } catch { /* closing anyway */ }
        ws.close();
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

async function launchWebKit() {
  // WebKitWebDriver on a free port, under its own X display.
  const port = await new Promise((resolve) => {
    import('node:net').then(({ createServer }) => {
      const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    });
  });
  const child = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x1024x24', 'WebKitWebDriver', `--port=${port}`],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const base = `http://127.0.0.1:${port}`;
  const wd = async (method, route, body) => {
    const res = await fetch(base + route, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const { value } = await res.json();
    if (value && value.error) throw new Error(`WebDriver ${value.error}: ${value.message}`);
    return value;
  };
  try {
    const started = Date.now();
    for (;;) {
      try { await wd('GET', '/status'); break; } catch (e) {
        if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode})`);
        if (Date.now() - started > TIMEOUT_MS) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const session = await wd('POST', '/session', { capabilities: { alwaysMatch: {
      browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } } });
    const s = `/session/${session.sessionId}`;
    await wd('POST', `${s}/timeouts`, { script: TIMEOUT_MS * 5, pageLoad: TIMEOUT_MS });
    // Classic WebDriver has no console events: the page's own errors are
    // collected by a listener the page installs (see tests/browser/index.html).
    const errors = [];
    const evaluate = async (fn, arg) => {
      const r = await wd('POST', `${s}/execute/async`, {
        script: `const done = arguments[0];
          ${asJson(call(fn, arg))}.then((v) => done({ v }), (e) => done({ e: String(e) + ' ' + (e && e.stack) }));`,
        args: [],
      });
      const seen = await wd('POST', `${s}/execute/sync`, { script: 'const e = window.__pageErrors || []; window.__pageErrors = []; return e;', args: [] });
      errors.push(...seen);
      if (r.e !== undefined) throw new Error(`in the page: ${r.e}`);
      return JSON.parse(r.v);
    };
    const page = {
      errors,
      goto: async (u) => { await wd('POST', `${s}/url`, { url: u }); },
      evaluate,
      waitForFunction: async (fn, arg, timeoutMs = TIMEOUT_MS) => { await evaluate(poll(call(fn, arg), timeoutMs)); },
      screenshot: async (file) => { writeFileSync(file, Buffer.from(await wd('GET', `${s}/screenshot`), 'base64')); },
      setViewport: async (width, height) => { await wd('POST', `${s}/window/rect`, { width, height }); },
    };
    return {
      name: 'webkit',
      version: `WebKitGTK ${session.capabilities.browserVersion}`,
      page,
      close: async () => {
        try { await wd('DELETE', s); } catch { /* closing anyway */ }
        await stopProcess(child);
      },
    };
  } catch (e) {
    await stopProcess(child);
    throw e;
  }
}
