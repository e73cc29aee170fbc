// Audit log: every admin action (sign-ins, changes, bans, refusals), newest first.

import { api, query } from '../api.js';
import { clear, h, ids, keysetPager, pageHead, timeEl } from '../dom.js';

export const title = 'Audit log';

const LIMIT = 50;

export async function render(page, ctx) {
  const tableBox = h('div', { class: 'table-box' });
  const pager = keysetPager('audit', () => load().catch((error) => ctx.showError(error)));

  page.append(
    pageHead('Audit log'),
    h('div', { class: 'card' }, tableBox, pager.element));

  const headers = ['Time', 'User', 'Role', 'Action', 'Target', 'Detail', 'Reason', 'Outcome'];

  async function load() {
    const answer = await api('GET', `/api/audit${query({ limit: LIMIT, before: pager.before })}`, undefined, ctx.signal);
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
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: headers.length, text: pager.before === null ? 'The audit log is empty.' : 'No older entries.' })));
    }
    clear(tableBox).append(h('table', { ...ids('audit-table'), class: 'data' },
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col', text: t })))), tbody));
    pager.shown(entries.length, LIMIT, entries.at(-1)?.id ?? null, `${entries.length} entries`);
  }

  await load();
}
