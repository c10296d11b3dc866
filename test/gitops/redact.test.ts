import { describe, expect, it } from 'vitest';
import { redactUrl, Redactor, secretsOfUrl } from '../../operator/src/gitops/redact.js';

describe('redactUrl', () => {
  it.each([
    ['https://x-access-token:ghs_abc123@github.com/o/r.git', 'https://***@github.com/o/r.git'],
    ['https://ghp_tokenAsUser@github.com/o/r.git', 'https://***@github.com/o/r.git'],
    ['ssh://git@github.com/o/r.git', 'ssh://git@github.com/o/r.git'],
    ['ssh://git:pw123@host/r.git', 'ssh://***@host/r.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['git://127.0.0.1:9418/r.git', 'git://127.0.0.1:9418/r.git'],
  ])('%s shows as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});

describe('Redactor', () => {
  it('masks a URL secret raw and percent-encoded wherever it appears', () => {
    const redactor = new Redactor(secretsOfUrl('https://bot:p%40ss%2Fword@example.com/r.git'));
    expect(
      redactor.redact(
        "fatal: unable to access 'https://bot:p%40ss%2Fword@example.com/': p@ss/word",
      ),
    ).toBe("fatal: unable to access 'https://***:***@example.com/': ***");
  });
});
