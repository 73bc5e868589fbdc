import type { z } from 'zod';
import type { KeyDoc, KeyMeta } from './spec-leaves.js';

// Reading the task-spec schema back: the mapping under a key path, and what its nodes say
// about themselves (docs, defaults).

type Node = z.ZodType;
interface Def {
  readonly type: string;
  readonly innerType?: Node;
  readonly in?: Node;
  readonly out?: Node;
  readonly shape?: Record<string, Node>;
  readonly defaultValue?: unknown;
}
const defOf = (n: Node) => (n as unknown as { def: Def }).def;

/** The node and every node it wraps (default, optional, pipe), outermost first. */
export function chain(node: Node): Node[] {
  const out: Node[] = [node];
  for (;;) {
    const d = defOf(out[out.length - 1]!);
    const next = d.innerType ?? (d.type === 'pipe' ? ([d.in!, d.out!].find((s) => objectIn(s)) ?? d.in) : undefined);
    if (!next) return out;
    out.push(next);
  }
}

function objectIn(node: Node): boolean {
  const d = defOf(node);
  if (d.type === 'object') return true;
  return d.innerType ? objectIn(d.innerType) : d.type === 'pipe' ? objectIn(d.in!) || objectIn(d.out!) : false;
}

/** The keys of a mapping node, in order; undefined for a value. */
export function shapeOf(node: Node): Record<string, Node> | undefined {
  return chain(node)
    .map((n) => defOf(n))
    .find((d) => d.type === 'object')?.shape;
}

/** The node a key path names (list indexes skipped: only mappings have keys). */
export function nodeAt(root: Node, path: readonly PropertyKey[]): Node | undefined {
  let node: Node | undefined = root;
  for (const seg of path) if (typeof seg === 'string') node = node && shapeOf(node)?.[seg];
  return node;
}

/** Everything the node and the nodes it wraps say about themselves, the outer winning. */
export function metaOf(node: Node): KeyMeta & { doc: KeyDoc } {
  const metas = chain(node)
    .map((n) => (n.meta() ?? {}) as KeyMeta)
    .reverse();
  return { ...Object.assign({}, ...metas), doc: Object.assign({}, ...metas.map((m) => m.doc ?? {})) };
}

/** The value the node gives a missing key, if it gives one. */
export function defaultOf(node: Node): { value: unknown } | undefined {
  const d = defOf(node);
  if (d.type === 'default') return { value: d.defaultValue };
  if (d.type === 'prefault' || d.type === 'pipe') {
    const r = node.safeParse(undefined);
    return r.success ? { value: r.data } : undefined;
  }
  return undefined;
}

export function isOptional(node: Node): boolean {
  return chain(node).some((n) => defOf(n).type === 'optional');
}
