/**
 * Keeps credentials out of everything Ferry shows: logs, events, the sync report and error
 * messages. A `Redactor` knows the secret values in play and replaces every occurrence
 * (raw and percent-encoded) with `***`.
 */

const MASK = '***';

/** `url` with its userinfo masked: `https://***@github.com/o/r.git`. An ssh user name alone is kept. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // scp-like `git@host:path` carries a user name, never a secret.
    return url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  const keepUser = parsed.protocol === 'ssh:' && parsed.password === '';
  const userinfo = keepUser ? parsed.username : MASK;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, `$1${userinfo}@`);
}

/** The secret parts of a URL's userinfo: the password, and the user name where it may be a token. */
export function secretsOfUrl(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [];
  }
  const secrets = [parsed.password];
  if (parsed.protocol !== 'ssh:') secrets.push(parsed.username);
  return secrets.filter((secret) => secret !== '');
}

export class Redactor {
  private readonly secrets: string[] = [];

  constructor(secrets: readonly string[] = []) {
    for (const secret of secrets) this.add(secret);
  }

  /** Adds a secret; it and its percent-encoded and -decoded forms are masked from now on. */
  add(secret: string): void {
    if (secret.length < 3) return; // masking "x" everywhere would hide everything else
    const forms = new Set([secret, encodeURIComponent(secret)]);
    try {
      forms.add(decodeURIComponent(secret));
    } catch {
      // not percent-encoded
    }
    for (const form of forms) if (!this.secrets.includes(form)) this.secrets.push(form);
    this.secrets.sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let result = text;
    for (const secret of this.secrets) result = result.replaceAll(secret, MASK);
    return result;
  }
}
