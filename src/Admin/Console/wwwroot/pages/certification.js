// Certification: randomized smoothing settings of a model's policy, the certified-accuracy-vs-radius curve of the
// chosen noise-trained base model, an estimate of their cost, and applying them to the policy.

import { api, isAbort, seg } from '../api.js';
import { clear, debounce, field, fields, fmtNum, fmtPct, h, ids, pageHead, s, showIn } from '../dom.js';

export const title = 'Certification';

const remembered = { model: null };

const W = 560;
const H = 300;
const M = { left: 52, right: 18, top: 16, bottom: 44 };

function numberInput(id, attrs) {
  return h('input', { ...ids(id), type: 'number', step: 'any', inputmode: 'decimal', required: true, ...attrs });
}

/** Tick step giving at most ~8 ticks over [0, max]. */
function tickStep(max) {
  for (const step of [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10]) {
    if (max / step <= 8) return step;
  }
  return max / 5;
}

/** Certified accuracy at radius r from the curve points (linear between points; 0 beyond the last). */
function accuracyAt(points, r) {
  if (!points.length) return null;
  if (r <= points[0].radius) return points[0].certifiedAccuracy;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (r <= b.radius) {
      const t = b.radius === a.radius ? 1 : (r - a.radius) / (b.radius - a.radius);
      return a.certifiedAccuracy + t * (b.certifiedAccuracy - a.certifiedAccuracy);
    }
  }
  return points[points.length - 1].certifiedAccuracy;
}

/** The curve as an SVG, built with createElementNS only. */
function drawCurve(option, rmin) {
  const points = (option && Array.isArray(option.curve) ? option.curve : [])
    .map((p) => ({ radius: Number(p.radius), certifiedAccuracy: Number(p.certifiedAccuracy) }))
    .filter((p) => Number.isFinite(p.radius) && Number.isFinite(p.certifiedAccuracy))
    .sort((a, b) => a.radius - b.radius);
  const r = Number.isFinite(rmin) && rmin >= 0 ? rmin : null;
  const maxRadius = Math.max(0.5, ...points.map((p) => p.radius), r ?? 0) * 1.05;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (v) => M.left + (v / maxRadius) * plotW;
  const y = (v) => M.top + (1 - Math.max(0, Math.min(1, v))) * plotH;

  const svg = s('svg', {
    ...ids('cert-curve'), class: 'curve', viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': 'Certified accuracy against L2 radius',
  }, s('title', { text: 'Certified accuracy against L2 radius' }));

  for (const a of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(
      s('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(a), y2: y(a) }),
      s('text', { class: 'tick tick-y', x: M.left - 6, y: y(a) + 4, text: `${Math.round(a * 100)} %` }));
  }
  const step = tickStep(maxRadius);
  for (let v = 0; v <= maxRadius + 1e-9; v += step) {
    const value = Number(v.toFixed(6));
    svg.append(
      s('line', { class: 'grid grid-x', x1: x(value), x2: x(value), y1: M.top, y2: H - M.bottom }),
      s('text', { class: 'tick tick-x', x: x(value), y: H - M.bottom + 16, text: fmtNum(value, 3) }));
  }
  svg.append(
    s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }),
    s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: H - M.bottom }),
    s('text', { class: 'axis-label', x: M.left + plotW / 2, y: H - 6, text: 'L2 radius' }),
    s('text', { class: 'axis-label', x: 14, y: M.top + plotH / 2, transform: `rotate(-90 14 ${M.top + plotH / 2})`, text: 'certified accuracy' }));

  if (points.length) {
    svg.append(s('polyline', {
      class: 'curve-line', testid: 'cert-curve-line',
      points: points.map((p) => `${x(p.radius).toFixed(1)},${y(p.certifiedAccuracy).toFixed(1)}`).join(' '),
    }));
  } else {
    svg.append(s('text', { class: 'curve-empty', x: M.left + plotW / 2, y: M.top + plotH / 2, text: 'No certify curve for this base model (run guard certify).' }));
  }

  if (r !== null) {
    svg.append(
      s('line', { ...ids('cert-rmin-marker'), class: 'rmin-line', x1: x(r), x2: x(r), y1: M.top, y2: H - M.bottom, 'data-radius': r }),
      s('text', { class: 'rmin-label', x: Math.min(x(r) + 4, W - M.right - 70), y: M.top + 12, text: `r_min = ${fmtNum(r, 3)}` }));
    const at = accuracyAt(points, r);
    if (at !== null) svg.append(s('circle', { class: 'rmin-dot', cx: x(r), cy: y(at), r: 4 }));
  }
  return { svg, at: r === null ? null : accuracyAt(points, r) };
}

