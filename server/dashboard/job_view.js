// One job (#/jobs/ID): its record, live progress and log from its event stream (resumed after a
// dropped connection), the rows as they come, and once it has ended its report: the table, a
// chart of each plot (uPlot) beside the server's SVG, and the CSV.
import { ApiError, followJobEvents, getBlob, getJson, postJson } from './api.js';
import { age, errorText, format, h, notice, replace, statusBadge, table } from './dom.js';
import { budgetText, progressCell } from './jobs_view.js';
import { reportChart } from './report_chart.js';

const MAX_LOG_LINES = 5000;
const ROWS_MS = 250;
const ENDED = new Set(['finished', 'failed', 'over_budget', 'cancelled']);

const path = (id, rest = '') => `/v1/jobs/${encodeURIComponent(id)}${rest}`;

function facts(job) {
  const rows = [
    ['Pipeline', job.script],
    ['Model', job.options?.model || "(the server's)"],
    ['Seed', job.seed],
    ['Priority', job.priority],
    ['Runs', job.runs],
    ['Created', `${new Date(job.created_ms).toLocaleString()} (${age(job.created_ms)} ago)`],
    ['Updated', `${new Date(job.updated_ms).toLocaleString()}`],
    ['Calls', format(job.summary?.calls)],
    ['Tokens', format(job.summary?.tokens)],
    ['Replayed calls', format(job.summary?.replayed)],
    ['Rows', format(job.summary?.rows)],
    ['Budgets', budgetText(job)],
  ];
  const params = Object.entries(job.params || {});
  rows.push(['Params', params.length ? params.map(([k, v]) => `${k}=${v}`).join('  ') : 'none']);
  return h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v))]),
  );
}

// Offers `blob` as a file named `name` through a link the user clicks.
function download(name, blob, signal) {
  const url = URL.createObjectURL(blob);
  signal.addEventListener('abort', () => URL.revokeObjectURL(url), { once: true });
  return h('a', { class: 'button', href: url, download: name }, `Download ${name}`);
}

// The server's SVG of a plot, fetched with the token and shown from a blob: URL.
async function serverPlot(id, plot, signal) {
  const name = plot.file.replace(/\.svg$/, '');
  const blob = await getBlob(path(id, `/plots/${encodeURIComponent(name)}.svg`), signal);
  const url = URL.createObjectURL(blob);
  signal.addEventListener('abort', () => URL.revokeObjectURL(url), { once: true });
  return h(
    'figure',
    { class: 'svg-plot' },
    h('img', { src: url, alt: plot.title || plot.file }),
    h('figcaption', {}, plot.file),
  );
}

// The report section of an ended job.
async function showReport(section, id, signal) {
  let report;
  try {
    report = await getJson(path(id, '/report'), signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      replace(section, h('h2', {}, 'Report'), notice('empty', 'This job wrote no report.'));
      return;
    }
    throw error;
  }
  const columns = report.columns?.length
    ? report.columns
    : [...new Set(report.rows.flatMap(Object.keys))];
  const csv = await getBlob(path(id, '/report.csv'), signal).catch(() => null);
  replace(
    section,
    h(
      'div',
      { class: 'toolbar' },
      h('h2', {}, 'Report'),
      csv && download(`${id}.csv`, csv, signal),
    ),
    table(columns, report.rows, 'report'),
  );
  for (const plot of report.plots || []) {
    const pair = h('div', { class: 'plots' }, reportChart(plot, report.rows, signal));
    section.append(pair);
    if (plot.file) {
      serverPlot(id, plot, signal)
        .then((figure) => pair.append(figure))
        .catch((error) => pair.append(notice('error', `${plot.file}: ${errorText(error)}`)));
    }
  }
}

export function show(root, [id], signal) {
  const head = h('div', { class: 'toolbar' }, h('h1', {}, id));
  const status = h('span', { id: 'job-status' });
  const stream = h('span', { class: 'stream' });
  const cancel = h('button', { type: 'button', id: 'cancel-job', hidden: true }, 'Cancel');
  const about = h('div', { class: 'about' });
  const error = h('div');
  const progress = h('div', { class: 'progress job-progress' });
  const log = h('pre', { class: 'log', id: 'job-log', tabIndex: 0 });
  const liveRows = h('section', { class: 'live-rows' });
  const report = h('section', { class: 'report-section' });
  head.append(status, stream, cancel);
  const top = h(
    'div',
    { class: 'job-top' },
    about,
    h('div', { class: 'log-box' }, h('h2', {}, 'Log'), log),
  );
  replace(root, head, error, progress, top, liveRows, report);

  let job = null;
  let lastProgress = null;
  const rows = [];
  let logLines = 0;

  function render() {
    replace(status, statusBadge(job.status));
    cancel.hidden = ENDED.has(job.status);
    replace(about, h('h2', {}, 'Details'), facts(job));
    replace(error, job.error ? notice('error', job.error) : '');
    replace(progress, progressCell(lastProgress, job.status));
  }

  async function reload() {
    job = await getJson(path(id), signal);
    render();
  }

  // The rows so far, redrawn at most every ROWS_MS while the job runs.
  let rowsTimer = null;
  function renderRows() {
    if (rowsTimer) return;
    rowsTimer = setTimeout(() => {
      rowsTimer = null;
      if (signal.aborted || (job && ENDED.has(job.status))) return;
      const columns = [...new Set(rows.flatMap(Object.keys))];
      replace(liveRows, h('h2', {}, 'Rows so far'), table(columns, rows, 'rows'));
    }, ROWS_MS);
  }
  signal.addEventListener('abort', () => clearTimeout(rowsTimer), { once: true });

  function onEvent(e) {
    if (e.type === 'progress') {
      lastProgress = e.data;
      if (job) replace(progress, progressCell(lastProgress, job.status));
    } else if (e.type === 'log') {
      if (logLines++ >= MAX_LOG_LINES) log.firstChild?.remove();
      log.append(`${e.data.line}\n`);
      log.scrollTop = log.scrollHeight;
    } else if (e.type === 'row') {
      rows.push(e.data);
      if (!job || !ENDED.has(job.status)) renderRows();
    } else if (e.type === 'status') {
      reload().catch(() => {});
    }
  }

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      job = await postJson(path(id, '/cancel'), {}, signal);
      render();
    } catch (err) {
      replace(error, notice('error', errorText(err)));
    }
    cancel.disabled = false;
  });

  (async () => {
    try {
      await reload();
      await followJobEvents(id, {
        signal,
        onEvent,
        onState: (s) => replace(stream, s === 'live' ? 'live' : 'reconnecting…'),
      });
      if (signal.aborted) return;
      replace(stream, '');
      await reload();
      replace(liveRows);
      await showReport(report, id, signal);
    } catch (err) {
      if (signal.aborted) return;
      replace(error, notice('error', errorText(err)));
    }
  })();
}
