// The admin JSON API client (src/Admin/API.md): same-origin fetch with the session cookie, the CSRF token on every
// state-changing request, and errors turned into ApiError carrying the answer's `error` and `problems`.

let csrfToken = null;
let unauthorizedHandler = null;

/** Remembers the CSRF token answered by POST/GET /api/session (kept in memory only, never in storage). */
export function setCsrfToken(token) {
  csrfToken = token || null;
}

/** Called with the ApiError of any 401 except from the login request itself. */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

export class ApiError extends Error {
  constructor(status, message, problems) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problems = Array.isArray(problems) ? problems.map(String) : [];
  }
}

/** True for the rejection of a request aborted because the user left the page. */
export function isAbort(error) {
  return error && error.name === 'AbortError';
}

/**
 * One API call. `body` (optional) is sent as JSON; `signal` aborts it. Answers the parsed JSON (null for 204).
 * Throws ApiError for non-2xx answers and for network failures (status 0).
 */
export async function api(method, path, body, signal) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', signal };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(0, 'The Guard admin server cannot be reached.', []);
  }
  const text = response.status === 204 ? '' : await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = data && typeof data.error === 'string' && data.error
      ? data.error
      : `${response.status} ${response.statusText || 'error'}`.trim();
    const error = new ApiError(response.status, message, data && data.problems);
    const isLogin = method === 'POST' && path === '/api/session';
    if (response.status === 401 && !isLogin && unauthorizedHandler) unauthorizedHandler(error);
    throw error;
  }
  return data;
}

/** Builds "?a=1&b=2" from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** Path segment, percent-encoded (client ids, model and policy names are arbitrary strings). */
export function seg(value) {
  return encodeURIComponent(String(value));
}
