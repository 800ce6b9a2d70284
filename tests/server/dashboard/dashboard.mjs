// recur serve's dashboard in headless Chromium (Debian's, driven by playwright-core): a server
// with a token file on 127.0.0.1; the page refuses to show jobs without the token and shows them
// with it; a shipped pipeline submitted through the page's form runs to the end while the job's
// page follows its events (the first stream is cut short, so the page must resume it with
// Last-Event-ID and show every log line once); the report table equals GET /v1/jobs/{id}/report;
// the chart's canvas has pixels drawn; the workers view shows what GET /v1/nodes gives. Saves
// screenshots of the jobs, the job and the workers, and fails on any script error or Content
// Security Policy violation.
//
//   node dashboard.mjs RECUR MODELS PIPELINES OUT_DIR
// Env: RECUR_CHROMIUM (default /usr/bin/chromium); RECUR_DOCS_SCREENSHOTS=DIR also writes the
// screenshots into DIR as dashboard-{jobs,job,workers}.png.
import { spawn, execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const [recur, models, pipelines, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: node dashboard.mjs RECUR MODELS PIPELINES OUT_DIR');
  process.exit(2);
}
const chromiumPath = process.env.RECUR_CHROMIUM || '/usr/bin/chromium';
const docsDir = process.env.RECUR_DOCS_SCREENSHOTS || '';
const TEST_MS = 150_000; // the whole test
const WAIT_MS = 60_000; // any one wait in the page

// The job the form submits: frontier.lua on the smallest addition model, 4 problems a length,
// lengths 2, 4 and 8: 16 agent calls, well under a second on one CPU core.
const MODEL = 'addition-pointer';
const PARAMS = { n: '4', start: '2', max_length: '8' };
const SEED = '7';
// A job that runs for a minute or more (lengths 16 to 1000), to be seen running and cancelled.
const LONG_PARAMS = { n: '8', start: '16', max_length: '1000' };

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-dashboard-'));
let server = null;
let browser = null;

async function cleanup() {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((resolve) => {
      const timer = setTimeout(() => {
        server.kill('SIGKILL');
        resolve();
      }, 10_000);
      server.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  fs.rmSync(work, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`FAIL: the test took longer than ${TEST_MS / 1000} s`);
  await cleanup();
  process.exit(1);
}, TEST_MS);

// Starts recur serve with a token file; resolves to {url, token} from its first stdout line.
async function startServer() {
  const tokens = path.join(work, 'tokens.json');
  const token = execFileSync(
    recur,
    ['token', 'add', '--name', 'dashboard-test', '--role', 'submit', '--auth', tokens],
    {
      encoding: 'utf8',
    },
  ).trim();
  const log = fs.openSync(path.join(work, 'serve.log'), 'w');
  server = spawn(
    recur,
    [
      'serve',
      '--store',
      path.join(work, 'store'),
      '--listen',
      '127.0.0.1:0',
      '--json',
      '--auth',
      tokens,
      '--models',
      models,
      '--pipelines',
      pipelines,
      '--threads',
      '1',
    ],
    { stdio: ['ignore', 'pipe', log] },
  );
  const line = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('recur serve printed no URL in 30 s')), 30_000);
    createInterface({ input: server.stdout }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `recur serve exited (${code}): ${fs.readFileSync(path.join(work, 'serve.log'), 'utf8')}`,
        ),
      );
    });
  });
  const { url } = JSON.parse(line);
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'the server listens on loopback');
  return { url, token };
}

// The API, called directly with the token.
function api(url, token) {
  return async (route, init = {}) => {
    const res = await fetch(url + route, {
      ...init,
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        ...(init.headers || {}),
      },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) };
  };
}

// The events of an ended job, parsed from its whole stream.
function parseEvents(text) {
  return text
    .split('\n\n')
    .filter((block) => block.includes('data:'))
    .map((block) => {
      const field = (name) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      return {
        id: Number(field('id')),
        type: field('event'),
        data: JSON.parse(field('data')),
        text: `${block}\n\n`,
      };
    });
}

