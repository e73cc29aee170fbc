// Guard admin console: session, navigation (hash routes) and the pages in pages/*.js. Talks only to the JSON API
// of src/Admin/API.md, same origin, with the session cookie and the X-CSRF-Token header. No frameworks, no build
// step; everything is served by Guard (index.html at /, the rest at /console/<path>) under a strict CSP: no inline
// scripts, handlers or styles, and server data only ever goes into the page as textContent.
//
// Stable ids for browser tests (each element with an id also has the same data-testid unless noted):
//
//   Shell     #loading                       shown until GET /api/session answers
//             #login-view, #login-form, #token (password input), #login-button, #login-error
//             #app-view, #user-name, #user-role (text: "admin" | "reviewer"), #logout-button
//             body[data-role="admin"|"reviewer"] once signed in
//             #nav-certification, #nav-guards, #nav-blocked, #nav-live, #nav-history, #nav-audit
//               (the current one has aria-current="page" and class "active")
//             #message (page-level errors and notices), #page (the page), #page-title (each page's h1)
//             Every message box (#message, #login-error, #cert-message, ...) is [hidden] when empty, has
//             data-kind="error"|"success"|"info" when shown, and lists API `problems` as ul.problems > li.
//   Certification (#/certification)
//             #cert-model (select of models), #cert-policy (which policy/models a change affects),
//             #cert-current (settings in force; dd ids #cert-current-enabled, #cert-current-baseModel,
//               #cert-current-sigma, #cert-current-n, #cert-current-n0, #cert-current-alpha,
//               #cert-current-minRadius, #cert-current-action)
//             #cert-sigma (select; option value = index in `options`, text "σ = 0.25 (fashion_cnn_s025)"),
//             #cert-n, #cert-n0, #cert-alpha, #cert-rmin (number inputs), #cert-run (the option's certify run)
//             #cert-curve (the <svg>; polyline.curve-line [data-testid=cert-curve-line], and
//               line#cert-rmin-marker[data-radius] at r_min), #cert-curve-at-rmin (curve value at r_min)
//             #cert-estimate (box; class "pending" while waiting), #cert-abstain, #cert-accuracy, #cert-ms,
//               #cert-examples, #cert-estimate-message
//             #cert-reason, #cert-apply, #cert-message (result: data-version="N" after success)
//   Guards (#/guards)
//             #guards-policy (select), #guards-version, #guards-table (rows tr[data-guard="knn"|...],
//               data-testid "guard-row-NAME"); per guard: #guard-enabled-NAME, #guard-threshold-NAME
//               (number input; for smoothing a span: its r_min is set on Certification), #guard-action-NAME
//               (select; value "" = unset, i.e. the policy's actions.default), #guard-calibration-NAME
//             #guards-reason, #guards-apply, #guards-message (data-version="N" after success)
//   Blocked queries (#/blocked)
//             #blocked-filters (form), #filter-from, #filter-to (datetime-local, local time, sent as ISO UTC),
//             #filter-client, #filter-model (text), #filter-guard, #filter-action, #filter-page-size (selects),
//             #blocked-apply-filters (submit), #blocked-reset-filters, #blocked-filter-message,
//             #export-json, #export-csv (<a download> whose href follows the filter form),
//             #blocked-table (rows tr[data-id], clickable; the time cell is a link to the detail),
//             #blocked-first, #blocked-next, #blocked-page (text "Page N · M rows")
//   Blocked query detail (#/blocked/ID)
//             #detail-back, #detail-fields (dd ids #detail-id, #detail-time, #detail-request-id, #detail-client,
//               #detail-model, #detail-model-version, #detail-guard, #detail-action, #detail-input-hash,
//               #detail-snapshot), #detail-score, #detail-threshold, #detail-score-bar (svg), #detail-comparison,
//             #detail-image (<img>, only when snapshot.isImage), #detail-no-image (otherwise, or if it fails),
//             #detail-matched (table, rows tr[data-id] linking to their detail),
//             #detail-matched-ids (raw matchedQueryIds, one li each; linked when in `matched`),
//             #ban-status (data-banned="true"|"false"), #ban-reason, #ban-duration (option values "00:15:00",
//             "01:00:00", "1.00:00:00"), #ban-button, #unban-button, #ban-message
//   Live (#/live)  #live-updated, #live-paused, #live-error, #live-requests (#live-requests-total,
//             #live-requests-rate), #live-blocks (table, rows tr[data-guard]; #live-blocks-total),
//             #live-stages (table, rows tr[data-stage]), #live-upstreams (table, rows tr[data-upstream]),
//             #live-state (dl: #live-state-backend, #live-state-healthy, #live-state-degraded,
//             #live-state-breaker, #live-state-ping)
//   History (#/history)
//             #history-table (rows tr[data-version]); per row button.overlay-button (data-testid
//               "overlay-button-VERSION": shows tr.overlay-row with pre.overlay, data-testid "overlay-VERSION")
//               and, for admins only, button.rollback-button[data-version] (data-testid "rollback-VERSION")
//               which opens an inline row: #rollback-reason, #rollback-confirm, #rollback-cancel,
//               #rollback-message; #history-newest, #history-older, #history-message (data-version after a rollback)
//   Audit (#/audit) #audit-table (rows tr[data-id]), #audit-newest, #audit-older
//
// Change controls (apply, ban, unban, rollback) are disabled for the reviewer role (class "admin-only"); the
// server enforces roles anyway. A reason is required before any change is sent (it goes into the audit trail).

