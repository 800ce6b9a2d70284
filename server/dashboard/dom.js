// Building the page: elements from tag, attributes and children (text is always set as text,
// never parsed as HTML), tables of rows, and the formats the views show numbers and times in.

// An element: h('a', {href: '#/'}, 'Jobs'). Attributes whose name starts with "on" are listeners;
// `class` and `data-*` are set as attributes, other keys as properties (value, disabled, ...).
// Children are nodes or text; null and false are skipped; arrays are flattened.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (
      key === 'class' ||
      key.startsWith('data-') ||
      key.startsWith('aria-') ||
      key === 'for'
    ) {
      el.setAttribute(key, value);
    } else el[key] = value;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

// Replaces the children of `el` with `children`.
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A table of `columns` (names) over `rows` (objects): a cell shows format(value), a header
// title(name); columns of numbers align right.
export function table(columns, rows, className = '', title = (c) => c) {
  const numeric = (c) =>
    rows.some((r) => typeof r[c] === 'number') &&
    rows.every((r) => r[c] == null || typeof r[c] === 'number');
  return h(
    'table',
    { class: `data ${className}` },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col', class: numeric(c) ? 'num' : '' }, title(c))),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map((c) =>
            h('td', { class: typeof row[c] === 'number' ? 'num' : '' }, format(row[c])),
          ),
        ),
      ),
    ),
  );
}

// A value as a cell shows it: numbers to 6 significant digits, absent values as empty.
export function format(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value)) return value.toLocaleString('en-US');
    return String(Number(value.toPrecision(6)));
  }
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

// "5 s", "3 min", "2 h", "4 d": the time since `ms` (milliseconds since the Unix epoch).
export function age(ms, now = Date.now()) {
  return duration(Math.max(0, now - ms));
}

// A length of time in milliseconds, in its largest whole unit.
export function duration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

// A job's status as a coloured badge.
export function statusBadge(status) {
  return h('span', { class: `status status-${status}` }, status.replace('_', ' '));
}

// A notice in place of content: kind is "error", "empty" or "unavailable".
export function notice(kind, text) {
  return h('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : null }, text);
}

// The message an error from the API (or the network) shows the user.
export function errorText(error) {
  if (error && error.status === 401) return `${error.message} — give a token in the top bar.`;
  if (error && error.status === 403) return `${error.message} — this token's role may not do it.`;
  return error && error.message ? error.message : String(error);
}
