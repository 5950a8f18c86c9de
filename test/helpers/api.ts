/** An HTTP answer: status, parsed JSON body and the raw text (for failure messages). */
export interface Answer<T = Record<string, unknown>> {
  status: number;
  /** Typed as the route promises; the assertions check that it keeps the promise. */
  body: T;
  text: string;
}

/** A JSON client for `<url>/api`; `raw` sends a body exactly as given (malformed JSON tests). */
export function apiClient(url: string) {
  const call = async <T = Record<string, unknown>>(
    method: string,
    route: string,
    body?: unknown,
    raw?: string,
  ): Promise<Answer<T>> => {
    const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const response = await fetch(`${url}/api${route}`, {
      method,
      headers: payload === undefined ? {} : { 'content-type': 'application/json' },
      body: payload,
    });
    const text = await response.text();
    return { status: response.status, body: JSON.parse(text) as T, text };
  };
  return {
    call,
    get: <T = Record<string, unknown>>(route: string) => call<T>('GET', route),
    post: <T = Record<string, unknown>>(route: string, body?: unknown) => call<T>('POST', route, body),
    put: <T = Record<string, unknown>>(route: string, body?: unknown) => call<T>('PUT', route, body),
    delete: <T = Record<string, unknown>>(route: string) => call<T>('DELETE', route),
    raw: (method: string, route: string, raw: string) => call(method, route, undefined, raw),
  };
}
