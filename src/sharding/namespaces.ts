// A directory source split into shards by namespace: `DIR#team-a+team-b` is the objects of DIR in those namespaces
// (an object without a namespace counts as in `default`). The shards of one directory name disjoint sets.
import type { DesiredSnapshot, DesiredSource } from "../desired/source.js";

export interface NamespaceSplit {
  /** The source spec without the namespace set. */
  base: string;
  namespaces?: ReadonlySet<string>;
}

export function splitNamespaces(source: string): NamespaceSplit {
  const i = source.lastIndexOf("#");
  if (i < 0 || /^(hub|confighub):/i.test(source)) return { base: source };
  const names = source
    .slice(i + 1)
    .split("+")
    .filter(Boolean);
  return { base: source.slice(0, i), namespaces: new Set(names) };
}

export const inNamespaces = (namespaces: ReadonlySet<string>, namespace: string | undefined): boolean =>
  namespaces.has(namespace || "default");

/** The objects (and unreadable documents) of `inner` in the namespace set; a document naming none stays. */
export class NamespaceSetSource implements DesiredSource {
  readonly description: string;

  constructor(
    private readonly inner: DesiredSource,
    private readonly namespaces: ReadonlySet<string>,
  ) {
    this.description = `${inner.description}#${[...namespaces].join("+")}`;
  }

  async load(): Promise<DesiredSnapshot> {
    const snapshot = await this.inner.load();
    return {
      objects: snapshot.objects.filter((d) => inNamespaces(this.namespaces, d.ref.namespace)),
      errors: snapshot.errors.filter(
        (e) => e.ref?.namespace === undefined || inNamespaces(this.namespaces, e.ref.namespace),
      ),
      version: snapshot.version,
    };
  }

  close(): Promise<void> {
    return this.inner.close?.() ?? Promise.resolve();
  }
}