// A cell's text as the dashboard formats `value` (server/dashboard/dom.js, format()).
function cellText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return String(Number(value.toPrecision(6)));
  }
  return String(value);
}

// The viewport as a PNG; with `fullPage`, the whole page (as tall as it is, 1280 px wide).
async function screenshot(page, name, fullPage = false) {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  if (docsDir) {
    fs.mkdirSync(docsDir, { recursive: true });
    fs.copyFileSync(file, path.join(docsDir, `${name}.png`));
  }
  console.log(`screenshot ${file}`);
}

async function main() {
  if (!fs.existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: install Debian's chromium ` +
        '(scripts/install-deps) or set RECUR_CHROMIUM',
    );
  }
  fs.mkdirSync(outDir, { recursive: true });
  const { url, token } = await startServer();
  const call = api(url, token);
  const origin = new URL(url).origin;

  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-proxy-server'],
    timeout: 60_000,
  });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    deviceScaleFactor: 1,
  });
  context.setDefaultTimeout(WAIT_MS);
  await context.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  // Loopback only: anything else the page asks for is refused and counted as a problem.
  await context.route(
    (u) => u.origin !== origin && u.protocol !== 'blob:' && u.protocol !== 'data:',
    (r) => {
      problems.push(`request off the server: ${r.request().url()}`);
      return r.abort();
    },
  );

  // The first event stream of a job is cut after its first events; the page must ask again from
  // the last event it saw.
  let streams = 0;
  let resumedFrom = null;
  let cutAfter = null;
  await context.route(/\/v1\/jobs\/[^/]+\/events$/, async (r) => {
    streams++;
    if (streams === 1) {
      const full = await r.fetch({ timeout: WAIT_MS });
      const events = parseEvents(await full.text());
      const kept = events.slice(0, 3);
      assert.ok(!kept.some((e) => e.type === 'end'), 'the job has more than three events');
      cutAfter = kept.at(-1).id;
      return r.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: kept.map((e) => e.text).join(''),
      });
    }
    if (streams === 2) resumedFrom = r.request().headers()['last-event-id'] ?? '';
    return r.continue();
  });

  // Without the token the jobs view says what is missing; with it, there are no jobs yet.
  await page.goto(`${url}/`);
  await page.locator('.notice-error').filter({ hasText: /token/i }).waitFor();
  await page.fill('#token', token);
  await page.press('#token', 'Tab');
  await page.locator('.notice-empty').filter({ hasText: 'No jobs yet' }).waitFor();
  await page.reload();
  assert.equal(await page.inputValue('#token'), token, 'the token is kept for the tab');
  await page.locator('.notice-empty').filter({ hasText: 'No jobs yet' }).waitFor();

  // Submit frontier through the form.
  await page.click('nav a[data-nav="submit"]');
  await page.selectOption('#pipeline', 'frontier');
  await page.selectOption('#model', MODEL);
  const names = Object.keys(PARAMS);
  for (let i = 1; i < names.length; i++) await page.click('#add-param');
  for (const [i, name] of names.entries()) {
    await page.locator('.param-name').nth(i).fill(name);
    await page.locator('.param-value').nth(i).fill(PARAMS[name]);
  }
  await page.fill('#seed', SEED);
  await page.click('#submit-job');
  await page.waitForURL(/#\/jobs\/job-\d+$/);
  const id = decodeURIComponent(new URL(page.url()).hash.split('/').pop());

  // The job's page follows it to the end.
  await page.locator('#job-status .status-finished').waitFor();
  await page.locator('table.report tbody tr').first().waitFor();
  const job = (await call(`/v1/jobs/${id}`)).json();
  assert.equal(job.status, 'finished', job.error);
  assert.equal(job.script, 'frontier.lua');
  assert.equal(job.options.model, MODEL);
  assert.deepEqual(job.params, PARAMS);
  assert.equal(job.seed, Number(SEED));

  // The report table is the report.
  const report = (await call(`/v1/jobs/${id}/report`)).json();
  assert.ok(report.rows.length >= 2, 'the report has rows');
  const headers = await page.locator('table.report thead th').allTextContents();
  assert.deepEqual(headers, report.columns);
  const cells = await page
    .locator('table.report tbody tr')
    .evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
    );
  assert.deepEqual(
    cells,
    report.rows.map((row) => report.columns.map((c) => cellText(row[c]))),
  );
  const lengths = report.rows.filter((r) => r.phase === 'double').map((r) => r.length);
  assert.deepEqual(lengths.slice(0, 2), [2, 4], 'frontier doubles from start=2');
  for (const r of report.rows.filter((row) => row.phase === 'double')) {
    assert.equal(r.n, 4);
    assert.equal(r.accuracy, r.correct / 4);
  }
  assert.equal(report.rows.at(-1).phase, 'frontier');

  // The CSV offered for download is the report's.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`a[download="${id}.csv"]`),
  ]);
  assert.equal(
    fs.readFileSync(await download.path(), 'utf8'),
    (await call(`/v1/jobs/${id}/report.csv`)).text,
  );

  // The chart is drawn: its canvas has pixels that are neither transparent nor white.
  const chart = page.locator('figure.chart[data-plot="frontier.svg"] canvas');
  await chart.waitFor();
  const inked = await chart.evaluate((canvas) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4)
      if (data[i + 3] > 0 && (data[i] < 240 || data[i + 1] < 240 || data[i + 2] < 240)) n++;
    return { n, size: canvas.width * canvas.height };
  });
  assert.ok(inked.size > 100_000, `the canvas is ${inked.size} pixels`);
  assert.ok(inked.n > 500, `the chart drew ${inked.n} pixels`);
  const svg = page.locator('figure.svg-plot img');
  await svg.waitFor();
  await page.waitForFunction(
    (img) => img.complete && img.naturalWidth > 0,
    await svg.elementHandle(),
  );

  // The log is every log event, once, though the first stream was cut.
  const events = parseEvents((await call(`/v1/jobs/${id}/events`)).text);
  const logLines = events.filter((e) => e.type === 'log').map((e) => e.data.line);
  assert.ok(logLines.length >= 2, 'the job logged');
  await page.waitForFunction(
    (n) => document.querySelector('#job-log').textContent.split('\n').length > n,
    logLines.length,
  );
  const shown = (await page.locator('#job-log').textContent()).split('\n').filter((l) => l !== '');
  assert.deepEqual(shown, logLines);
  assert.equal(resumedFrom, String(cutAfter), 'the page resumed the stream with Last-Event-ID');
  await page.locator('#job-log').evaluate((el) => (el.scrollTop = 0));
  await screenshot(page, 'dashboard-job', true);

  // Two more jobs, submitted directly: one that runs out of its call budget, and a long one. The
  // list shows all three, newest first, with their budgets, and the long one's progress from its
  // record.
  const submitJob = async (body) => {
    const res = await call('/v1/jobs', {
      method: 'POST',
      body: JSON.stringify({ pipeline: 'frontier', model: MODEL, ...body }),
    });
    assert.equal(res.status, 201, res.text);
    return res.json().id;
  };
  const overId = await submitJob({ params: PARAMS, seed: 8, budgets: { max_calls: 3 } });
  const longId = await submitJob({ params: LONG_PARAMS, seed: 9 });
  await page.click('nav a[data-nav="jobs"]');
  const row = (job) => page.locator(`table.jobs tr[data-job="${job}"]`);
  await row(overId).locator('.status-over_budget').waitFor();
  await row(id).locator('.status-finished').waitFor();
  await row(longId).locator('.status-running').waitFor();
  await row(longId)
    .locator('.progress-text')
    .filter({ hasText: /^[\d,]+ \/ 1,000 doubling$/ })
    .waitFor();
  const order = await page
    .locator('table.jobs tbody tr')
    .evaluateAll((trs) => trs.map((tr) => tr.dataset.job));
  assert.deepEqual(order, [longId, overId, id]);
  assert.match(await row(overId).locator('td').nth(8).textContent(), /^calls \d+ \/ 3$/);
  assert.equal(await row(id).locator('td').nth(8).textContent(), 'none');
  await screenshot(page, 'dashboard-jobs');

  // The workers view shows GET /v1/nodes (the long job's sessions among them), or says that the
  // server has none.
  await page.click('nav a[data-nav="workers"]');
  const nodes = await call('/v1/nodes');
  if (nodes.status === 404) {
    await page.locator('.notice-unavailable').filter({ hasText: 'Not available' }).waitFor();
  } else {
    assert.equal(nodes.status, 200, nodes.text);
    const body = nodes.json();
    await page.locator('section.node').first().waitFor();
    assert.equal(await page.locator('section.node').count(), body.nodes.length);
    const node = body.nodes[0];
    const workers = page.locator(`section.node[data-node="${node.name}"] table.workers`);
    await workers.locator('tbody tr').first().waitFor();
    assert.equal(await workers.locator('tbody tr').count(), node.workers.length);
    assert.ok((await workers.textContent()).includes(MODEL), 'the workers table names the model');
    // Memory: each worker's state pool, and the process, in binary units.
    const pools = await workers
      .locator('tbody tr')
      .evaluateAll(
        (trs, heads) => trs.map((tr) => tr.children[heads].textContent),
        await workers
          .locator('th')
          .evaluateAll((ths) => ths.map((th) => th.textContent).indexOf('state pool')),
      );
    const unit = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
    pools.forEach((text, i) => {
      const m = /^(\d+(?:\.\d)?) (B|KiB|MiB|GiB)$/.exec(text);
      assert.ok(m, `a state pool's size: '${text}'`);
      const shown = Number(m[1]) * unit[m[2]];
      const exact = node.workers[i].state_pool_bytes;
      assert.ok(exact > 0 && Math.abs(shown - exact) <= 0.05 * exact, `${text} for ${exact} bytes`);
    });
    const facts = await page
      .locator(`section.node[data-node="${node.name}"] dl.facts`)
      .textContent();
    assert.match(facts, /memory\d+(\.\d)? MiB/);
    // The long job's agents hold sessions and make tokens: the page shows both above 0.
    await page.waitForFunction(() => {
      const table = document.querySelector('table.workers');
      const heads = [...table.querySelectorAll('th')].map((th) => th.textContent);
      const cell = (tr, name) =>
        Number(tr.children[heads.indexOf(name)]?.textContent.replaceAll(',', ''));
      return [...table.querySelectorAll('tbody tr')].some(
        (tr) => cell(tr, 'sessions') > 0 && cell(tr, 'tokens/s') > 0,
      );
    });
  }
  await screenshot(page, 'dashboard-workers');

  // The long job is cancelled from its page.
  await page.goto(`${url}/#/jobs/${longId}`);
  await page.locator('#job-status .status-running').waitFor();
  await page.click('#cancel-job');
  await page.locator('#job-status .status-cancelled').waitFor();
  assert.equal((await call(`/v1/jobs/${longId}`)).json().status, 'cancelled');

  assert.deepEqual(problems, [], 'the page ran without errors');
  const rows = report.rows.length;
  console.log(
    `ok: ${id} finished (${rows} report rows), ${overId} over budget, ${longId} cancelled`,
  );
}

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error(`FAIL: ${error.stack || error}`);
  const log = path.join(work, 'serve.log');
  if (fs.existsSync(log)) console.error(`recur serve's log:\n${fs.readFileSync(log, 'utf8')}`);
}
clearTimeout(watchdog);
await cleanup();
process.exit(failed ? 1 : 0);
