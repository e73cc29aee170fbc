// Blocked queries: the blocked-query log with filters, cursor paging and JSON/CSV export.

import { api, query, seg } from '../api.js';
import { clear, field, fmtNum, h, ids, pageHead, showIn, timeEl } from '../dom.js';
import { ACTIONS } from './guards.js';

export const title = 'Blocked queries';

const GUARDS = ['limits', 'validation', 'fingerprint', 'knn', 'squeezing', 'detector', 'smoothing'];
const EMPTY_FILTERS = { from: '', to: '', client: '', model: '', guard: '', action: '', pageSize: '50' };

// Kept while the console is open, so coming back from a detail shows the same page.
const remembered = { filters: { ...EMPTY_FILTERS }, cursor: null, page: 1 };

export function detailHref(id) {
  return `#/blocked/${seg(id)}`;
}

/** A table row for a BlockedSummary: tr[data-id], clickable, the time cell links to the detail. */
export function summaryRow(item) {
  const href = detailHref(item.id);
  const tr = h('tr', { class: 'clickable', data: { id: item.id }, title: 'Show this blocked query' },
    h('td', null, h('a', { href, class: 'row-link' }, timeEl(item.timeUtc))),
    h('td', { class: 'mono', text: item.client ?? '–' }),
    h('td', { text: `${item.model ?? '–'}${item.modelVersion ? ` v${item.modelVersion}` : ''}` }),
    h('td', { text: item.guard ?? '–' }),
    h('td', { class: 'num', text: fmtNum(item.score) }),
    h('td', { class: 'num', text: fmtNum(item.threshold) }),
    h('td', null, h('span', { class: `badge action-${ACTIONS.includes(item.action) ? item.action : 'other'}`, text: item.action ?? '–' })));
  tr.addEventListener('click', (event) => {
    if (event.target.closest('a')) return; // the link navigates by itself
    location.hash = href;
  });
  return tr;
}

export const SUMMARY_HEADERS = ['Time', 'Client', 'Model', 'Guard', 'Score', 'Threshold', 'Action'];