import { api, ApiError, isAbort, onUnauthorized, setCsrfToken } from './api.js';
import { byId, clear, showIn } from './dom.js';
import * as certification from './pages/certification.js';
import * as guards from './pages/guards.js';
import * as blocked from './pages/blocked.js';
import * as detail from './pages/detail.js';
import * as live from './pages/live.js';
import * as historyPage from './pages/history.js';
import * as audit from './pages/audit.js';

const PAGES = { certification, guards, blocked, live, history: historyPage, audit };
const DEFAULT_ROUTE = '#/certification';

let session = null; // {user, role, expiresUtc}
let current = null; // {controller, cleanups}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const path = raw.split('?')[0];
  const [name, ...rest] = path.split('/');
  let param = rest.length ? rest.join('/') : null;
  if (param !== null) {
    try {
      param = decodeURIComponent(param);
    } catch {
      // keep as is
    }
  }
  return { name, param: param === '' ? null : param };
}

function describe(error) {
  if (!(error instanceof ApiError)) {
    return { text: `Unexpected error: ${error && error.message ? error.message : String(error)}`, problems: [] };
  }
  const role = session ? session.role : 'unknown';
  switch (error.status) {
    case 0: return { text: error.message, problems: [] };
    case 400: return { text: `The server rejected the request: ${error.message}`, problems: error.problems };
    case 401: return { text: 'Not signed in, or the session expired: sign in again.', problems: [] };
    case 403:
      return role === 'admin'
        ? { text: `Forbidden: ${error.message} (if the CSRF token is stale, reload the page).`, problems: error.problems }
        : { text: `Not allowed: your role (${role}) does not allow this. ${error.message}`, problems: error.problems };
    case 404: return { text: `Not found: ${error.message}`, problems: error.problems };
    case 409:
      return {
        text: `Conflict: ${error.message}. Someone changed the policy since it was read; nothing was applied. `
          + 'Reload, check the current values and apply again.',
        problems: error.problems,
      };
    case 503: return { text: `The state store is unreachable, try again shortly: ${error.message}`, problems: error.problems };
    default: return { text: `Error ${error.status}: ${error.message}`, problems: error.problems };
  }
}

/** What a page gets: the session, its abort signal, message helpers and cleanup registration. */
function makeContext(controller, cleanups) {
  const role = session.role;
  const isAdmin = role === 'admin';
  return {
    user: session.user,
    role,
    isAdmin,
    signal: controller.signal,
    onCleanup(fn) {
      cleanups.push(fn);
    },
    /** Page-level message (#message). */
    message(kind, text, problems) {
      showIn(byId('message'), kind, text, problems);
    },
    /** Shows an API error in `element` (default #message); aborted requests are ignored. */
    showError(error, element) {
      if (isAbort(error)) return;
      const { text, problems } = describe(error);
      showIn(element || byId('message'), 'error', text, problems);
    },
    /** Disables a change control for reviewers. */
    adminOnly(element) {
      element.classList.add('admin-only');
      if (!isAdmin) {
        element.disabled = true;
        element.title = `Your role (${role}) can view but not change this.`;
      }
      return element;
    },
  };
}

