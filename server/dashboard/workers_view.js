// The workers view (#/workers): the nodes of GET /v1/nodes and each node's model workers, polled
// every few seconds. Fields are shown as the server gives them, the known ones first, so a field
// the server adds appears without a change here. A server without the route shows "not available".
import { ApiError, getJson } from './api.js';
import { age, errorText, format, h, notice, replace, table } from './dom.js';

const POLL_MS = 2000;
const NODE_FIELDS = [
  'slots_used',
  'slots_free',
  'sessions',
  'queued',
  'tokens_per_s',
  'state_pool_bytes',
  'resident_bytes',
];
const WORKER_FIELDS = [
  'model',
  'worker',
  'device',
  'state',
  'slots_used',
  'slots_free',
  'sessions',
  'queued',
  'tokens_per_s',
  'state_bytes',
  'state_pool_bytes',
];

// "38 KiB", "1.5 GiB": a count of bytes as people read it.
export function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return `${i === 0 || n >= 100 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

// An object's fields for showing: counts of bytes ("…_bytes") in binary units.
const readable = (o) =>
  Object.fromEntries(
    Object.entries(o).map(([k, v]) => [
      k,
      k.endsWith('_bytes') && typeof v === 'number' ? bytes(v) : v,
    ]),
  );

// The known fields present in `objects`, then the others (objects and arrays left out).
function fieldsOf(objects, known, skip) {
  const present = new Set(objects.flatMap((o) => Object.keys(o)));
  const plain = (k) => objects.every((o) => o[k] === null || typeof o[k] !== 'object');
  const rest = [...present].filter((k) => !known.includes(k) && !skip.includes(k) && plain(k));
  return [...known.filter((k) => present.has(k)), ...rest];
}

// A field's name as a header shows it: "slots used", "tokens/s".
const title = (field) =>
  field
    .replace(/_per_s$/, '/s')
    .replace(/^resident_bytes$/, 'memory')
    .replace(/^state_bytes$/, 'state per session')
    .replace(/_bytes$/, '')
    .replaceAll('_', ' ');

function nodeView(node) {
  const skip = ['name', 'workers', 'last_heartbeat_ms'];
  const fields = fieldsOf([node], NODE_FIELDS, skip);
  const heartbeat =
    typeof node.last_heartbeat_ms === 'number'
      ? `heartbeat ${age(node.last_heartbeat_ms)} ago`
      : '';
  const workers = Array.isArray(node.workers) ? node.workers : [];
  return h(
    'section',
    { class: 'node', 'data-node': node.name || '' },
    h(
      'div',
      { class: 'toolbar' },
      h('h2', {}, node.name || '(unnamed node)'),
      h('span', { class: 'muted' }, heartbeat),
    ),
    h(
      'dl',
      { class: 'facts' },
      fields.map((f) => [h('dt', {}, title(f)), h('dd', {}, format(readable(node)[f]))]),
    ),
    workers.length
      ? table(fieldsOf(workers, WORKER_FIELDS, []), workers.map(readable), 'workers', title)
      : notice('empty', 'This node runs no model workers.'),
  );
}

export function show(root, _args, signal) {
  const content = h('div');
  replace(root, h('div', { class: 'toolbar' }, h('h1', {}, 'Workers')), content);
  let timer = null;
  async function refresh() {
    try {
      const body = await getJson('/v1/nodes', signal);
      const nodes = Array.isArray(body.nodes) ? body.nodes : [];
      replace(
        content,
        nodes.length ? nodes.map(nodeView) : notice('empty', 'The server reports no nodes.'),
      );
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 404) {
        replace(
          content,
          notice(
            'unavailable',
            'Not available: this server does not report its workers (GET /v1/nodes answers 404).',
          ),
        );
        return;
      }
      replace(content, notice('error', errorText(error)));
    }
    if (!signal.aborted) timer = setTimeout(refresh, POLL_MS);
  }
  signal.addEventListener('abort', () => clearTimeout(timer));
  refresh();
}
