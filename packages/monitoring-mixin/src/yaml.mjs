/**
 * A small YAML writer for rule files: maps, lists, numbers and strings. Strings
 * with a newline become literal blocks (`|-`); strings YAML could misread are
 * double-quoted (JSON's escapes are valid YAML).
 */
const PLAIN = /^[A-Za-z0-9_][A-Za-z0-9_ .,/()%-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~|[-+]?[0-9.]+([eE][-+]?[0-9]+)?)$/i;

function scalar(value, indent) {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = String(value);
  // A literal block takes its indentation from its first line, so that line must not start blank.
  if (text.includes('\n') && !/^\s/.test(text)) {
    const pad = ' '.repeat(indent);
    return `|-\n${text
      .split('\n')
      .map((line) => (line === '' ? '' : pad + line))
      .join('\n')}`;
  }
  if (PLAIN.test(text) && !RESERVED.test(text) && !text.endsWith(' ')) return text;
  return JSON.stringify(text);
}

function isScalar(value) {
  return value === null || typeof value !== 'object';
}

function write(value, indent, lines) {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item)) {
        lines.push(`${pad}- ${scalar(item, indent + 2)}`);
        continue;
      }
      const nested = [];
      write(item, indent + 2, nested);
      // The first key sits on the dash's line.
      nested[0] = `${pad}- ${nested[0].slice(indent + 2)}`;
      lines.push(...nested);
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (isScalar(item)) lines.push(`${pad}${key}: ${scalar(item, indent + 2)}`);
    else if (Array.isArray(item) && item.length === 0) lines.push(`${pad}${key}: []`);
    else {
      lines.push(`${pad}${key}:`);
      write(item, indent + 2, lines);
    }
  }
}

/** `value` as YAML text, ending in a newline, after an optional `# comment` header. */
export function toYaml(value, header = '') {
  const lines = header
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `# ${line}`);
  write(value, 0, lines);
  return `${lines.join('\n')}\n`;
}
