/** Where one operation of one deployment is sent: undici takes the origin and the path apart. */
export interface UpstreamTarget {
  origin: string;
  path: string;
}

/** Deployments are few and their URLs fixed, so each is parsed once. */
const targets = new Map<string, UpstreamTarget>();

/** `baseUrl` + operation path, e.g. `http://h:8090/v1` + `/chat/completions`; a query in `baseUrl` is kept. */
export function upstreamTarget(baseUrl: string, operationPath: string): UpstreamTarget {
  const cacheKey = `${baseUrl} ${operationPath}`;
  let target = targets.get(cacheKey);
  if (!target) {
    const url = new URL(baseUrl);
    target = { origin: url.origin, path: `${url.pathname.replace(/\/+$/, '')}${operationPath}${url.search}` };
    targets.set(cacheKey, target);
  }
  return target;
}
