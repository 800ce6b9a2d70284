// The dashboard's entry: the token field, and the view the address's fragment names
//   #/              the jobs          #/jobs/ID   one job       #/submit   a new job
//   #/workers       the nodes and their model workers
// Each view is show(root, args, signal): it fills `root` and stops its timers and streams when
// `signal` aborts, which happens when another view replaces it.
import { setToken, token } from './api.js';
import * as jobs from './jobs_view.js';
import * as job from './job_view.js';
import * as submit from './submit_view.js';
import * as workers from './workers_view.js';

const routes = [
  [/^#?\/?$/, 'jobs', jobs],
  [/^#\/jobs\/([^/]+)$/, 'jobs', job],
  [/^#\/submit$/, 'submit', submit],
  [/^#\/workers$/, 'workers', workers],
];

let current = null;

function route() {
  current?.abort();
  current = new AbortController();
  const root = document.getElementById('view');
  root.replaceChildren();
  const hash = location.hash || '#/';
  const [pattern, nav, view] = routes.find(([p]) => p.test(hash)) || routes[0];
  const args = (hash.match(pattern) || []).slice(1).map(decodeURIComponent);
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('active', link.dataset.nav === nav);
  }
  view.show(root, args, current.signal);
}

function setUpToken() {
  const field = document.getElementById('token');
  field.value = token();
  field.addEventListener('change', () => {
    setToken(field.value.trim());
    route();
  });
}

setUpToken();
window.addEventListener('hashchange', route);
route();
