// The Rowgate REST API (docs/api.md) as the pages and the widget use it. Every call carries the
// API key as a bearer token; every failure becomes an ApiError whose message a person can act on.

/// Where the API key typed into a page is kept: for this browser tab's session only.
export const KEY_STORAGE = 'rowgate.apiKey';

/// A failed call: `status` (0 when the server could not be reached), the API's error `code`,
/// and a message saying what happened and what to do.
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /// Whether the same request may succeed if sent again later as it is: the server could not be
  /// reached (restarting, say), a gateway or the server is unavailable for now, or the same
  /// idempotent request is still being served.
  get transient() {
    return [0, 502, 503, 504].includes(this.status) || this.code === 'idempotency_in_progress';
  }
}

function advice(status, code, message, base) {
  if (status === 0) return `The Rowgate server at ${base} cannot be reached. Check the connection and try again.`;
  if (status === 401) return `The API key was not accepted (${message}) Enter a valid key and try again.`;
  if (status === 413) return `The server refused the upload as too large: ${message}`;
  if (status >= 500) return `The server failed (${message}) Try again in a moment.`;
  return message || `The server answered ${status}${code ? ` (${code})` : ''}.`;
}

/// A client for one server. `getKey` returns the API key (or a promise of it) at each call.
export class RowgateApi {
  constructor(base, getKey) {
    this.base = new URL(base || '/', document.baseURI).href.replace(/\/$/, '');
    this.getKey = getKey;
  }

  url(path, query) {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
    }
    return url.href;
  }

  async headers(extra) {
    const key = await this.getKey();
    if (!key) throw new ApiError(401, 'no_key', 'Enter your Rowgate API key first.');
    return { Authorization: `Bearer ${key}`, ...extra };
  }

  /// Sends a request and answers the response (ok) or throws an ApiError.
  async send(method, path, { query, body, headers } = {}) {
    const init = { method, headers: await this.headers(headers) };
    if (body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) init.body = body;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let response;
    try {
      response = await fetch(this.url(path, query), init);
    } catch {
      throw new ApiError(0, 'network', advice(0, '', '', this.base));
    }
    if (response.ok) return response;
    let code = '';
    let message = '';
    try {
      const error = (await response.json()).error ?? {};
      code = error.code ?? '';
      message = error.message ?? '';
    } catch {
      message = '';
    }
    throw new ApiError(response.status, code, advice(response.status, code, message, this.base));
  }

  async json(method, path, options) {
    return (await this.send(method, path, options)).json();
  }

  templates() { return this.json('GET', '/api/v1/templates'); }
  template(name) { return this.json('GET', `/api/v1/templates/${encodeURIComponent(name)}`); }
  groups() { return this.json('GET', '/api/v1/groups'); }
  context(template) { return this.json('GET', '/api/v1/context', { query: { template } }); }

  createImport(body, idempotencyKey) {
    return this.json('POST', '/api/v1/imports', { body, headers: { 'Idempotency-Key': idempotencyKey } });
  }

  /// The column mappings the tenant's people confirmed for `template` (newest first), and one more.
  mappings(template) { return this.json('GET', '/api/v1/mappings', { query: { template } }); }
  putMapping(body) { return this.json('PUT', '/api/v1/mappings', { body }); }

  /// The import's edits as a request of their own (for edits too large for the create request).
  putEdits(id, doc) { return this.json('PUT', `/api/v1/imports/${encodeURIComponent(id)}/edits`, { body: doc }); }

  importStatus(id) { return this.json('GET', `/api/v1/imports/${encodeURIComponent(id)}`); }
  startImport(id) { return this.json('POST', `/api/v1/imports/${encodeURIComponent(id)}/start`); }
  cancelImport(id) { return this.json('DELETE', `/api/v1/imports/${encodeURIComponent(id)}`); }
  imports(limit = 50) { return this.json('GET', '/api/v1/imports', { query: { limit } }); }

  /// Uploads one part with XMLHttpRequest, whose upload progress fetch() does not report.
  /// `onProgress(bytesSent)` is called as the part goes out.
  async putPart(id, n, blob, onProgress) {
    const headers = await this.headers();
    const url = this.url(`/api/v1/imports/${encodeURIComponent(id)}/parts/${n}`);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => onProgress?.(event.loaded);
      xhr.onerror = () => reject(new ApiError(0, 'network', advice(0, '', '', this.base)));
      xhr.onload = () => {
        let parsed = null;
        try {
          parsed = JSON.parse(xhr.responseText);
        } catch {
          parsed = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(parsed);
        else {
          const error = parsed?.error ?? {};
          const message = error.message ?? xhr.responseText.slice(0, 200);
          reject(new ApiError(xhr.status, error.code ?? '', advice(xhr.status, error.code, message, this.base)));
        }
      };
      xhr.send(blob);
    });
  }

  partners(filter, cursor, limit) {
    return this.json('GET', '/api/v1/partners', { query: { ...filter, cursor, limit } });
  }

  changeGroups(body) { return this.json('POST', '/api/v1/partners/groups', { body }); }

  /// Fetches a file of the API (a report, an export) and hands it to the browser as a download.
  async download(path, fileName, query) {
    const response = await this.send('GET', path, { query });
    saveBlob(await response.blob(), fileName);
  }
}

/// Offers `blob` to the user as a downloaded file named `fileName`.
export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
