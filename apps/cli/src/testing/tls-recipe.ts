import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The shell commands of the TLS recipe in docs/control-plane.md (its first `sh` block under
 * "Security"), continuation lines joined: the commands run on the server, then those after the
 * `# elsewhere` comment.
 */
export function tlsRecipe(): { server: string[]; client: string[] } {
  const doc = readFileSync(resolve('docs/control-plane.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('## Security')))![1]!;
  const lines = block
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((l) => l.trim());
  const split = lines.findIndex((l) => l.startsWith('# elsewhere'));
  const commands = (ls: string[]) => ls.filter((l) => l && !l.startsWith('#'));
  return { server: commands(lines.slice(0, split)), client: commands(lines.slice(split + 1)) };
}
