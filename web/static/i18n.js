// Tiny i18n: Indonesian first, English on request (remembered in localStorage).
// Elements carry data-i18n="key" (text), data-i18n-vars='{"n":1}' (placeholders
// {n}), data-i18n-attr="placeholder:key,aria-label:key", data-date="<epoch s>" and
// data-text-id/data-text-en (a text the server sends in both languages).
// apply() rewrites them all, so a language switch needs no page re-render.

const STORE_KEY = 'teken.lang';
const LANGS = ['id', 'en'];
const tables = { id: {}, en: {} };
let current = null; // used when localStorage is unavailable

export function register(table) {
  for (const l of LANGS) Object.assign(tables[l], table[l] || {});
}

export function getLang() {
  let l = current;
  if (l === null) {
    try { l = localStorage.getItem(STORE_KEY); } catch (e) { /* storage disabled */ }
  }
  return LANGS.includes(l) ? l : 'id';
}

// Keys present in one language only (the browser test wants none).
export function coverage() {
  const onlyId = Object.keys(tables.id).filter((k) => tables.en[k] === undefined);
  const onlyEn = Object.keys(tables.en).filter((k) => tables.id[k] === undefined);
  return { onlyId, onlyEn };
}

// Every key of the tables loaded in this page (the accessibility audit tells raw keys on screen from names of files and users by their namespace).
export function keys() {
  return Object.keys(tables.id);
}

export function has(key) {
  return tables.id[key] !== undefined;
}

export function t(key, vars) {
  const l = getLang();
  let s = tables[l][key];
  if (s === undefined) s = tables.id[key];
  if (s === undefined) {
    console.error('i18n: missing key ' + key);
    return key;
  }
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] !== undefined && vars[k] !== null ? String(vars[k]) : m));
  return s;
}

// Dates: epoch seconds (or ISO text) shown in Jakarta time, as on the documents.
export function fmtDate(v) {
  if (v === null || v === undefined || v === '') return '—';
  const d = typeof v === 'number' ? new Date(v * 1000) : new Date(v);
  if (isNaN(d.getTime())) return String(v);
  const l = getLang() === 'id' ? 'id-ID' : 'en-GB';
  try {
    return new Intl.DateTimeFormat(l, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Jakarta' }).format(d) + ' WIB';
  } catch (e) {
    return d.toISOString();
  }
}

export function apply(root = document) {
  const l = getLang();
  if (root === document) {
    document.documentElement.lang = l;
    const tk = document.documentElement.dataset.titleKey;
    if (tk) document.title = t(tk) + ' — teken';
  }
  const varsOf = (e) => {
    if (!e.dataset.i18nVars) return undefined;
    try { return JSON.parse(e.dataset.i18nVars); } catch (x) { return undefined; }
  };
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n, varsOf(e));
  for (const e of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':').map((s) => s.trim());
      if (attr && key) e.setAttribute(attr, t(key, varsOf(e)));
    }
  }
  // Texts the server sends in both languages (e.g. a calendar's "note" and "note_en"):
  // data-text-id / data-text-en, shown by the current language.
  for (const e of root.querySelectorAll('[data-text-id]')) {
    e.textContent = (l === 'en' && e.dataset.textEn) ? e.dataset.textEn : e.dataset.textId;
  }
  for (const e of root.querySelectorAll('[data-date]')) {
    const raw = e.dataset.date;
    e.textContent = fmtDate(/^\d+$/.test(raw) ? Number(raw) : raw);
  }
}

export function setLang(l) {
  if (!LANGS.includes(l)) return;
  current = l;
  try { localStorage.setItem(STORE_KEY, l); } catch (e) { /* storage disabled: this page only */ }
  apply();
  document.dispatchEvent(new CustomEvent('teken:lang', { detail: l }));
}
