// One blocked query: its fields, the input as a picture, score against threshold, the earlier queries it matched,
// and banning or unbanning its client.

import { api, ApiError, seg } from '../api.js';
import { fields, fmtNum, fmtTime, h, ids, pageHead, s, showIn, timeEl } from '../dom.js';
import { detailHref, SUMMARY_HEADERS, summaryRow } from './blocked.js';

export const title = 'Blocked query';

const DURATIONS = [
  ['00:15:00', '15 minutes'],
  ['01:00:00', '1 hour'],
  ['1.00:00:00', '24 hours'],
];

/** Guards whose score marks an attack when it is below the threshold (a distance); the others: at or above. */
const LOWER_IS_ATTACK = new Set(['knn']);

/** Score and threshold on one scale: a track, the score's bar and a marker at the threshold. */
function scoreBar(score, threshold, lowerIsAttack) {
  const W = 420;
  const H = 46;
  const pad = 10;
  const values = [score, threshold].filter(Number.isFinite);
  const lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values.map((v) => (v > 0 ? v * 1.25 : v)));
  if (!(hi - lo > 1e-12)) hi = lo + 1;
  const x = (v) => pad + ((v - lo) / (hi - lo || 1)) * (W - 2 * pad);
  const attack = Number.isFinite(score) && Number.isFinite(threshold)
    && (lowerIsAttack ? score < threshold : score >= threshold);
  const svg = s('svg', {
    ...ids('detail-score-bar'), class: 'score-bar', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': `score ${fmtNum(score)} against threshold ${fmtNum(threshold)}`,
  }, s('rect', { class: 'bar-track', x: pad, y: 14, width: W - 2 * pad, height: 12, rx: 3 }));
  if (Number.isFinite(score)) {
    svg.append(
      s('rect', { class: ['bar-fill', attack ? 'over' : ''], x: x(Math.min(0, score)), y: 14, width: Math.max(1, Math.abs(x(score) - x(0))), height: 12, rx: 3 }),
      s('text', { class: 'bar-label', x: Math.min(x(score), W - 60), y: 42, text: `score ${fmtNum(score)}` }));
  }
  if (Number.isFinite(threshold)) {
    svg.append(
      s('line', { class: 'threshold-line', x1: x(threshold), x2: x(threshold), y1: 6, y2: 32 }),
      s('text', { class: 'bar-label', x: Math.min(Math.max(x(threshold) - 30, 0), W - 90), y: 10, text: `threshold ${fmtNum(threshold)}` }));
  }
  return svg;
}

