// Audit log: every admin action (sign-ins, changes, bans, refusals), newest first.

import { api, query } from '../api.js';
import { clear, h, ids, pageHead, timeEl } from '../dom.js';

export const title = 'Audit log';

const LIMIT = 50;

export async function render(page, ctx) {
  const tableBox = h('div', { class: 'table-box' });
  const newestButton = h('button', { ...ids('audit-newest'), type: 'button', text: '« Newest' });
  const olderButton = h('button', { ...ids('audit-older'), type: 'button', text: 'Older »' });
  const pageInfo = h('span', { class: 'muted' });

  page.append(
    pageHead('Audit log'),
    h('div', { class: 'card' }, tableBox, h('div', { class: 'pager' }, newestButton, pageInfo, olderButton)));

  const headers = ['Time', 'User', 'Role', 'Action', 'Target', 'Detail', 'Reason', 'Outcome'];
  let before = null;
  let oldest = null;

  async function load() {
    const answer = await api('GET', `/api/audit${query({ limit: LIMIT, before })}`, undefined, ctx.signal);
    const entries = Array.isArray(answer.entries) ? answer.entries : [];
    const tbody = h('tbody', null, entries.map((e) => h('tr', { data: { id: e.id } },
      h('td', { title: `entry ${e.id}` }, timeEl(e.timeUtc)),
      h('td', { text: e.user ?? '–' }),
      h('td', { text: e.role ?? '–' }),
      h('td', { text: e.action ?? '–' }),
      h('td', { class: 'mono', text: e.target ?? '' }),
      h('td', { class: 'detail', text: e.detail ?? '' }),
      h('td', { class: 'reason', text: e.reason ?? '' }),
      h('td', null, h('span', { class: 'badge', text: e.outcome ?? '–' })))));
    if (entries.length === 0) {
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: headers.length, text: before === null ? 'The audit log is empty.' : 'No older entries.' })));
    }
    clear(tableBox).append(h('table', { ...ids('audit-table'), class: 'data' },
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col', text: t })))), tbody));
    oldest = entries.length ? entries[entries.length - 1].id : null;
    olderButton.disabled = entries.length < LIMIT || oldest === null;
    newestButton.disabled = before === null;
    pageInfo.textContent = entries.length ? `${entries.length} entries` : '';
  }

  newestButton.addEventListener('click', () => {
    before = null;
    load().catch((error) => ctx.showError(error));
  });
  olderButton.addEventListener('click', () => {
    if (oldest === null) return;
    before = oldest;
    load().catch((error) => ctx.showError(error));
  });

  await load();
}
