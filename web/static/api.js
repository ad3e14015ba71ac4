// JSON API client: same-origin cookie session, CSRF header on every state change,
// errors as ApiError {status, code, message} from {"error":{"code","message"}}.

import { has } from './i18n.js';

let csrf = null;

export function setCsrf(token) { csrf = token || null; }

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code);
    this.status = status;
    this.code = code;
  }
}

// opts: json (object body), form (FormData), body + type (raw), as: 'json'|'blob'|'text',
// accept (the Accept header; default application/json), headers (extra request headers)
export async function api(method, path, opts = {}) {
  const headers = { ...(opts.headers || {}), Accept: opts.accept || 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form !== undefined) {
    body = opts.form; // the browser sets the multipart boundary
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.type || 'application/octet-stream';
    body = opts.body;
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let r;
  try {
    r = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'network', String(e && e.message ? e.message : e));
  }
  if (!r.ok) {
    let code = 'http_' + r.status;
    let message = r.statusText;
    try {
      const j = await r.json();
      if (j && j.error) {
        code = j.error.code || code;
        message = j.error.message || message;
      }
    } catch (e) { /* not JSON */ }
    throw new ApiError(r.status, code, message);
  }
  if (opts.as === 'blob') return { blob: await r.blob(), headers: r.headers, status: r.status };
  if (opts.as === 'text') return await r.text();
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

// The i18n key of an error's plain-language text ('err.<code>'), or null.
export function errorKey(err) {
  if (err instanceof ApiError && has('err.' + err.code)) return 'err.' + err.code;
  return null;
}
