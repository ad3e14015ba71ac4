// Page chrome shared by every page: skip link, header with navigation and the
// language toggle, footer. Pages hold <header id="site-header"> and
// <footer id="site-footer"> placeholders and call boot().
import './strings.js';
import { apply, getLang, setLang } from './i18n.js';
import { h, clear } from './dom.js';

const NAV = [
  ['home', '/', 'nav.home'],
  ['verify', '/verify', 'nav.verify'],
  ['literasi', '/literasi', 'nav.literasi'],
  ['cps', '/cps', 'nav.cps'],
  ['app', '/app', 'nav.app'],
];

function header(active) {
  const toggle = h('button', {
    type: 'button', class: 'lang-toggle', id: 'lang-toggle', i18n: 'lang.switch', i18nAttr: 'aria-label:lang.switch.label',
  });
  const setToggleLang = () => toggle.setAttribute('lang', getLang() === 'id' ? 'en' : 'id');
  setToggleLang();
  toggle.addEventListener('click', () => {
    setLang(getLang() === 'id' ? 'en' : 'id');
    setToggleLang();
  });
  const links = NAV.map(([id, href, key]) =>
    h('li', {}, h('a', { href, i18n: key, 'aria-current': id === active ? 'page' : null })));
  return h('div', { class: 'wrap header-inner' },
    h('a', { class: 'brand', href: '/' },
      h('img', { src: '/static/logo.svg', alt: '', width: 36, height: 36 }),
      h('span', { class: 'brand-text' }, h('span', { class: 'brand-name', text: 'teken' }),
        h('span', { class: 'brand-tagline', i18n: 'brand.tagline' }))),
    h('nav', { class: 'site-nav', i18nAttr: 'aria-label:nav.label' }, h('ul', {}, links)),
    toggle);
}

function footer() {
  return h('div', { class: 'wrap footer-inner' },
    h('p', { i18n: 'footer.operator' }),
    h('p', { class: 'footer-links' },
      h('a', { href: '/cps', i18n: 'nav.cps' }), ' · ',
      h('a', { href: '/literasi', i18n: 'nav.literasi' }), ' · ',
      h('a', { href: '/verify', i18n: 'nav.verify' }), ' · ',
      h('a', { href: '/notices', i18n: 'footer.notices' }), ' · ',
      h('a', { href: '/api/v1/openapi.json', i18n: 'footer.api' })));
}

export function boot(active) {
  const hd = document.getElementById('site-header');
  const ft = document.getElementById('site-footer');
  if (hd) {
    clear(hd).append(header(active));
    hd.before(h('a', { class: 'skip-link', href: '#main', i18n: 'skip' }));
  }
  if (ft) clear(ft).append(footer());
  apply();
  document.body.classList.add('ready');
}
