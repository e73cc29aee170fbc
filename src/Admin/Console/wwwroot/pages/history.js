// Policy history: every admin change (newest first), with its diff, the overlay it produced, and rollback.

import { api, query, seg } from '../api.js';
import { clear, h, ids, keysetPager, pageHead, showIn, timeEl } from '../dom.js';

export const title = 'Policy history';

const LIMIT = 50;

function changeList(changes) {
  if (!Array.isArray(changes) || changes.length === 0) return h('span', { class: 'muted', text: '–' });
  return h('ul', { class: 'changes' }, changes.map((c) => h('li', null,
    h('code', { text: c.path }), ': ',
    h('span', { class: 'from', text: c.from ?? 'unset' }), ' → ',
    h('span', { class: 'to', text: c.to ?? 'unset' }))));
}

export async function render(page, ctx) {
  const message = h('div', { ...ids('history-message'), role: 'status', hidden: true });
  const tableBox = h('div', { class: 'table-box' });
  const pager = keysetPager('history', () => load().catch((error) => ctx.showError(error)));

  page.append(
    pageHead('Policy history'),
    h('p', { class: 'muted', text: 'Every policy change made through the admin API, newest first. A rollback makes a new version whose admin overlay is that of the chosen version.' }),
    message,
    h('div', { class: 'card' }, tableBox, pager.element));

  let openForm = null;
  const overlays = new WeakMap(); // overlay button → its open overlay row

  function closeForm() {
    if (openForm) openForm.remove();
    openForm = null;
  }

  function rollbackForm(version, afterRow, colspan) {
    closeForm();
    const reason = h('input', { ...ids('rollback-reason'), type: 'text', maxlength: 500, placeholder: 'Why roll back (goes into the audit trail)' });
    const confirm = h('button', { ...ids('rollback-confirm'), type: 'button', class: 'danger', text: `Roll back to version ${version}` });
    const cancel = h('button', { ...ids('rollback-cancel'), type: 'button', text: 'Cancel' });
    const formMessage = h('div', { ...ids('rollback-message'), hidden: true });
    const row = h('tr', { class: 'inline-form', data: { rollbackVersion: version } },
      h('td', { colspan },
        h('div', { class: 'apply-row' },
          h('label', { class: 'field grow' }, h('span', { class: 'field-label', text: `Reason for rolling back to version ${version}` }), reason),
          confirm, cancel),
        formMessage));
    afterRow.after(row);
    openForm = row;
    reason.focus();

    async function submit() {
      const text = reason.value.trim();
      if (!text) {
        showIn(formMessage, 'error', 'Give a reason for the rollback (it goes into the audit trail).');
        reason.focus();
        return;
      }
      confirm.disabled = true;
      try {
        const result = await api('POST', '/api/policies/rollback', { version, reason: text }, ctx.signal);
        closeForm();
        showIn(message, 'success', `Rolled back to version ${version}: the policies are now at version ${result.version}.`);
        message.dataset.version = String(result.version);
        pager.before = null;
        load().catch((error) => ctx.showError(error));
      } catch (error) {
        ctx.showError(error, formMessage);
        confirm.disabled = false;
      }
    }
    confirm.addEventListener('click', submit);
    reason.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        submit();
      } else if (event.key === 'Escape') closeForm();
    });
    cancel.addEventListener('click', closeForm);
  }

  /** Shows (or hides) the full admin overlay at a version in a row below it. */
  async function toggleOverlay(version, button, row, colspan) {
    const existing = overlays.get(button);
    if (existing) {
      existing.remove();
      overlays.delete(button);
      button.textContent = 'Show overlay';
      return;
    }
    button.disabled = true;
    try {
      const answer = await api('GET', `/api/policies/history/${seg(version)}`, undefined, ctx.signal);
      const overlayRow = h('tr', { class: 'overlay-row' }, h('td', { colspan },
        h('p', { class: 'muted', text: `The admin overlay (changes on top of the configuration file) at version ${version}:` }),
        h('pre', { class: 'overlay', testid: `overlay-${version}`, text: JSON.stringify(answer.policies ?? answer, null, 2) })));
      row.after(overlayRow);
      overlays.set(button, overlayRow);
      button.textContent = 'Hide overlay';
    } catch (error) {
      ctx.showError(error, message);
    } finally {
      button.disabled = false;
    }
  }

  const headers = ['Version', 'Time', 'User', 'Action', 'Policy', 'Reason', 'Changes', ''];

  function versionRow(v) {
    const actionsCell = h('td', { class: 'row-actions' });
    const row = h('tr', { data: { version: v.version } },
      h('td', { class: 'num', text: String(v.version) }),
      h('td', null, timeEl(v.timeUtc)),
      h('td', null, v.user ?? '–', v.role ? h('small', { class: 'muted', text: ` (${v.role})` }) : null),
      h('td', { text: v.action === 'rollback' && v.rolledBackTo !== undefined && v.rolledBackTo !== null
        ? `rollback to ${v.rolledBackTo}` : (v.action ?? '–') }),
      h('td', { text: v.policy ?? '–' }),
      h('td', { class: 'reason', text: v.reason ?? '' }),
      h('td', null, changeList(v.changes)),
      actionsCell);
    const overlayButton = h('button', { type: 'button', class: 'small overlay-button', testid: `overlay-button-${v.version}`, text: 'Show overlay' });
    overlayButton.addEventListener('click', () => toggleOverlay(v.version, overlayButton, row, headers.length));
    actionsCell.append(overlayButton);
    if (ctx.isAdmin) {
      const rollback = h('button', {
        type: 'button', class: 'small rollback-button', testid: `rollback-${v.version}`, data: { version: v.version },
        text: 'Roll back to this version',
      });
      rollback.addEventListener('click', () => rollbackForm(v.version, row, headers.length));
      actionsCell.append(rollback);
    }
    return row;
  }

  async function load() {
    closeForm();
    const answer = await api('GET', `/api/policies/history${query({ limit: LIMIT, before: pager.before })}`, undefined, ctx.signal);
    const versions = Array.isArray(answer.versions) ? answer.versions : [];
    const tbody = h('tbody', null, versions.map(versionRow));
    if (versions.length === 0) {
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: headers.length, text: pager.before === null ? 'No policy changes yet: the policies are those of the configuration file.' : 'No older versions.' })));
    }
    clear(tableBox).append(h('table', { ...ids('history-table'), class: 'data' },
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col', text: t })))), tbody));
    const oldest = versions.at(-1)?.version ?? null;
    pager.shown(versions.length, LIMIT, oldest, `versions ${versions[0]?.version} … ${oldest}`);
  }

  await load();
}
