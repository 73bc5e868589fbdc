// LIKE patterns as regular expressions (evaluate.ts matches them against collation keys).

/** The pattern as a regular expression; escapes are read before case folding, which could change the escape character. */
export function likeRegExp(pattern: string, escape: string, key: (s: string) => string): RegExp {
  let re = '';
  const cs = [...pattern];
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (c === escape && i + 1 < cs.length) re += escapeRe(key(cs[++i]!));
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRe(key(c));
  }
  return new RegExp(`^${re}$`, 'su');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
