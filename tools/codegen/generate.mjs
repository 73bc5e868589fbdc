#!/usr/bin/env node
// Regenerates libs/proto/src/gen from proto/ with ts-proto through buf (both ship inside
// npm packages, so this works offline). `--check` fails when the committed code is stale.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const target = join(root, 'libs/proto/src/gen');
const check = process.argv.includes('--check');
const buf = join(root, 'node_modules/.bin/buf');

execFileSync(buf, ['lint'], { cwd: root, stdio: 'inherit' });
const out = mkdtempSync(join(tmpdir(), 'tw-codegen-'));
try {
  execFileSync(buf, ['generate', '--template', 'buf.gen.yaml', '-o', out], { cwd: root, stdio: 'inherit' });
  const fresh = join(out, 'libs/proto/src/gen');
  // The compiled schema (FileDescriptorSet) the coordinator serves through gRPC reflection.
  execFileSync(buf, ['build', '--as-file-descriptor-set', '-o', join(fresh, 'descriptor.binpb')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (check) {
    const diff = compare(fresh, target);
    if (diff.length) {
      console.error(`generated protobuf code is stale (${diff.join(', ')}): run npm run codegen and commit`);
      process.exit(1);
    }
    console.log('generated protobuf code is up to date');
  } else {
    rmSync(target, { recursive: true, force: true });
    cpSync(fresh, target, { recursive: true });
    console.log(`generated ${relative(root, target)}`);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

function list(dir, base = dir) {
  let files = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files = files.concat(list(p, base));
    else files.push(relative(base, p));
  }
  return files.sort();
}

function compare(a, b) {
  let bFiles;
  try {
    bFiles = list(b);
  } catch {
    return ['missing output'];
  }
  const aFiles = list(a);
  const all = [...new Set([...aFiles, ...bFiles])];
  return all.filter((f) => {
    try {
      return !readFileSync(join(a, f)).equals(readFileSync(join(b, f)));
    } catch {
      return true;
    }
  });
}
