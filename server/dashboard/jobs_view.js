// The jobs view (#/): every job, newest first, with its status, progress, use against its
// budgets and age; polled every few seconds. A running job's record carries its last progress.
import { getJson } from './api.js';
import { age, errorText, format, h, notice, replace, statusBadge } from './dom.js';

const POLL_MS = 2000;
const SHOWN = 200; // the newest jobs listed
const STATUSES = ['queued', 'running', 'finished', 'failed', 'over_budget', 'cancelled'];

// The newest SHOWN jobs of `status` ('' for all), newest first, and whether there are more.
async function listJobs(status, signal) {
  const query = new URLSearchParams({ order: 'desc', limit: String(SHOWN) });
  if (status) query.set('status', status);
  const body = await getJson(`/v1/jobs?${query}`, signal);
  return { jobs: body.jobs, more: Boolean(body.next) };
}

// "calls 11 / 100 · tokens 778 / 5,000": what the job used of each budget it has; "none".
export function budgetText(job) {
  const o = job.options || {};
  const s = job.summary || {};
  const parts = [];
  if (o.max_calls) parts.push(`calls ${format(s.calls)} / ${format(o.max_calls)}`);
  if (o.max_tokens) parts.push(`tokens ${format(s.tokens)} / ${format(o.max_tokens)}`);
  if (o.max_wall_ms) parts.push(`wall ${format(o.max_wall_ms / 1000)} s`);
  if (o.max_instructions) parts.push(`Lua ${format(o.max_instructions)} instr.`);
  if (o.max_memory_mb) parts.push(`memory ${format(o.max_memory_mb)} MB`);
  return parts.length ? parts.join(' · ') : 'none';
}

// A progress bar and its text, from a progress event's data ({done, total, message}).
// A finished job's bar is full; a running one without progress yet shows a moving bar.
export function progressCell(progress, status) {
  const finished = status === 'finished';
  if (!progress) {
    if (finished) return h('progress', { max: 1, value: 1, title: 'finished' });
    return status === 'running' ? h('progress', { title: 'running' }) : '';
  }
  const { done, total, message } = progress;
  const bar = finished
    ? h('progress', { max: 1, value: 1 })
    : total > 0
      ? h('progress', { max: total, value: Math.min(done, total) })
      : h('progress');
  return [
    bar,
    h('span', { class: 'progress-text' }, `${format(done)} / ${format(total)} ${message || ''}`),
  ];
}

function jobRow(job, progress) {
  return h(
    'tr',
    { 'data-job': job.id },
    h('td', {}, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.id)),
    h('td', {}, job.script),
    h('td', {}, job.options?.model || ''),
    h('td', {}, statusBadge(job.status)),
    h('td', { class: 'progress' }, progressCell(progress, job.status)),
    h('td', { class: 'num' }, format(job.summary?.calls)),
    h('td', { class: 'num' }, format(job.summary?.tokens)),
    h('td', { class: 'num' }, format(job.summary?.rows)),
    h('td', {}, budgetText(job)),
    h('td', { title: new Date(job.created_ms).toISOString() }, age(job.created_ms)),
  );
}

const COLUMNS = [
  'Job',
  'Pipeline',
  'Model',
  'Status',
  'Progress',
  'Calls',
  'Tokens',
  'Rows',
  'Budgets',
  'Age',
];

export function show(root, _args, signal) {
  const filter = h(
    'select',
    { id: 'status-filter', 'aria-label': 'status', onchange: () => refresh() },
    h('option', { value: '' }, 'all statuses'),
    STATUSES.map((s) => h('option', { value: s }, s.replace('_', ' '))),
  );
  const body = h('tbody');
  const state = h('div', { class: 'state' });
  replace(
    root,
    h(
      'div',
      { class: 'toolbar' },
      h('h1', {}, 'Jobs'),
      filter,
      h('a', { class: 'button', href: '#/submit' }, 'Submit a job'),
    ),
    state,
    h(
      'table',
      { class: 'data jobs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      body,
    ),
  );

  let timer = null;
  let latest = 0; // the refresh whose answer is shown; an older one still in flight is dropped
  async function refresh() {
    clearTimeout(timer);
    const mine = ++latest;
    try {
      const { jobs, more } = await listJobs(filter.value, signal);
      if (mine !== latest) return;
      replace(
        body,
        jobs.map((j) => jobRow(j, j.progress)),
      );
      replace(
        state,
        !jobs.length
          ? notice('empty', 'No jobs yet. Submit one.')
          : more
            ? notice('more', `The newest ${SHOWN} jobs; older ones are not listed.`)
            : '',
      );
    } catch (error) {
      if (signal.aborted || mine !== latest) return;
      replace(state, notice('error', errorText(error)));
    }
    if (!signal.aborted) timer = setTimeout(refresh, POLL_MS);
  }
  signal.addEventListener('abort', () => clearTimeout(timer));
  refresh();
}
