// Guards: each detecting stage of a policy with its threshold and action, beside its calibration results; changed
// thresholds and actions are written into the policy and PUT back.

import { api, isAbort, seg } from '../api.js';
import { clear, field, fmtBool, fmtNum, fmtPct, h, ids, pageHead, showIn } from '../dom.js';

export const title = 'Guards';

export const ACTIONS = ['reject', 'silentReject', 'delay', 'ban', 'flag'];

/** Guard name (stage) → the policy key holding its settings. */
const POLICY_KEYS = {
  knn: 'knn',
  fingerprint: 'fingerprint',
  squeezing: 'squeezing',
  detector: 'learnedDetector',
  smoothing: 'smoothing',
};

/** Guards whose threshold is edited here (smoothing's threshold is r_min, set on the Certification page). */
const EDITABLE_THRESHOLD = new Set(['knn', 'fingerprint', 'squeezing', 'detector']);
/** Guards whose action may be unset (then the policy's actions.default applies); smoothing's defaults to flag. */
const NULLABLE_ACTION = new Set(['knn', 'fingerprint', 'squeezing', 'detector']);

const remembered = { policy: null };

function calibrationCells(name, calibration) {
  if (!calibration) {
    return [h('td', { colspan: 4, class: 'muted', ...ids(`guard-calibration-${name}`), text: 'not calibrated' })];
  }
  const detection = calibration.detection && typeof calibration.detection === 'object'
    ? Object.entries(calibration.detection) : [];
  return [
    h('td', { class: 'num', text: fmtPct(calibration.targetFpr, 2) }),
    h('td', { class: 'num', text: fmtPct(calibration.calibrationFpr, 2) }),
    h('td', { class: 'num', text: fmtPct(calibration.heldOutFpr, 2) }),
    h('td', ids(`guard-calibration-${name}`),
      detection.length
        ? h('ul', { class: 'plain' }, detection.map(([attack, rate]) => h('li', null, h('span', { class: 'attack', text: attack }), ': ', fmtPct(rate))))
        : '–'),
  ];
}

