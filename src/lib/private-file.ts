// Cache files that hold the user's data: written whole or not at all (a concurrent reader never sees half a file;
// the last writer wins), the user's alone (0600 in a directory created 0700).
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}
