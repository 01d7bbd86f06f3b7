/**
 * DOM helpers. Everything is built with createElement/textContent (never innerHTML), so case data
 * can never become markup; the CSP forbids inline scripts and styles as a second line.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let toastTimer;
export function toast(message, kind = 'info') {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), kind === 'error' ? 8000 : 4000);
}

export const badge = (text, kind = String(text).toLowerCase()) =>
  h('span', { class: `badge b-${kind}` }, text);

export function table(headers, rows, opts = {}) {
  return h(
    'table',
    { class: opts.class ?? 'grid' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((c) => h('th', {}, c)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length
        ? rows
        : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, opts.empty ?? 'Nothing here.')),
    ),
  );
}
