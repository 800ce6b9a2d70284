// The submit view (#/submit): a form that submits one of the server's pipelines (GET
// /v1/pipelines) with a model, parameters, seed, priority and budgets as POST /v1/jobs takes them,
// then opens the new job's page. Empty fields are left out of the request.
import { errorText, h, notice, replace } from './dom.js';
import { getJson, postJson } from './api.js';

const BUDGETS = [
  ['max_wall_ms', 'Wall time (ms)'],
  ['max_calls', 'Calls'],
  ['max_tokens', 'Tokens'],
];

function field(label, input) {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

function paramRow(name = '', value = '') {
  const row = h(
    'div',
    { class: 'param' },
    h('input', { class: 'param-name', placeholder: 'name', 'aria-label': 'parameter name' }),
    h('input', { class: 'param-value', placeholder: 'value', 'aria-label': 'parameter value' }),
    h('button', { type: 'button', class: 'link', onclick: () => row.remove() }, 'Remove'),
  );
  row.querySelector('.param-name').value = name;
  row.querySelector('.param-value').value = value;
  return row;
}

const whole = (text) => /^\d+$/.test(text);

// The body of POST /v1/jobs from the form's fields; throws an Error naming a bad field.
function requestOf(form) {
  const fields = form.elements;
  const body = { pipeline: fields.pipeline.value };
  if (fields.model.value) body.model = fields.model.value;
  const params = {};
  for (const row of form.querySelectorAll('.param')) {
    const name = row.querySelector('.param-name').value.trim();
    const value = row.querySelector('.param-value').value.trim();
    if (!name && !value) continue;
    if (!name) throw new Error(`the parameter with value '${value}' has no name`);
    params[name] = value;
  }
  if (Object.keys(params).length) body.params = params;
  const seed = fields.seed.value.trim();
  if (seed) {
    if (!whole(seed)) throw new Error('the seed must be a whole number');
    body.seed = Number(seed);
  }
  const priority = fields.priority.value.trim();
  if (priority) {
    if (!/^-?\d+$/.test(priority)) throw new Error('the priority must be a whole number');
    body.priority = Number(priority);
  }
  const budgets = {};
  for (const [key, label] of BUDGETS) {
    const text = fields[key].value.trim();
    if (!text) continue;
    if (!whole(text)) throw new Error(`budget '${label}' must be a whole number`);
    budgets[key] = Number(text);
  }
  if (Object.keys(budgets).length) body.budgets = budgets;
  return body;
}

export async function show(root, _args, signal) {
  replace(root, h('h1', {}, 'Submit a job'), h('p', { class: 'muted' }, 'Loading…'));
  let pipelines, models;
  try {
    [pipelines, models] = await Promise.all([
      getJson('/v1/pipelines', signal).then((b) => b.pipelines || []),
      getJson('/v1/models', signal).then((b) => (b.data || []).map((m) => m.id)),
    ]);
  } catch (error) {
    if (!signal.aborted)
      replace(root, h('h1', {}, 'Submit a job'), notice('error', errorText(error)));
    return;
  }
  if (signal.aborted) return;
  if (pipelines.length === 0) {
    replace(
      root,
      h('h1', {}, 'Submit a job'),
      notice('unavailable', 'This server names no pipelines: start it with --pipelines DIR.'),
    );
    return;
  }

  const params = h('div', { class: 'params' }, paramRow());
  const status = h('div', { class: 'form-status' });
  const submit = h('button', { type: 'submit', id: 'submit-job' }, 'Submit');
  const form = h(
    'form',
    { class: 'submit', id: 'submit-form', novalidate: true },
    field(
      'Pipeline',
      h(
        'select',
        { name: 'pipeline', id: 'pipeline' },
        pipelines.map((p) => h('option', { value: p }, p)),
      ),
    ),
    field(
      'Model',
      h(
        'select',
        { name: 'model', id: 'model' },
        h('option', { value: '' }, "(the server's default)"),
        models.map((m) => h('option', { value: m }, m)),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Parameters'),
      params,
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          id: 'add-param',
          onclick: () => params.append(paramRow()),
        },
        'Add a parameter',
      ),
    ),
    h(
      'div',
      { class: 'row' },
      field(
        'Seed',
        h('input', { name: 'seed', id: 'seed', inputMode: 'numeric', placeholder: 'random' }),
      ),
      field(
        'Priority',
        h('input', { name: 'priority', id: 'priority', inputMode: 'numeric', placeholder: '0' }),
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Budgets (empty: none)'),
      h(
        'div',
        { class: 'row' },
        BUDGETS.map(([key, label]) =>
          field(label, h('input', { name: key, id: key, inputMode: 'numeric' })),
        ),
      ),
    ),
    h('div', { class: 'row' }, submit, status),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    replace(status);
    try {
      const job = await postJson('/v1/jobs', requestOf(form), signal);
      location.hash = `#/jobs/${encodeURIComponent(job.id)}`;
    } catch (error) {
      if (!signal.aborted) replace(status, notice('error', errorText(error)));
    }
    submit.disabled = false;
  });
  replace(root, h('h1', {}, 'Submit a job'), form);
}
