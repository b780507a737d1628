/**
 * Edits of a routing document by path, for the CLI. A path names fields from the top, separated by `/`
 * (aliases and ids may hold dots), e.g. `models/gpt-4o-mini/strategy`; a number indexes a list.
 */
export type DocPath = string[];

export function parsePath(text: string): DocPath {
  const path = text.split('/').filter((segment) => segment.length > 0);
  if (path.length === 0) throw new Error('give a path such as models/gpt-4o-mini/strategy');
  return path;
}

/** The value at `path`, or undefined. */
export function getAt(doc: unknown, path: DocPath): unknown {
  let node = doc;
  for (const segment of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, segment)) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return node;
}

/** A copy of `doc` with `value` at `path`; missing objects on the way are made. */
export function setAt(doc: unknown, path: DocPath, value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (Array.isArray(doc)) {
    const i = listIndex(doc, head, true);
    const copy = [...doc];
    copy[i] = setAt(doc[i], rest, value);
    return copy;
  }
  const node = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>) : {};
  return { ...node, [head]: setAt(Object.hasOwn(node, head) ? node[head] : undefined, rest, value) };
}

/** A copy of `doc` without what is at `path`; throws when there is nothing there. */
export function unsetAt(doc: unknown, path: DocPath): unknown {
  const [head, ...rest] = path;
  if (head === undefined) throw new Error('cannot remove the whole configuration');
  if (Array.isArray(doc)) {
    const i = listIndex(doc, head, false);
    return rest.length === 0 ? doc.filter((_, j) => j !== i) : doc.map((item, j) => (j === i ? unsetAt(item, rest) : item));
  }
  if (doc === null || typeof doc !== 'object' || !Object.hasOwn(doc, head)) throw new Error(`nothing at '${head}'`);
  const node = doc as Record<string, unknown>;
  if (rest.length === 0) return Object.fromEntries(Object.entries(node).filter(([key]) => key !== head));
  return { ...node, [head]: unsetAt(node[head], rest) };
}

function listIndex(list: unknown[], segment: string, allowAppend: boolean): number {
  const i = Number(segment);
  const last = allowAppend ? list.length : list.length - 1;
  if (!Number.isInteger(i) || i < 0 || i > last) throw new Error(`'${segment}' is not a position in a list of ${list.length}`);
  return i;
}
