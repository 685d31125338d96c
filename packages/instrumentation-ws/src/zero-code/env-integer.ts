/**
 * An environment value as a whole decimal number: digits only, around them
 * nothing but spaces. `1e9`, `0x10`, `1.0`, `12abc` and `-1` are not integers
 * here (Number() would take the first three); undefined when the value is none.
 */
export function strictInteger(raw: string): number | undefined {
  const text = raw.trim();
  if (!/^[0-9]{1,15}$/.test(text)) return undefined;
  return Number(text);
}
