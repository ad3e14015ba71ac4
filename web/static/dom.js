// DOM helpers: build elements without innerHTML (no markup from data, ever).
import { t, fmtDate } from './i18n.js';

// h('p', {class: 'x', i18n: 'key', vars: {...}}, child, ...)
// Special attributes: i18n, vars, i18nAttr, date, text, on (events), dataset.
export function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'i18n') {
      e.dataset.i18n = v;
      e.textContent = t(v, attrs.vars);
    } else if (k === 'vars') {
      e.dataset.i18nVars = JSON.stringify(v);
    } else if (k === 'i18nAttr') {
      e.dataset.i18nAttr = v;
      for (const pair of v.split(',')) {
        const [a, key] = pair.split(':').map((s) => s.trim());
        e.setAttribute(a, t(key, attrs.vars));
      }
    } else if (k === 'date') {
      e.dataset.date = String(v);
      e.textContent = fmtDate(v);
    } else if (k === 'text') {
      e.textContent = String(v);
    } else if (k === 'on') {
      for (const [ev, fn] of Object.entries(v)) e.addEventListener(ev, fn);
    } else if (k === 'dataset') {
      Object.assign(e.dataset, v);
    } else if (k === 'class') {
      e.className = v;
    } else if (v === true) {
      e.setAttribute(k, '');
    } else {
      e.setAttribute(k, String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function $(sel, root = document) { return root.querySelector(sel); }
export function $$(sel, root = document) { return Array.from(root.querySelectorAll(sel)); }

export function clear(e) {
  while (e.firstChild) e.removeChild(e.firstChild);
  return e;
}

// A message box (role=status or alert) in a slot element.
export function say(slot, kind, key, vars, detail) {
  clear(slot);
  if (!key) {
    slot.hidden = true;
    return;
  }
  slot.hidden = false;
  slot.className = 'msg msg-' + kind;
  slot.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  slot.append(h('span', { i18n: key, vars }));
  if (detail) slot.append(' ', h('span', { class: 'msg-detail', text: detail }));
}

// Definition list from [labelKey, value] rows; value may be a Node.
export function dl(rows) {
  const d = h('dl', { class: 'facts' });
  for (const [k, v] of rows) {
    if (v === undefined) continue;
    d.append(h('dt', { i18n: k }), h('dd', {}, v === null || v === '' ? '—' : v));
  }
  return d;
}

export function fmtBytes(n) {
  if (typeof n !== 'number') return '—';
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

// Saves bytes as a file through a Blob and a temporary object URL.
export function blobLink(blob, filename, labelKey) {
  const url = URL.createObjectURL(blob);
  return h('a', { href: url, download: filename, class: 'button button-primary', i18n: labelKey });
}