function teardown() {
  if (!current) return;
  current.controller.abort();
  for (const fn of current.cleanups) {
    try {
      fn();
    } catch (error) {
      console.error(error);
    }
  }
  current = null;
}

function route() {
  if (!session) return;
  const { name, param } = parseHash();
  const page = name === 'blocked' && param !== null ? detail : PAGES[name];
  if (!page) {
    location.replace(DEFAULT_ROUTE);
    return;
  }
  teardown();
  const controller = new AbortController();
  const cleanups = [];
  current = { controller, cleanups };

  for (const link of document.querySelectorAll('nav a[data-route]')) {
    const active = link.dataset.route === name;
    link.classList.toggle('active', active);
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  showIn(byId('message'), null, null);
  const container = clear(byId('page'));
  document.title = `${page.title} – Guard admin`;
  const ctx = makeContext(controller, cleanups);
  Promise.resolve()
    .then(() => page.render(container, ctx, param))
    .catch((error) => ctx.showError(error));
}

function showLogin(text) {
  teardown();
  session = null;
  setCsrfToken(null);
  document.body.removeAttribute('data-role');
  byId('loading').hidden = true;
  byId('app-view').hidden = true;
  byId('login-view').hidden = false;
  clear(byId('page'));
  showIn(byId('login-error'), 'error', text || null);
  byId('token').value = '';
  byId('token').focus();
}

function startSession(answer) {
  session = { user: answer.user, role: answer.role, expiresUtc: answer.expiresUtc };
  setCsrfToken(answer.csrfToken);
  document.body.dataset.role = answer.role;
  byId('user-name').textContent = answer.user;
  byId('user-role').textContent = answer.role;
  byId('user-role').title = answer.role === 'admin' ? 'reads and changes' : 'reads only';
  if (answer.expiresUtc) byId('user-name').title = `Session until ${answer.expiresUtc}`;
  byId('loading').hidden = true;
  byId('login-view').hidden = true;
  byId('app-view').hidden = false;
  showIn(byId('login-error'), null, null);
  if (!location.hash || location.hash === '#' || location.hash === '#/') {
    window.history.replaceState(null, '', DEFAULT_ROUTE); // no hashchange event: route() below renders it
  }
  route();
}

async function login(event) {
  event.preventDefault();
  const tokenInput = byId('token');
  const button = byId('login-button');
  const token = tokenInput.value.trim();
  if (!token) {
    showIn(byId('login-error'), 'error', 'Enter your access token.');
    return;
  }
  button.disabled = true;
  try {
    const answer = await api('POST', '/api/session', { token });
    tokenInput.value = '';
    startSession(answer);
  } catch (error) {
    const text = error instanceof ApiError && error.status === 401
      ? 'The token was not accepted.'
      : describe(error).text;
    showIn(byId('login-error'), 'error', text, error.problems);
    tokenInput.select();
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  const button = byId('logout-button');
  button.disabled = true;
  try {
    await api('DELETE', '/api/session');
  } catch (error) {
    // Signed out here either way; a failed DELETE leaves only an expiring server-side session.
    if (!(error instanceof ApiError && error.status === 401)) console.warn('logout failed', error);
  } finally {
    button.disabled = false;
    showLogin(null);
  }
}

async function boot() {
  onUnauthorized(() => {
    if (session) showLogin('Your session has expired or was ended: sign in again.');
  });
  byId('login-form').addEventListener('submit', login);
  byId('logout-button').addEventListener('click', logout);
  window.addEventListener('hashchange', route);
  try {
    startSession(await api('GET', '/api/session'));
  } catch (error) {
    showLogin(error instanceof ApiError && error.status === 401 ? null : describe(error).text);
  }
}

boot();
