// The /literasi page text (docs/literacy.md "Text format"): a small Markdown
// subset rendered into DOM nodes, never through innerHTML, so the text can
// hold no markup and no script. Blocks: "# ", "## ", "### " headings;
// "- " or "* " bullet lists; "1. " numbered lists; "> " quotes; paragraphs
// (lines joined until a blank line). Inline: **bold** and [text](url) with
// http:, https: or a same-site path ("/verify") only; anything else stays
// literal text.
import { h } from './dom.js';

const LINK = /\[([^\]\n]{1,300})\]\(([^)\s]{1,2000})\)/;
const BOLD = /\*\*([^*\n]{1,1000})\*\*/;

function safeHref(u) {
  if (/^https?:\/\/[^\s]+$/i.test(u)) return u;
  if (/^\/(?!\/)[^\s\\]*$/.test(u)) return u; // a path on this site, never protocol-relative
  return null;
}

// Inline text: bold and links; returns nodes.
export function inline(text) {
  const out = [];
  let rest = text;
  while (rest.length) {
    const l = LINK.exec(rest);
    const b = BOLD.exec(rest);
    const m = l && (!b || l.index <= b.index) ? l : b;
    if (!m) {
      out.push(document.createTextNode(rest));
      break;
    }
    if (m.index > 0) out.push(document.createTextNode(rest.slice(0, m.index)));
    if (m === l) {
      const href = safeHref(m[2]);
      if (href) {
        const ext = /^https?:/i.test(href);
        out.push(h('a', { href, rel: ext ? 'noopener noreferrer' : null, text: m[1] }));
      } else {
        out.push(document.createTextNode(m[0])); // not a link we follow: shown as written
      }
    } else {
      out.push(h('strong', { text: m[1] }));
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

// Renders the text into a DocumentFragment.
export function render(text) {
  const frag = document.createDocumentFragment();
  const lines = String(text || '').replace(/\r\n?/g, '\n').split('\n');
  let para = [];
  let list = null;
  let listKind = null;
  let quote = null;
  const flush = () => {
    if (para.length) frag.append(h('p', {}, inline(para.join(' '))));
    para = [];
  };
  const endList = () => { list = null; listKind = null; };
  for (const raw of lines) {
    const line = raw.replace(/\s+$/, '');
    let m;
    if (line.trim() === '') {
      flush();
      endList();
      quote = null;
      continue;
    }
    if ((m = /^(#{1,3})\s+(.*)$/.exec(line))) {
      flush();
      endList();
      quote = null;
      frag.append(h('h' + m[1].length, {}, inline(m[2])));
      continue;
    }
    if ((m = /^\s*[-*]\s+(.*)$/.exec(line)) || (m = /^\s*\d{1,3}[.)]\s+(.*)$/.exec(line))) {
      const kind = /^\s*[-*]\s/.test(line) ? 'ul' : 'ol';
      flush();
      quote = null;
      if (!list || listKind !== kind) {
        list = h(kind, {});
        listKind = kind;
        frag.append(list);
      }
      list.append(h('li', {}, inline(m[1])));
      continue;
    }
    if ((m = /^>\s?(.*)$/.exec(line))) {
      flush();
      endList();
      if (!quote) {
        quote = h('blockquote', { class: 'quote' });
        frag.append(quote);
      } else {
        quote.append(' ');
      }
      quote.append(...inline(m[1]));
      continue;
    }
    if (list && /^\s{2,}\S/.test(raw)) { // a list item's continuation line
      list.lastChild.append(' ', ...inline(line.trim()));
      continue;
    }
    endList();
    quote = null;
    para.push(line.trim());
  }
  flush();
  return frag;
}
