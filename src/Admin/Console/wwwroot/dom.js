// DOM helpers: every element is built with createElement / createElementNS and text goes in as textContent, so
// server data (client ids, reasons, model names: attacker-influenced) is never parsed as HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';
const PROPERTIES = new Set(['value', 'checked', 'disabled', 'selected', 'hidden', 'required', 'readOnly', 'href']);

function apply(element, attrs) {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') element.textContent = String(value);
    else if (key === 'class') element.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (key === 'testid') element.setAttribute('data-testid', value);
    else if (key === 'data') for (const [name, v] of Object.entries(value)) element.dataset[name] = String(v);
    else if (key === 'on') for (const [name, handler] of Object.entries(value)) element.addEventListener(name, handler);
    else if (PROPERTIES.has(key) && !(element instanceof SVGElement)) element[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** h('tr', {class: 'x', data: {id: 1}, on: {click}}, child, 'text', [more]) */
export function h(tag, attrs, ...children) {
  const element = document.createElement(tag);
  apply(element, attrs);
  append(element, children);
  return element;
}

/** Same for SVG elements (attributes only). */
export function s(tag, attrs, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  apply(element, attrs);
  append(element, children);
  return element;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export function byId(id) {
  return document.getElementById(id);
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** ISO time as local "YYYY-MM-DD HH:mm:ss" (the original is kept for the title tooltip). */
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} `
    + `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** A time cell's content: local time, UTC in the tooltip. */
export function timeEl(iso) {
  return h('time', { datetime: iso || undefined, title: iso ? `${iso} (UTC)` : undefined, text: fmtTime(iso) });
}

export function fmtNum(value, digits = 4) {
  if (value === undefined || value === null || value === '') return '–';
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(digits)));
}

export function fmtPct(value, digits = 1) {
  if (value === undefined || value === null) return '–';
  const n = Number(value);
  return Number.isFinite(n) ? `${(n * 100).toFixed(digits)} %` : String(value);
}

export function fmtBool(value) {
  if (value === undefined || value === null) return '–';
  return value ? 'yes' : 'no';
}

/** A <dl> of [label, value] pairs (values: text or nodes). */
export function fields(attrs, pairs) {
  return h('dl', { class: 'fields', ...attrs }, pairs.map(([label, value, id]) => [
    h('dt', { text: label }),
    h('dd', { id, testid: id }, value instanceof Node ? value : (value === undefined || value === null || value === '' ? '–' : String(value))),
  ]));
}

/** Fills a message box: kind is 'error', 'success' or 'info'; problems (strings) become a list. */
export function showIn(element, kind, text, problems) {
  if (!element) return;
  clear(element);
  if (!text) {
    element.hidden = true;
    element.removeAttribute('data-kind');
    return;
  }
  element.hidden = false;
  element.dataset.kind = kind;
  element.className = `message message-${kind}`;
  element.append(h('p', { text }));
  if (problems && problems.length) element.append(h('ul', { class: 'problems' }, problems.map((p) => h('li', { text: p }))));
}

/** Calls fn after `ms` of quiet. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/**
 * A small horizontal bar as inline SVG (presentation attributes only, no inline styles): `value` of `max`.
 * Extra classes go on the filled part.
 */
export function bar(value, max, attrs = {}, fillClass = '') {
  const width = 120;
  const v = Number(value);
  const m = Number(max);
  const fraction = Number.isFinite(v) && Number.isFinite(m) && m > 0 ? Math.max(0, Math.min(1, v / m)) : 0;
  return s('svg', { class: 'bar', viewBox: `0 0 ${width} 10`, width, height: 10, 'aria-hidden': 'true', ...attrs },
    s('rect', { class: 'bar-track', x: 0, y: 0, width, height: 10, rx: 2 }),
    s('rect', { class: ['bar-fill', fillClass], x: 0, y: 0, width: (fraction * width).toFixed(1), height: 10, rx: 2 }));
}

/** A page's heading row: h1#page-title plus optional extra nodes (links, selects). */
export function pageHead(title, ...extra) {
  return h('div', { class: 'page-head' }, h('h1', { id: 'page-title', testid: 'page-title', text: title }), extra);
}

/** <label class="field"><span>text</span> control [hint]</label> */
export function field(text, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label', text }), control,
    hint ? h('small', { class: 'hint', text: hint }) : null);
}

/** An element with both id and data-testid. */
export function ids(id) {
  return { id, testid: id };
}

/**
 * Newest-first keyset paging: « Newest and Older » buttons around a page note. `pager.before` is the key to send
 * (null: the newest page); after a load, `pager.shown(rows, limit, oldestKey, note)` updates the buttons, and a
 * click sets `before` and calls `reload`.
 */
export function keysetPager(idPrefix, reload) {
  const newestButton = h('button', { ...ids(`${idPrefix}-newest`), type: 'button', text: '« Newest' });
  const olderButton = h('button', { ...ids(`${idPrefix}-older`), type: 'button', text: 'Older »' });
  const note = h('span', { class: 'muted' });
  let oldest = null;
  const pager = {
    element: h('div', { class: 'pager' }, newestButton, note, olderButton),
    before: null,
    shown(rows, limit, oldestKey, text) {
      oldest = rows ? oldestKey : null;
      olderButton.disabled = rows < limit || oldest === null;
      newestButton.disabled = pager.before === null;
      note.textContent = rows ? text : '';
    },
  };
  newestButton.addEventListener('click', () => {
    pager.before = null;
    reload();
  });
  olderButton.addEventListener('click', () => {
    if (oldest === null) return;
    pager.before = oldest;
    reload();
  });
  return pager;
}
