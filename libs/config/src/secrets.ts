import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TidewaterError } from '@tidewater/errors';
import type { TaskSpec } from './task-spec.js';

const PREFIX = 'enc:v1:';

/**
 * The key that encrypts secrets at rest (task specs in KV): 32 bytes, hex or base64, from
 * TIDEWATER_SECRET_KEY or the file named by TIDEWATER_SECRET_KEY_FILE.
 */
export function secretKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer {
  let text = env.TIDEWATER_SECRET_KEY;
  if (!text && env.TIDEWATER_SECRET_KEY_FILE) {
    try {
      text = readFileSync(env.TIDEWATER_SECRET_KEY_FILE, 'utf8').trim();
    } catch (e) {
      throw new TidewaterError(
        'TW_SPEC_INVALID',
        `cannot read TIDEWATER_SECRET_KEY_FILE ${env.TIDEWATER_SECRET_KEY_FILE}: ${(e as NodeJS.ErrnoException).code}`,
        {
          subject: 'TIDEWATER_SECRET_KEY_FILE',
          fix: 'point it at a readable file holding a 32-byte key (hex or base64)',
        },
      );
    }
  }
  if (!text) {
    throw new TidewaterError('TW_SPEC_INVALID', 'no key to encrypt task secrets at rest', {
      subject: 'TIDEWATER_SECRET_KEY',
      fix: 'set TIDEWATER_SECRET_KEY (32 bytes, hex or base64, e.g. `openssl rand -hex 32`) or TIDEWATER_SECRET_KEY_FILE for every service; `tidewater migrate/up` make one in the state dir',
    });
  }
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new TidewaterError('TW_SPEC_INVALID', 'TIDEWATER_SECRET_KEY must be 32 bytes (64 hex digits or base64)', {
      subject: 'TIDEWATER_SECRET_KEY',
      fix: 'generate one with `openssl rand -hex 32`',
    });
  return key;
}

export function newSecretKey(): string {
  return randomBytes(32).toString('hex');
}

function seal(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function open(sealed: string, key: Buffer): string {
  if (!sealed.startsWith(PREFIX)) return sealed;
  const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    throw new TidewaterError('TW_SPEC_INVALID', 'a stored task secret cannot be decrypted with this key', {
      subject: 'TIDEWATER_SECRET_KEY',
      fix: 'give every service the key the coordinator used when the task was created',
    });
  }
}

/** The spec as stored at rest: the password encrypted (AES-256-GCM). */
export function sealSpec(spec: TaskSpec, key: Buffer): TaskSpec {
  spec = mapWebhookSecrets(spec, (v) => (v.startsWith(PREFIX) ? v : seal(v, key)));
  const d = spec.destination;
  const sealed = d.password ? { ...spec, destination: { ...d, password: seal(d.password, key) } } : spec;
  return spec.source.password
    ? { ...sealed, source: { ...spec.source, password: seal(spec.source.password, key) } }
    : sealed;
}

/** The spec as services use it: the password decrypted. */
export function openSpec(spec: TaskSpec, key: Buffer): TaskSpec {
  spec = mapWebhookSecrets(spec, (v) => open(v, key));
  const d = spec.destination;
  const opened = d.password?.startsWith(PREFIX)
    ? { ...spec, destination: { ...d, password: open(d.password, key) } }
    : spec;
  return spec.source.password.startsWith(PREFIX)
    ? { ...opened, source: { ...spec.source, password: open(spec.source.password, key) } }
    : opened;
}

/**
 * The spec with `f` applied to every alert webhook's url and secret: both are secrets (Slack
 * and DingTalk carry their token in the URL), sealed at rest and redacted like the password.
 */
export function mapWebhookSecrets(spec: TaskSpec, f: (value: string) => string): TaskSpec {
  const a = spec.alerts;
  if (!a?.webhooks.length) return spec;
  const webhooks = a.webhooks.map((w) => ({
    ...w,
    url: f(w.url),
    ...(w.secret === undefined ? {} : { secret: f(w.secret) }),
  }));
  return { ...spec, alerts: { ...a, webhooks } };
}
