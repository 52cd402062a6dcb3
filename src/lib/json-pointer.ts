// Reading and writing plain JSON by RFC 6901 pointer (pure, on copies the caller owns).

export function getAt(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (node && typeof node === "object") node = (node as Record<string, unknown>)[token];
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes the value at `pointer` in place; list items are spliced out. False when there was nothing. */
export function removeAt(root: unknown, pointer: string): boolean {
  const tokens = parsePointer(pointer);
  const last = tokens.pop();
  if (last === undefined) return false;
  const parent = getAt(
    root,
    tokens
      .map(escapeToken)
      .map((t) => `/${t}`)
      .join(""),
  );
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!Number.isInteger(i) || i < 0 || i >= parent.length) return false;
    parent.splice(i, 1);
    return true;
  }
  if (parent && typeof parent === "object" && Object.hasOwn(parent, last)) {
    delete (parent as Record<string, unknown>)[last];
    return true;
  }
  return false;
}

export function escapeToken(token: string): string {
  if (token.indexOf("~") < 0 && token.indexOf("/") < 0) return token;
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function unescapeToken(token: string): string {
  if (token.indexOf("~") < 0) return token;
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

/** Splits a JSON Pointer into unescaped tokens ("" → []). Throws on a pointer that does not start with "/". */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new Error(`not a JSON Pointer (must start with "/"): ${pointer}`);
  return pointer.slice(1).split("/").map(unescapeToken);
}