export async function render(page, ctx) {
  const policySelect = h('select', ids('guards-policy'));
  const versionInfo = h('p', { ...ids('guards-version'), class: 'muted' });
  const tableBox = h('div', { class: 'table-box' });
  const reasonInput = h('input', { ...ids('guards-reason'), type: 'text', maxlength: 500, placeholder: 'Why this change (goes into the audit trail)' });
  ctx.adminOnly(reasonInput);
  const applyButton = ctx.adminOnly(h('button', { ...ids('guards-apply'), type: 'button', class: 'primary', text: 'Apply changes' }));
  const message = h('div', { ...ids('guards-message'), role: 'status', hidden: true });

  page.append(
    pageHead('Guards', field('Policy', policySelect)),
    versionInfo,
    h('div', { class: 'card' },
      tableBox,
      h('p', { class: 'muted', text: 'Thresholds: knn flags queries closer than the threshold (mean L2 distance); fingerprint counts shared hashes; '
        + 'squeezing and detector flag scores above it. An empty threshold or “policy default” action removes the key.' }),
      h('div', { class: 'apply-row' }, field('Reason', reasonInput), applyButton),
      ctx.isAdmin ? null : h('p', { class: 'muted', text: `Your role (${ctx.role}) can view but not change guards.` }),
      message));

  let loaded = []; // guards as last loaded
  let loadSeq = 0;

  function row(guard) {
    const name = String(guard.name);
    const thresholdCell = h('td', { class: 'num' });
    if (EDITABLE_THRESHOLD.has(name)) {
      const input = h('input', {
        ...ids(`guard-threshold-${name}`), type: 'number', class: 'threshold',
        step: name === 'fingerprint' ? 1 : 'any', min: name === 'fingerprint' ? 0 : undefined,
        value: guard.threshold === null || guard.threshold === undefined ? '' : String(guard.threshold),
        placeholder: 'unset', 'aria-label': `${name} threshold`,
      });
      if (!ctx.isAdmin) input.disabled = true;
      thresholdCell.append(input);
    } else {
      thresholdCell.append(h('span', { ...ids(`guard-threshold-${name}`), text: fmtNum(guard.threshold) }),
        name === 'smoothing' ? h('small', { class: 'hint block' }, 'r_min: see ', h('a', { href: '#/certification', text: 'Certification' })) : null);
    }
    const select = h('select', { ...ids(`guard-action-${name}`), 'aria-label': `${name} action` });
    if (NULLABLE_ACTION.has(name)) select.append(h('option', { value: '', text: 'policy default' }));
    const known = new Set(ACTIONS);
    if (guard.action && !known.has(guard.action)) select.append(h('option', { value: guard.action, text: guard.action }));
    for (const action of ACTIONS) select.append(h('option', { value: action, text: action }));
    select.value = guard.action ?? (NULLABLE_ACTION.has(name) ? '' : 'flag');
    if (!ctx.isAdmin || !POLICY_KEYS[name]) select.disabled = true;

    return h('tr', { data: { guard: name }, testid: `guard-row-${name}`, class: guard.enabled ? '' : 'disabled-guard' },
      h('th', { scope: 'row', text: name }),
      h('td', { ...ids(`guard-enabled-${name}`), text: fmtBool(guard.enabled) }),
      thresholdCell,
      h('td', null, select),
      calibrationCells(name, guard.calibration));
  }

  async function load(keepMessage) {
    const seq = ++loadSeq;
    const policy = policySelect.value;
    remembered.policy = policy;
    if (!keepMessage) showIn(message, null, null);
    const answer = await api('GET', `/api/guards/${seg(policy)}`, undefined, ctx.signal);
    if (seq !== loadSeq) return;
    loaded = Array.isArray(answer.guards) ? answer.guards : [];
    versionInfo.textContent = `Policy “${answer.policy ?? policy}”, version ${answer.version}.`;
    const headers = ['Guard', 'Enabled', 'Threshold', 'Action', 'Target FPR', 'Calibration FPR', 'Held-out FPR', 'Detection per attack'];
    const tbody = h('tbody', null, loaded.map(row));
    if (loaded.length === 0) tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: headers.length, text: 'This policy has no guards.' })));
    clear(tableBox).append(h('table', { ...ids('guards-table'), class: 'data' },
      h('thead', null, h('tr', null, headers.map((t) => h('th', { scope: 'col', text: t })))), tbody));
  }

  /** The edits relative to what was loaded: [{guard, key, field, from, to}] (to undefined: remove the key). */
  function collectChanges() {
    const changes = [];
    const problems = [];
    for (const guard of loaded) {
      const name = String(guard.name);
      const key = POLICY_KEYS[name];
      if (!key) continue;
      const thresholdInput = tableBox.querySelector(`input#guard-threshold-${CSS.escape(name)}`);
      if (thresholdInput) {
        const text = thresholdInput.value.trim();
        const before = guard.threshold === null || guard.threshold === undefined ? undefined : Number(guard.threshold);
        if (text === '') {
          if (before !== undefined) changes.push({ guard: name, key, field: 'threshold', from: before, to: undefined });
        } else {
          const value = Number(text);
          if (!Number.isFinite(value)) problems.push(`${name}: the threshold must be a number.`);
          else if (name === 'fingerprint' && (!Number.isInteger(value) || value < 0)) problems.push('fingerprint: the threshold must be a whole number of at least 0.');
          else if (value !== before) changes.push({ guard: name, key, field: 'threshold', from: before, to: value });
        }
      }
      const select = tableBox.querySelector(`select#guard-action-${CSS.escape(name)}`);
      if (select) {
        const to = select.value === '' ? undefined : select.value;
        const from = guard.action ?? undefined;
        if (to !== from && !(to === 'flag' && from === undefined && !NULLABLE_ACTION.has(name))) {
          changes.push({ guard: name, key, field: 'action', from, to });
        }
      }
    }
    return { changes, problems };
  }

  async function apply() {
    if (!ctx.isAdmin) return;
    const { changes, problems } = collectChanges();
    if (problems.length) {
      showIn(message, 'error', 'Fix these values first:', problems);
      return;
    }
    if (changes.length === 0) {
      showIn(message, 'info', 'Nothing to apply: no threshold or action was changed.');
      return;
    }
    const reason = reasonInput.value.trim();
    if (!reason) {
      showIn(message, 'error', 'Give a reason for the change (it goes into the audit trail).');
      reasonInput.focus();
      return;
    }
    const policyName = policySelect.value;
    const summary = changes.map((c) => `${c.key}.${c.field}: ${c.from ?? 'unset'} → ${c.to ?? 'unset'}`);
    applyButton.disabled = true;
    showIn(message, 'info', `Applying to policy “${policyName}”…`, summary);
    try {
      const current = await api('GET', `/api/policies/${seg(policyName)}`, undefined, ctx.signal);
      const policy = structuredClone(current.policy || {});
      for (const change of changes) {
        const section = { ...(policy[change.key] || {}) };
        if (change.to === undefined) delete section[change.field];
        else section[change.field] = change.to;
        policy[change.key] = section;
      }
      const result = await api('PUT', `/api/policies/${seg(policyName)}`,
        { policy, reason, baseVersion: current.version }, ctx.signal);
      showIn(message, 'success', `Applied: policy “${policyName}” is now at version ${result.version}.`, summary);
      message.dataset.version = String(result.version);
      reasonInput.value = '';
      load(true).catch((error) => ctx.showError(error));
    } catch (error) {
      ctx.showError(error, message);
    } finally {
      if (ctx.isAdmin) applyButton.disabled = false;
    }
  }
  applyButton.addEventListener('click', apply);
  reasonInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      apply();
    }
  });

  const { policies } = await api('GET', '/api/policies', undefined, ctx.signal);
  const names = Object.keys(policies || {}).sort();
  if (names.length === 0) {
    policySelect.disabled = true;
    ctx.message('info', 'No policies are configured.');
    return;
  }
  for (const name of names) policySelect.append(h('option', { value: name, text: name }));
  if (remembered.policy && names.includes(remembered.policy)) policySelect.value = remembered.policy;
  else if (names.includes('default')) policySelect.value = 'default';
  policySelect.addEventListener('change', () => load(false).catch((error) => { if (!isAbort(error)) ctx.showError(error); }));
  await load(false);
}