/** datetime-local value (local time) → ISO 8601 UTC; '' stays ''; null when invalid. */
function toIso(local) {
  if (!local) return '';
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** API query parameters for filters; throws on an invalid time. */
function filterParams(filters) {
  const from = toIso(filters.from);
  const to = toIso(filters.to);
  if (from === null || to === null) throw new Error('invalid time');
  return {
    from, to, client: filters.client.trim(), model: filters.model.trim(), guard: filters.guard.trim(), action: filters.action,
  };
}

export async function render(page, ctx) {
  const inputs = {
    from: h('input', { ...ids('filter-from'), type: 'datetime-local', step: 1 }),
    to: h('input', { ...ids('filter-to'), type: 'datetime-local', step: 1 }),
    client: h('input', { ...ids('filter-client'), type: 'text', placeholder: 'any', spellcheck: 'false' }),
    model: h('input', { ...ids('filter-model'), type: 'text', placeholder: 'any', list: 'filter-model-list', spellcheck: 'false' }),
    guard: h('select', ids('filter-guard'), h('option', { value: '', text: 'any' }), GUARDS.map((g) => h('option', { value: g, text: g }))),
    action: h('select', ids('filter-action'), h('option', { value: '', text: 'any' }), ACTIONS.map((a) => h('option', { value: a, text: a }))),
    pageSize: h('select', ids('filter-page-size'), ['25', '50', '100', '200'].map((n) => h('option', { value: n, text: n }))),
  };
  const modelList = h('datalist', { id: 'filter-model-list' });
  const applyButton = h('button', { ...ids('blocked-apply-filters'), type: 'submit', class: 'primary', text: 'Apply filters' });
  const resetButton = h('button', { ...ids('blocked-reset-filters'), type: 'button', text: 'Clear' });
  const exportJson = h('a', { ...ids('export-json'), class: 'button', download: 'blocked-queries.json', text: 'Export JSON' });
  const exportCsv = h('a', { ...ids('export-csv'), class: 'button', download: 'blocked-queries.csv', text: 'Export CSV' });
  const filterMessage = h('div', { ...ids('blocked-filter-message'), hidden: true });
  const form = h('form', { ...ids('blocked-filters'), class: 'card filters', novalidate: true },
    h('div', { class: 'filter-grid' },
      field('From (local time)', inputs.from),
      field('To (local time)', inputs.to),
      field('Client', inputs.client),
      field('Model', inputs.model),
      field('Guard', inputs.guard),
      field('Action', inputs.action),
      field('Rows per page', inputs.pageSize)),
    modelList,
    h('div', { class: 'button-row' }, applyButton, resetButton, h('span', { class: 'spacer' }), exportJson, exportCsv),
    filterMessage);

  const tableBox = h('div', { class: 'table-box' });
  const firstButton = h('button', { ...ids('blocked-first'), type: 'button', text: '« First page' });
  const nextButton = h('button', { ...ids('blocked-next'), type: 'button', text: 'Next »' });
  const pageInfo = h('span', { ...ids('blocked-page'), class: 'muted' });

  page.append(
    pageHead('Blocked queries'),
    form,
    h('div', { class: 'card' }, tableBox, h('div', { class: 'pager' }, firstButton, pageInfo, nextButton)));

  for (const [key, input] of Object.entries(inputs)) input.value = remembered.filters[key];

  function readForm() {
    const filters = {};
    for (const [key, input] of Object.entries(inputs)) filters[key] = input.value;
    return filters;
  }

  /** The export links follow the form as it is typed (cookies go along with the download). */
  function updateExports() {
    let params;
    try {
      params = filterParams(readForm());
    } catch {
      params = filterParams(remembered.filters);
    }
    exportJson.href = `/api/blocked/export${query({ ...params, format: 'json' })}`;
    exportCsv.href = `/api/blocked/export${query({ ...params, format: 'csv' })}`;
  }
  form.addEventListener('input', updateExports);
  form.addEventListener('change', updateExports);
  updateExports();

  let loadSeq = 0;
  let next = null;

  async function load() {
    const seq = ++loadSeq;
    const params = filterParams(remembered.filters);
    nextButton.disabled = true;
    firstButton.disabled = true;
    tableBox.classList.add('pending');
    try {
      const answer = await api('GET', `/api/blocked${query({
        ...params, pageSize: remembered.filters.pageSize, cursor: remembered.cursor,
      })}`, undefined, ctx.signal);
      if (seq !== loadSeq) return;
      const items = Array.isArray(answer.items) ? answer.items : [];
      next = answer.next ?? null;
      const tbody = h('tbody', null, items.map(summaryRow));
      if (items.length === 0) {
        tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: SUMMARY_HEADERS.length, text: 'No blocked queries match these filters.' })));
      }
      clear(tableBox).append(h('table', { ...ids('blocked-table'), class: 'data' },
        h('thead', null, h('tr', null, SUMMARY_HEADERS.map((t) => h('th', { scope: 'col', text: t })))), tbody));
      pageInfo.textContent = `Page ${remembered.page}${items.length ? ` · ${items.length} rows` : ''}`;
      nextButton.disabled = !next;
      firstButton.disabled = remembered.page === 1 && !remembered.cursor;
    } finally {
      if (seq === loadSeq) tableBox.classList.remove('pending');
    }
  }

  function run() {
    load().catch((error) => ctx.showError(error));
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const filters = readForm();
    try {
      filterParams(filters);
    } catch {
      showIn(filterMessage, 'error', 'Enter complete dates and times (or leave them empty).');
      return;
    }
    if (filters.from && filters.to && new Date(filters.from) > new Date(filters.to)) {
      showIn(filterMessage, 'error', '“From” is after “To”.');
      return;
    }
    showIn(filterMessage, null, null);
    remembered.filters = filters;
    remembered.cursor = null;
    remembered.page = 1;
    ctx.message(null, null);
    run();
  });
  resetButton.addEventListener('click', () => {
    for (const [key, input] of Object.entries(inputs)) input.value = EMPTY_FILTERS[key];
    showIn(filterMessage, null, null);
    remembered.filters = { ...EMPTY_FILTERS };
    remembered.cursor = null;
    remembered.page = 1;
    updateExports();
    run();
  });
  nextButton.addEventListener('click', () => {
    if (!next) return;
    remembered.cursor = next;
    remembered.page += 1;
    run();
  });
  firstButton.addEventListener('click', () => {
    remembered.cursor = null;
    remembered.page = 1;
    run();
  });

  // Model suggestions (the log may also hold models no longer routed: free text is allowed).
  api('GET', '/api/models', undefined, ctx.signal)
    .then((answer) => {
      for (const m of (answer && answer.models) || []) modelList.append(h('option', { value: m.name }));
    })
    .catch(() => {});

  await load();
}
