// Unit text shown in an accept preview (and kept in its audit) with secret values masked: values under Secret
// data/stringData, values of secret-like keys (`API_TOKEN: …`, an env item's `value:` after a secret-like `name:`)
// and values that look like credentials. Line by line, so the preview keeps the unit's own layout.
import { isSecretName, looksLikeCredential } from "../lib/secret-names.js";

const MASK = "***";
const KEY_VALUE = /^(\s*(?:-\s+)?)("?[^\s:"#][^:"#]*"?):(\s+)(\S.*)$/;

export function maskUnitText(text: string): string {
  return text
    .split(/^(?=---)/m)
    .map(maskDocument)
    .join("");
}

// One YAML document; a Secret's `data:` may come before its `kind:`, so the kind is looked up first.
function maskDocument(doc: string): string {
  const secretDoc = /^kind:\s*["']?Secret["']?\s*$/m.test(doc);
  let inSecretData: number | undefined; // indent of the data/stringData key while inside it
  let secretEnvName = false;
  return doc
    .split("\n")
    .map((line) => {
      if (/^---/.test(line)) return line;
      const indent = line.length - line.trimStart().length;
      if (inSecretData !== undefined && line.trim() !== "" && indent <= inSecretData) inSecretData = undefined;
      if (secretDoc && indent === 0 && /^(data|stringData):\s*$/.test(line)) {
        inSecretData = 0;
        return line;
      }
      const m = KEY_VALUE.exec(line);
      if (!m) return line;
      const [, lead, rawKey, gap, value] = m as unknown as [string, string, string, string, string];
      const key = rawKey.replace(/^"|"$/g, "");
      // A Secret's data in flow style (`data: {password: …}`): the whole map.
      if (secretDoc && indent === 0 && (key === "data" || key === "stringData"))
        return `${lead}${rawKey}:${gap}${MASK}`;
      const envValue = key === "value" && secretEnvName;
      secretEnvName = key === "name" && isSecretName(value.replace(/^["']|["']$/g, ""));
      const hide =
        (inSecretData !== undefined && indent > inSecretData) ||
        isSecretName(key) ||
        envValue ||
        looksLikeCredential(value);
      return hide && !/^[|>{[]/.test(value) ? `${lead}${rawKey}:${gap}${MASK}` : line;
    })
    .join("\n");
}
