// Live view: GET /api/live every 2 s while the page is visible (paused while the tab is hidden).

import { api, ApiError, isAbort } from '../api.js';
import { bar, fmtBool, fmtNum, fmtTime, h, ids, pageHead, showIn } from '../dom.js';

export const title = 'Live view';

const INTERVAL_MS = 2000;

function badge(ok, yes = 'healthy', no = 'unhealthy') {
  if (ok === undefined || ok === null) return h('span', { class: 'badge', text: '–' });
  return h('span', { class: ['badge', ok ? 'ok' : 'bad'], text: ok ? yes : no });
}

function dataTable(id, headers, rows, emptyText) {
  const tbody = h('tbody', null, rows);
  if (rows.length === 0) tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: headers.length, text: emptyText })));
  return h('table', { ...ids(id), class: 'data' },
    h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col', text: t })))), tbody);
}

export async function render(page, ctx) {
  const updated = h('p', { ...ids('live-updated'), class: 'muted', text: 'Loading…' });
  const paused = h('p', { ...ids('live-paused'), class: 'message message-info', hidden: true, text: 'Paused while the page is hidden.' });
  const error = h('div', { ...ids('live-error'), hidden: true });
  const total = h('span', { ...ids('live-requests-total'), class: 'big', text: '–' });
  const rate = h('span', { ...ids('live-requests-rate'), class: 'big', text: '–' });
  const blocksBox = h('div', { class: 'table-box' });
  const stagesBox = h('div', { class: 'table-box' });
  const upstreamsBox = h('div', { class: 'table-box' });
  const stateBox = h('div');

  page.append(
    pageHead('Live view', updated),
    paused,
    error,
    h('div', { class: 'live-grid' },
      h('div', { ...ids('live-requests'), class: 'card' }, h('h2', { text: 'Requests' }),
        h('dl', { class: 'fields' }, h('dt', { text: 'Total' }), h('dd', null, total),
          h('dt', { text: 'Per second' }), h('dd', null, rate))),
      h('div', { class: 'card' }, h('h2', { text: 'State backend' }), stateBox),
      h('div', { class: 'card' }, h('h2', { text: 'Blocks per guard' }), blocksBox),
      h('div', { class: 'card' }, h('h2', { text: 'Latency per stage' }), stagesBox),
      h('div', { class: 'card wide' }, h('h2', { text: 'Upstream endpoints' }), upstreamsBox)));

  function update(live) {
    updated.textContent = `Updated ${fmtTime(live.timeUtc)} · generation ${live.generation ?? '–'} · every ${INTERVAL_MS / 1000} s`;
    const requests = live.requests || {};
    total.textContent = fmtNum(requests.total);
    rate.textContent = fmtNum(requests.perSecond, 3);

    const blocks = live.blocks || {};
    const byGuard = Object.entries(blocks.byGuard || {}).sort((a, b) => Number(b[1]) - Number(a[1]));
    const max = Math.max(1, ...byGuard.map(([, n]) => Number(n) || 0));
    const blockRows = byGuard.map(([guard, n]) => h('tr', { data: { guard } },
      h('th', { scope: 'row', text: guard }),
      h('td', { class: 'num', text: fmtNum(n) }),
      h('td', null, bar(n, max))));
    const blocksTable = dataTable('live-blocks', ['Guard', 'Blocks', ''], blockRows, 'No blocks yet.');
    blocksTable.append(h('tfoot', null, h('tr', null, h('th', { scope: 'row', text: 'Total' }),
      h('td', { ...ids('live-blocks-total'), class: 'num', text: fmtNum(blocks.total) }), h('td'))));
    blocksBox.replaceChildren(blocksTable);

    const stages = Array.isArray(live.stages) ? live.stages : [];
    stagesBox.replaceChildren(dataTable('live-stages', ['Stage', 'Count', 'p50 ms', 'p95 ms'],
      stages.map((st) => h('tr', { data: { stage: st.stage } },
        h('th', { scope: 'row', text: st.stage }),
        h('td', { class: 'num', text: fmtNum(st.count) }),
        h('td', { class: 'num', text: fmtNum(st.p50Ms, 3) }),
        h('td', { class: 'num', text: fmtNum(st.p95Ms, 3) }))),
      'No requests measured yet.'));

    const upstreamRows = [];
    for (const upstream of Array.isArray(live.upstreams) ? live.upstreams : []) {
      const endpoints = Array.isArray(upstream.endpoints) ? upstream.endpoints : [];
      if (endpoints.length === 0) {
        upstreamRows.push(h('tr', { data: { upstream: upstream.name } }, h('th', { scope: 'row', text: upstream.name }),
          h('td', { colspan: 3, class: 'muted', text: 'no endpoints' })));
      }
      endpoints.forEach((endpoint, index) => {
        upstreamRows.push(h('tr', { data: { upstream: upstream.name, address: endpoint.address } },
          h('th', { scope: 'row', text: index === 0 ? upstream.name : '' }),
          h('td', { class: 'mono', text: endpoint.address }),
          h('td', null, badge(endpoint.healthy)),
          h('td', { class: 'num', text: fmtNum(endpoint.outstanding) })));
      });
    }
    upstreamsBox.replaceChildren(dataTable('live-upstreams', ['Upstream', 'Endpoint', 'Health', 'Outstanding'],
      upstreamRows, 'No upstreams.'));

    const state = live.state || {};
    stateBox.replaceChildren(h('dl', { ...ids('live-state'), class: 'fields' },
      h('dt', { text: 'Backend' }), h('dd', { ...ids('live-state-backend'), text: state.backend ?? '–' }),
      h('dt', { text: 'Healthy' }), h('dd', ids('live-state-healthy'), badge(state.healthy)),
      h('dt', { text: 'Degraded' }), h('dd', ids('live-state-degraded'),
        state.degraded === undefined || state.degraded === null ? '–'
          : h('span', { class: ['badge', state.degraded ? 'warn' : 'ok'], text: fmtBool(state.degraded) })),
      h('dt', { text: 'Breaker' }), h('dd', { ...ids('live-state-breaker'), text: state.breaker ?? '–' }),
      h('dt', { text: 'Ping' }), h('dd', { ...ids('live-state-ping'), text: state.pingMs === undefined || state.pingMs === null ? '–' : `${fmtNum(state.pingMs, 3)} ms` })));
  }

  let timer = null;
  let inFlight = false;
  let stopped = false;

  async function tick() {
    timer = null;
    if (stopped) return;
    if (document.hidden) {
      paused.hidden = false;
      return; // resumed by visibilitychange
    }
    paused.hidden = true;
    inFlight = true;
    try {
      const live = await api('GET', '/api/live', undefined, ctx.signal);
      if (stopped) return;
      update(live);
      showIn(error, null, null);
    } catch (err) {
      if (isAbort(err) || stopped) return;
      if (err instanceof ApiError && err.status === 401) return; // back to the login form
      ctx.showError(err, error);
    } finally {
      inFlight = false;
      if (!stopped && !document.hidden) timer = setTimeout(tick, INTERVAL_MS);
      else if (!stopped) paused.hidden = false;
    }
  }

  function onVisibility() {
    if (stopped) return;
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
      paused.hidden = false;
    } else if (!inFlight && timer === null) {
      tick();
    }
  }
  document.addEventListener('visibilitychange', onVisibility);
  ctx.onCleanup(() => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisibility);
  });

  await tick();
}
