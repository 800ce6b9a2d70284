// The HTTP API of recur serve as the dashboard calls it (docs/service.md): the bearer token the
// user gave, JSON requests whose failures carry the API's error, and a job's event stream.
//
// Event streams are read with fetch(), not EventSource: EventSource cannot send the
// Authorization header that a server with a token file asks of every /v1 route.

const TOKEN_KEY = 'recur.token';

// The token kept for this tab ('' when none).
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

// Keeps `value` as the token for this tab; '' forgets it.
export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

// A request the server answered with an error: the HTTP status, the API's code and message.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  const t = token();
  if (t) h.Authorization = `Bearer ${t}`;
  return h;
}

async function failure(res) {
  let code = 'unknown';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = await res.json();
    if (body && body.error) ({ code, message } = body.error);
  } catch {
    // Not the API's error body: the status line says what happened.
  }
  return new ApiError(res.status, code, message);
}

async function send(method, path, body, signal) {
  const init = { method, headers: headers(), signal, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (!res.ok) throw await failure(res);
  return res;
}

// GET `path` as JSON; throws ApiError when the server answers an error.
export async function getJson(path, signal) {
  return (await send('GET', path, undefined, signal)).json();
}

// POST `body` as JSON to `path`; the answer's JSON, or ApiError.
export async function postJson(path, body, signal) {
  return (await send('POST', path, body, signal)).json();
}

// GET `path` as a Blob (a plot's SVG, a report's CSV); throws ApiError.
export async function getBlob(path, signal) {
  return (await send('GET', path, undefined, signal)).blob();
}

// Splits Server-Sent Events text into events, keeping what is not yet a whole event. Each event
// is {id, type, data} with `data` parsed as JSON.
class EventParser {
  constructor() {
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.id = '';
    this.type = '';
    this.data = [];
  }

  // The whole events in `chunk` and what came before it.
  push(chunk) {
    this.buffer += chunk;
    const events = [];
    let end;
    while ((end = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, end);
      const eol = this.buffer.startsWith('\r\n', end) ? 2 : 1;
      this.buffer = this.buffer.slice(end + eol);
      if (line === '') {
        if (this.data.length > 0) {
          events.push({
            id: this.id,
            type: this.type || 'message',
            data: JSON.parse(this.data.join('\n')),
          });
        }
        this.reset();
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'id') this.id = value;
      else if (field === 'event') this.type = value;
      else if (field === 'data') this.data.push(value);
    }
    return events;
  }
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

// Follows the events of job `id` (status, progress, log, row, end) from after event `after`,
// calling onEvent({id, type, data}) for each, until the `end` event or until `signal` aborts.
// A dropped connection is resumed with Last-Event-ID, at most `retries` times in a row;
// onState('live' | 'reconnecting') tells the caller which. Throws ApiError when the server refuses
// the stream (an unknown job, a missing token), and the last network error when retries run out.
export async function followJobEvents(
  id,
  { after = 0, signal, onEvent, onState = () => {}, retries = 10 },
) {
  let last = after;
  let failures = 0;
  for (;;) {
    if (signal?.aborted) return;
    let ended = false;
    let dropped = new Error(`the event stream of ${id} closed before its end`);
    try {
      const extra = { Accept: 'text/event-stream' };
      if (last > 0) extra['Last-Event-ID'] = String(last);
      const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
        headers: headers(extra),
        signal,
        cache: 'no-store',
      });
      if (!res.ok) throw await failure(res);
      onState('live');
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new EventParser();
      while (!ended) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const event of parser.push(value)) {
          failures = 0;
          last = Number(event.id) || last;
          onEvent(event);
          if (event.type === 'end') ended = true;
        }
      }
      if (ended) {
        await reader.cancel();
        return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof ApiError && error.status !== 503) throw error;
      dropped = error;
    }
    if (signal?.aborted) return;
    if (++failures > retries) throw dropped;
    onState('reconnecting');
    await sleep(Math.min(1000 * failures, 5000), signal);
  }
}