export async function render(page, ctx) {
  const modelSelect = h('select', ids('cert-model'));
  const policyInfo = h('p', { ...ids('cert-policy'), class: 'muted' });
  const currentBox = h('div', { ...ids('cert-current'), class: 'card' });

  const sigmaSelect = h('select', ids('cert-sigma'));
  const nInput = numberInput('cert-n', { min: 1, step: 1, inputmode: 'numeric' });
  const n0Input = numberInput('cert-n0', { min: 1, step: 1, inputmode: 'numeric' });
  const alphaInput = numberInput('cert-alpha', { min: 0, max: 1 });
  const rminInput = numberInput('cert-rmin', { min: 0 });
  const runInfo = h('p', { ...ids('cert-run'), class: 'muted' });

  const curveBox = h('div', { class: 'curve-box' });
  const curveAt = h('p', { ...ids('cert-curve-at-rmin'), class: 'muted' });

  const abstainOut = h('output', ids('cert-abstain'), '–');
  const accuracyOut = h('output', ids('cert-accuracy'), '–');
  const msOut = h('output', ids('cert-ms'), '–');
  const examplesOut = h('output', ids('cert-examples'), '–');
  const estimateMessage = h('div', { ...ids('cert-estimate-message'), hidden: true });
  const estimateBox = h('div', { ...ids('cert-estimate'), class: 'card estimate' },
    h('h2', { text: 'Estimate for these settings' }),
    h('dl', { class: 'fields' },
      h('dt', { text: 'Expected abstain rate' }), h('dd', null, abstainOut),
      h('dt', { text: 'Certified accuracy at r_min' }), h('dd', null, accuracyOut),
      h('dt', { text: 'Time per request' }), h('dd', null, msOut, ' ms'),
      h('dt', { text: 'Evaluation examples' }), h('dd', null, examplesOut)),
    estimateMessage);

  const reasonInput = h('input', { ...ids('cert-reason'), type: 'text', maxlength: 500, placeholder: 'Why this change (goes into the audit trail)' });
  ctx.adminOnly(reasonInput);
  const applyButton = ctx.adminOnly(h('button', { ...ids('cert-apply'), type: 'button', class: 'primary', text: 'Apply to policy' }));
  const applyMessage = h('div', { ...ids('cert-message'), role: 'status', hidden: true });

  const settingsForm = h('form', { class: 'card settings', novalidate: true, on: { submit: (e) => e.preventDefault() } },
    h('h2', { text: 'New smoothing settings' }),
    field('Noise level σ (base model)', sigmaSelect),
    field('n (estimation samples)', nInput),
    field('n0 (selection samples)', n0Input),
    field('α (certificate fails with probability ≤ α)', alphaInput),
    field('r_min (L2 radius to certify)', rminInput),
    runInfo,
    h('div', { class: 'apply-row' },
      field('Reason', reasonInput),
      applyButton),
    ctx.isAdmin ? null : h('p', { class: 'muted', text: `Your role (${ctx.role}) can view but not change settings.` }),
    applyMessage);

  page.append(
    pageHead('Certification (randomized smoothing)', field('Model', modelSelect)),
    policyInfo,
    h('div', { class: 'columns' },
      h('div', { class: 'column' }, currentBox, settingsForm),
      h('div', { class: 'column' },
        h('div', { class: 'card' }, h('h2', { text: 'Certified accuracy vs. radius' }), curveBox, curveAt),
        estimateBox)));

  let data = null; // the certification answer for the chosen model
  let loadSeq = 0;
  let estimateSeq = 0;

  const option = () => (data && data.options[Number(sigmaSelect.value)]) || null;

  function readInputs() {
    const problems = [];
    const n = Number(nInput.value);
    const n0 = Number(n0Input.value);
    const alpha = Number(alphaInput.value);
    const minRadius = Number(rminInput.value);
    if (nInput.value === '' || !Number.isInteger(n) || n < 1) problems.push('n must be a whole number of at least 1.');
    if (n0Input.value === '' || !Number.isInteger(n0) || n0 < 1) problems.push('n0 must be a whole number of at least 1.');
    if (alphaInput.value === '' || !(alpha > 0 && alpha < 1)) problems.push('α must be between 0 and 1 (exclusive).');
    if (rminInput.value === '' || !(minRadius >= 0) || !Number.isFinite(minRadius)) problems.push('r_min must be a number of at least 0.');
    if (!option()) problems.push('Choose a noise level σ (no noise-trained base model is available).');
    return { values: { n, n0, alpha, minRadius }, problems };
  }

  function redraw() {
    const { svg, at } = drawCurve(option(), rminInput.value === '' ? NaN : Number(rminInput.value));
    curveBox.replaceChildren(svg);
    curveAt.textContent = at === null ? '' : `Last certify run: ${fmtPct(at)} certified at r_min.`;
    const opt = option();
    if (!opt) runInfo.textContent = '';
    else if (opt.run) {
      const run = opt.run;
      runInfo.textContent = `Curve from guard certify: n = ${fmtNum(run.n)}, n0 = ${fmtNum(run.n0)}, α = ${fmtNum(run.alpha)}, `
        + `${fmtNum(run.images)} images, ${fmtNum(run.meanMs)} ms per image.`;
    } else runInfo.textContent = 'No guard certify run for this base model yet.';
  }

  async function estimate() {
    const seq = ++estimateSeq;
    const { values, problems } = readInputs();
    if (problems.length) {
      for (const out of [abstainOut, accuracyOut, msOut, examplesOut]) out.textContent = '–';
      showIn(estimateMessage, 'info', 'Enter valid settings to see an estimate.', problems);
      return;
    }
    const opt = option();
    estimateBox.classList.add('pending');
    try {
      const result = await api('POST', '/api/certification/estimate', {
        baseModel: opt.baseModel, sigma: opt.sigma, n: values.n, n0: values.n0, alpha: values.alpha, minRadius: values.minRadius,
      }, ctx.signal);
      if (seq !== estimateSeq) return;
      abstainOut.textContent = fmtPct(result.abstainRate);
      accuracyOut.textContent = fmtPct(result.certifiedAccuracy);
      msOut.textContent = fmtNum(result.msPerRequest, 3);
      examplesOut.textContent = fmtNum(result.examples);
      showIn(estimateMessage, null, null);
    } catch (error) {
      if (isAbort(error) || seq !== estimateSeq) return;
      for (const out of [abstainOut, accuracyOut, msOut, examplesOut]) out.textContent = '–';
      ctx.showError(error, estimateMessage);
    } finally {
      if (seq === estimateSeq) estimateBox.classList.remove('pending');
    }
  }
  const estimateSoon = debounce(estimate, 400);
  ctx.onCleanup(() => estimateSoon.cancel());

  function onChange() {
    redraw();
    estimateBox.classList.add('pending');
    estimateSoon();
  }
  for (const input of [nInput, n0Input, alphaInput, rminInput]) input.addEventListener('input', onChange);
  sigmaSelect.addEventListener('change', onChange);

  function showCurrent(smoothing) {
    const sm = smoothing || {};
    clear(currentBox).append(
      h('h2', { text: 'In force' }),
      fields({}, [
        ['Smoothing enabled', sm.enabled === undefined ? '–' : (sm.enabled ? 'yes' : 'no'), 'cert-current-enabled'],
        ['Base model', sm.baseModel, 'cert-current-baseModel'],
        ['σ', fmtNum(sm.sigma), 'cert-current-sigma'],
        ['n', fmtNum(sm.n), 'cert-current-n'],
        ['n0', fmtNum(sm.n0), 'cert-current-n0'],
        ['α', fmtNum(sm.alpha), 'cert-current-alpha'],
        ['r_min', fmtNum(sm.minRadius), 'cert-current-minRadius'],
        ['Action when not certified', sm.action, 'cert-current-action'],
      ]));
  }

  async function describePolicy(policyName, seq) {
    policyInfo.textContent = `Changes apply to policy “${policyName}”.`;
    try {
      const answer = await api('GET', `/api/policies/${seg(policyName)}`, undefined, ctx.signal);
      if (seq !== loadSeq) return;
      const models = Array.isArray(answer.models) ? answer.models : [];
      policyInfo.textContent = `Changes apply to policy “${policyName}” (version ${answer.version}, from ${answer.source || 'file'})`
        + (models.length ? `, used by: ${models.join(', ')}.` : '.');
    } catch (error) {
      if (!isAbort(error)) policyInfo.textContent = `Changes apply to policy “${policyName}”.`;
    }
  }

  async function loadModel(keepMessage) {
    const seq = ++loadSeq;
    const model = modelSelect.value;
    remembered.model = model;
    if (!keepMessage) showIn(applyMessage, null, null);
    const answer = await api('GET', `/api/certification/${seg(model)}`, undefined, ctx.signal);
    if (seq !== loadSeq) return;
    data = { ...answer, options: Array.isArray(answer.options) ? answer.options : [] };
    const sm = data.smoothing || {};
    showCurrent(sm);
    describePolicy(data.policy, seq);

    if (keepMessage) return; // after Apply: keep what the user entered
    clear(sigmaSelect);
    data.options.forEach((opt, index) => {
      sigmaSelect.append(h('option', {
        value: String(index),
        text: `σ = ${fmtNum(opt.sigma)} (${opt.baseModel})${opt.run ? '' : ' – no certify run'}`,
      }));
    });
    let chosen = data.options.findIndex((opt) => opt.baseModel === sm.baseModel);
    if (chosen < 0) chosen = data.options.findIndex((opt) => Number(opt.sigma) === Number(sm.sigma));
    if (data.options.length === 0) {
      sigmaSelect.append(h('option', { value: '', text: 'no noise-trained base model' }));
      sigmaSelect.disabled = true;
    } else {
      sigmaSelect.disabled = false;
      sigmaSelect.value = String(Math.max(0, chosen));
    }
    nInput.value = String(sm.n ?? 10000);
    n0Input.value = String(sm.n0 ?? 100);
    alphaInput.value = String(sm.alpha ?? 0.001);
    rminInput.value = String(sm.minRadius ?? 0);
    if (ctx.isAdmin) applyButton.disabled = data.options.length === 0;
    redraw();
    estimateSoon.cancel();
    estimate();
  }

  async function applySettings() {
    if (!ctx.isAdmin || !data) return;
    const { values, problems } = readInputs();
    if (problems.length) {
      showIn(applyMessage, 'error', 'Fix these settings first:', problems);
      return;
    }
    const reason = reasonInput.value.trim();
    if (!reason) {
      showIn(applyMessage, 'error', 'Give a reason for the change (it goes into the audit trail).');
      reasonInput.focus();
      return;
    }
    const opt = option();
    const policyName = data.policy;
    applyButton.disabled = true;
    showIn(applyMessage, 'info', `Applying to policy “${policyName}”…`);
    try {
      const currentPolicy = await api('GET', `/api/policies/${seg(policyName)}`, undefined, ctx.signal);
      const policy = structuredClone(currentPolicy.policy || {});
      policy.smoothing = {
        ...(policy.smoothing || {}),
        enabled: true,
        baseModel: opt.baseModel,
        sigma: opt.sigma,
        n: values.n,
        n0: values.n0,
        alpha: values.alpha,
        minRadius: values.minRadius,
      };
      const result = await api('PUT', `/api/policies/${seg(policyName)}`,
        { policy, reason, baseVersion: currentPolicy.version }, ctx.signal);
      showIn(applyMessage, 'success', `Applied: policy “${policyName}” is now at version ${result.version}.`);
      applyMessage.dataset.version = String(result.version);
      reasonInput.value = '';
      loadModel(true).catch((error) => ctx.showError(error));
    } catch (error) {
      ctx.showError(error, applyMessage);
    } finally {
      if (ctx.isAdmin) applyButton.disabled = !data || data.options.length === 0;
    }
  }
  applyButton.addEventListener('click', applySettings);
  reasonInput.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      applySettings();
    }
  });

  const { models } = await api('GET', '/api/models', undefined, ctx.signal);
  const list = Array.isArray(models) ? models : [];
  if (list.length === 0) {
    modelSelect.disabled = true;
    ctx.message('info', 'No models are configured.');
    return;
  }
  for (const m of list) {
    modelSelect.append(h('option', { value: m.name, text: `${m.name} (policy ${m.policy})` }));
  }
  if (remembered.model && list.some((m) => m.name === remembered.model)) modelSelect.value = remembered.model;
  modelSelect.addEventListener('change', () => loadModel(false).catch((error) => ctx.showError(error)));
  await loadModel(false);
}