export async function render(page, ctx, id) {
  const answer = await api('GET', `/api/blocked/${seg(id)}`, undefined, ctx.signal);
  const d = answer || {};
  const client = d.client ?? '';

  page.append(pageHead(`Blocked query ${d.id ?? id}`,
    h('a', { ...ids('detail-back'), href: '#/blocked', class: 'button', text: '← Blocked queries' })));

  // Fields
  const snapshot = d.snapshot;
  // The API's snapshot has no input name (only datatype, shape, isImage): show the name only when there is one.
  const snapshotText = snapshot
    ? [snapshot.name, snapshot.datatype ?? '?',
      `[${Array.isArray(snapshot.shape) ? snapshot.shape.join(', ') : snapshot.shape ?? ''}]`,
      snapshot.isImage ? 'image' : null].filter((part) => part !== undefined && part !== null && part !== '').join(' · ')
    : (d.hasSnapshot ? 'stored' : 'not stored (only the hash)');
  const info = h('div', { class: 'card' }, h('h2', { text: 'Query' }), fields(ids('detail-fields'), [
    ['Id', d.id, 'detail-id'],
    ['Time', timeEl(d.timeUtc), 'detail-time'],
    ['Request id', d.requestId, 'detail-request-id'],
    ['Client', d.client, 'detail-client'],
    ['Model', d.model, 'detail-model'],
    ['Model version', d.modelVersion, 'detail-model-version'],
    ['Guard', d.guard, 'detail-guard'],
    ['Action', d.action, 'detail-action'],
    ['Input hash (SHA-256)', d.inputHash, 'detail-input-hash'],
    ['Input snapshot', snapshotText, 'detail-snapshot'],
  ]));

  // Score against threshold
  const score = Number(d.score);
  const threshold = Number(d.threshold);
  const lower = LOWER_IS_ATTACK.has(d.guard);
  let comparison = '';
  if (Number.isFinite(score) && Number.isFinite(threshold)) {
    const relation = score < threshold ? 'below' : score > threshold ? 'above' : 'at';
    comparison = `The score is ${relation} the threshold (${d.guard ?? 'this guard'} flags scores `
      + `${lower ? 'below' : 'at or above'} it).`;
  }
  const scoreCard = h('div', { class: 'card' }, h('h2', { text: 'Score' }),
    h('dl', { class: 'fields' },
      h('dt', { text: 'Score' }), h('dd', { ...ids('detail-score'), text: fmtNum(d.score, 6) }),
      h('dt', { text: 'Threshold' }), h('dd', { ...ids('detail-threshold'), text: fmtNum(d.threshold, 6) })),
    scoreBar(score, threshold, lower),
    h('p', { ...ids('detail-comparison'), class: 'muted', text: comparison }));

  // The input as a picture
  const imageCard = h('div', { class: 'card' }, h('h2', { text: 'Input' }));
  if (snapshot && snapshot.isImage) {
    const img = h('img', {
      ...ids('detail-image'), class: 'pixelated', src: `/api/blocked/${seg(d.id ?? id)}/image.png?scale=8`,
      alt: `The blocked input${snapshot.name ? ` ${snapshot.name}` : ''} as an image (scaled 8×)`,
    });
    img.addEventListener('error', () => {
      img.replaceWith(h('p', { ...ids('detail-no-image'), class: 'muted', text: 'The image could not be loaded.' }));
    });
    imageCard.append(img);
  } else {
    imageCard.append(h('p', {
      ...ids('detail-no-image'), class: 'muted',
      text: snapshot ? 'The input is not an image.' : 'No input snapshot was kept for this query (only its hash).',
    }));
  }

  // Matched earlier queries
  const matched = Array.isArray(d.matched) ? d.matched : [];
  const matchedIds = Array.isArray(d.matchedQueryIds) ? d.matchedQueryIds : [];
  const inLog = new Set(matched.map((m) => String(m.id)));
  const matchedTbody = h('tbody', null, matched.map(summaryRow));
  if (matched.length === 0) {
    matchedTbody.append(h('tr', { class: 'empty' }, h('td', { colspan: SUMMARY_HEADERS.length, text: 'No matched earlier queries in the log.' })));
  }
  const matchedCard = h('div', { class: 'card wide' }, h('h2', { text: 'Matched earlier queries' }),
    h('table', { ...ids('detail-matched'), class: 'data' },
      h('thead', null, h('tr', null, SUMMARY_HEADERS.map((t) => h('th', { scope: 'col', text: t })))), matchedTbody),
    h('h3', { text: 'Raw matched query ids' }),
    matchedIds.length
      ? h('ul', { ...ids('detail-matched-ids'), class: 'id-list' }, matchedIds.map((mid) => h('li', { class: 'mono' },
        inLog.has(String(mid)) ? h('a', { href: detailHref(mid), text: String(mid) }) : String(mid))))
      : h('p', { ...ids('detail-matched-ids'), class: 'muted', text: 'none' }));

  // Ban status and actions
  const banStatus = h('p', { ...ids('ban-status'), class: 'ban-status' });
  const duration = h('select', ids('ban-duration'), DURATIONS.map(([value, text]) => h('option', { value, text })));
  duration.value = '01:00:00';
  const banReason = h('input', { ...ids('ban-reason'), type: 'text', maxlength: 500, placeholder: 'Why (goes into the audit trail)' });
  ctx.adminOnly(duration);
  ctx.adminOnly(banReason);
  const banButton = ctx.adminOnly(h('button', { ...ids('ban-button'), type: 'button', class: 'danger', text: 'Ban client' }));
  const unbanButton = ctx.adminOnly(h('button', { ...ids('unban-button'), type: 'button', text: 'Unban' }));
  const banMessage = h('div', { ...ids('ban-message'), role: 'status', hidden: true });
  if (!client) {
    for (const control of [duration, banReason, banButton, unbanButton]) control.disabled = true;
  }

  function showBan(banned) {
    banStatus.replaceChildren();
    banStatus.dataset.banned = banned ? 'true' : 'false';
    banStatus.classList.toggle('is-banned', Boolean(banned));
    if (!client) banStatus.textContent = 'This query has no client id.';
    else if (banned) {
      banStatus.append(h('strong', { text: 'Banned' }), ` until ${fmtTime(banned.expiresUtc)}`,
        banned.reason ? ` — reason: ${banned.reason}` : '');
    } else banStatus.textContent = 'Not banned.';
  }
  showBan(d.banned);

  async function refreshBan() {
    const { bans } = await api('GET', '/api/bans', undefined, ctx.signal);
    showBan((Array.isArray(bans) ? bans : []).find((b) => b.client === client) || null);
  }

  banButton.addEventListener('click', async () => {
    if (!ctx.isAdmin || !client) return;
    const reason = banReason.value.trim();
    if (!reason) {
      showIn(banMessage, 'error', 'Give a reason for the ban (it goes into the audit trail).');
      banReason.focus();
      return;
    }
    banButton.disabled = true;
    try {
      await api('POST', '/api/bans', { client, duration: duration.value, reason }, ctx.signal);
      showIn(banMessage, 'success', `Client banned for ${duration.selectedOptions[0].textContent}.`);
      banReason.value = '';
    } catch (error) {
      ctx.showError(error, banMessage);
    } finally {
      banButton.disabled = false;
    }
    refreshBan().catch((error) => ctx.showError(error, banMessage));
  });

  unbanButton.addEventListener('click', async () => {
    if (!ctx.isAdmin || !client) return;
    unbanButton.disabled = true;
    try {
      await api('DELETE', `/api/bans/${seg(client)}`, undefined, ctx.signal);
      showIn(banMessage, 'success', 'Client unbanned.');
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) showIn(banMessage, 'info', 'The client was not banned.');
      else ctx.showError(error, banMessage);
    } finally {
      unbanButton.disabled = false;
    }
    refreshBan().catch((error) => ctx.showError(error, banMessage));
  });

  const banCard = h('div', { class: 'card' }, h('h2', { text: 'Client' }),
    h('p', { class: 'mono', text: client || '–' }),
    banStatus,
    h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Reason' }), banReason),
    h('div', { class: 'ban-controls' },
      h('label', { class: 'field' }, h('span', { class: 'field-label', text: 'Ban for' }), duration),
      banButton, unbanButton),
    ctx.isAdmin ? null : h('p', { class: 'muted', text: `Your role (${ctx.role}) can view but not ban or unban.` }),
    banMessage);

  page.append(h('div', { class: 'detail-grid' }, info, h('div', { class: 'column' }, scoreCard, imageCard), banCard), matchedCard);
}
