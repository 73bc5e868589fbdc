import { TidewaterError } from '@tidewater/errors';

export type Token =
  | { readonly t: 'num'; readonly text: string; readonly at: number }
  | { readonly t: 'str'; readonly v: string; readonly at: number }
  | { readonly t: 'hex'; readonly v: Uint8Array; readonly at: number }
  | { readonly t: 'word'; readonly v: string; readonly quoted: boolean; readonly at: number }
  | { readonly t: 'op'; readonly v: string; readonly at: number }
  | { readonly t: 'end'; readonly at: number };

export const MAX_LENGTH = 4096;

const OPS = ['<=>', '<=', '>=', '<>', '!=', '&&', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '!'];

/** MySQL string escapes (default sql_mode): anything else drops the backslash. */
const ESCAPES: Record<string, string> = {
  '0': '\0',
  "'": "'",
  '"': '"',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  '\\': '\\',
  '%': '\\%',
  _: '\\_',
};

export function invalid(
  what: string,
  message: string,
  fix = "write a single expression over the table's columns (docs/expressions.md)",
): TidewaterError {
  return new TidewaterError('TW_EXPRESSION_INVALID', `${what}: ${message}`, { subject: what, fix });
}

/**
 * Splits an expression into tokens. Refuses, before any parsing, everything that could end
 * the expression or hide text from a reader: statement separators, comments, variables,
 * unterminated quotes — so the parser never sees them.
 */
export function tokenize(text: string, what: string): Token[] {
  if (text.length > MAX_LENGTH)
    throw invalid(
      what,
      `is ${text.length} characters long; at most ${MAX_LENGTH} are accepted`,
      'shorten the expression',
    );
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === ';') throw invalid(what, `';' at offset ${at}: only a single expression is allowed`);
    if (c === '#' || text.startsWith('--', i) || text.startsWith('/*', i))
      throw invalid(what, `comment at offset ${at}: comments are not allowed`);
    if (c === '@') throw invalid(what, `variable at offset ${at}: user and system variables are not allowed`);
    if (c === "'" || c === '"') {
      const [v, end] = readString(text, i, c, what);
      out.push({ t: 'str', v, at });
      i = end;
      continue;
    }
    if (c === '`') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= text.length) throw invalid(what, `unterminated \`identifier\` starting at offset ${at}`);
        if (text[j] === '`') {
          if (text[j + 1] === '`') {
            v += '`';
            j += 2;
            continue;
          }
          break;
        }
        v += text[j++];
      }
      if (v.length === 0) throw invalid(what, `empty \`identifier\` at offset ${at}`);
      out.push({ t: 'word', v, quoted: true, at });
      i = j + 1;
      continue;
    }
    if ((c === 'x' || c === 'X') && text[i + 1] === "'") {
      const end = text.indexOf("'", i + 2);
      const digits = end < 0 ? '' : text.slice(i + 2, end);
      if (end < 0 || !/^([0-9a-fA-F]{2})*$/.test(digits))
        throw invalid(what, `malformed hex literal at offset ${at}`, "write X'0A1B' with an even number of hex digits");
      out.push({ t: 'hex', v: Uint8Array.from(digits.match(/../g) ?? [], (h) => parseInt(h, 16)), at });
      i = end + 1;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i, i + 80));
    if (num) {
      if (/[A-Za-z_$]/.test(text[i + num[0].length] ?? '')) throw invalid(what, `malformed number at offset ${at}`);
      out.push({ t: 'num', text: num[0], at });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(text.slice(i, i + 200));
    if (word) {
      out.push({ t: 'word', v: word[0], quoted: false, at });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw invalid(what, `unexpected '${c}' at offset ${at}`);
    out.push({ t: 'op', v: op === '!=' ? '<>' : op, at });
    i += op.length;
  }
  out.push({ t: 'end', at: text.length });
  return out;
}

function readString(text: string, start: number, quote: string, what: string): [string, number] {
  let v = '';
  let j = start + 1;
  for (;;) {
    if (j >= text.length)
      throw invalid(what, `unterminated string starting at offset ${start}`, `close it with ${quote}`);
    const ch = text[j]!;
    if (ch === '\\') {
      if (j + 1 >= text.length)
        throw invalid(what, `unterminated string starting at offset ${start}`, `close it with ${quote}`);
      const next = text[j + 1]!;
      v += ESCAPES[next] ?? next;
      j += 2;
      continue;
    }
    if (ch === quote) {
      if (text[j + 1] === quote) {
        v += quote;
        j += 2;
        continue;
      }
      return [v, j + 1];
    }
    v += ch;
    j++;
  }
}
