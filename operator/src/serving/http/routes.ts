/** The model server's URL space: which endpoint a request path names. Pure. */

export type Route =
  | { readonly kind: 'server' | 'live' | 'ready' | 'metrics' }
  | {
      readonly kind: 'model' | 'model-ready' | 'infer' | 'samples';
      readonly name: string;
      /** Undefined when the path names no version. */
      readonly version: string | undefined;
    };

/** The method each kind of endpoint answers. */
export const METHODS: Readonly<Record<Route['kind'], 'GET' | 'POST'>> = {
  server: 'GET',
  live: 'GET',
  ready: 'GET',
  metrics: 'GET',
  model: 'GET',
  'model-ready': 'GET',
  infer: 'POST',
  samples: 'GET',
};

const FIXED: Readonly<Record<string, Route>> = {
  '/v2': { kind: 'server' },
  '/v2/health/live': { kind: 'live' },
  '/v2/health/ready': { kind: 'ready' },
  '/metrics': { kind: 'metrics' },
};

const ACTIONS = { ready: 'model-ready', infer: 'infer', samples: 'samples' } as const;

/**
 * The route a request URL (path and optional query) names, or undefined. Model paths are
 * `/v2/models/{name}[/versions/{version}][/ready|/infer|/samples]`, with percent-encoded
 * segments; a trailing slash is ignored. Throws URIError on a malformed escape.
 */
export function routeOf(url: string): Route | undefined {
  const query = url.indexOf('?');
  let path = query === -1 ? url : url.slice(0, query);
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const fixed = FIXED[path];
  if (fixed !== undefined) return fixed;
  const parts = path.split('/');
  if (parts[0] !== '' || parts[1] !== 'v2' || parts[2] !== 'models') return undefined;
  const rest = parts.slice(3).map((part) => decodeURIComponent(part));
  const [name] = rest;
  if (name === undefined || name === '') return undefined;
  let index = 1;
  let version: string | undefined;
  if (rest[index] === 'versions') {
    version = rest[index + 1];
    if (version === undefined || version === '') return undefined;
    index += 2;
  }
  const action = rest[index];
  if (rest.length > index + 1) return undefined;
  if (action === undefined) return { kind: 'model', name, version };
  if (!Object.hasOwn(ACTIONS, action)) return undefined;
  return { kind: ACTIONS[action as keyof typeof ACTIONS], name, version };
}
