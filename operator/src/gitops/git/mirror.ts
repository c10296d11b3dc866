/**
 * A bare copy of one branch of a remote repository, kept in a cache directory and brought
 * up to date with `git fetch`. The remote's URL (which may carry a token) is handed to git
 * through `GIT_CONFIG_*` environment variables: it is never written to disk, never on a
 * command line other processes can read, and never in a message.
 */

import { createHash } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from './command.js';
import { GitRepository } from './repository.js';
import { redactUrl } from '../redact.js';

export class RemoteMirror {
  /** The bare repository, `<cacheDir>/<sha256 of the URL without credentials>.git`. */
  readonly directory: string;
  private ready = false;

  constructor(
    private readonly url: string,
    cacheDir: string,
    private readonly redact: (text: string) => string,
  ) {
    const key = createHash('sha256').update(redactUrl(url)).digest('hex').slice(0, 32);
    this.directory = join(cacheDir, `${key}.git`);
  }

  /** Fetches `branch` from the remote; afterwards `refs/heads/<branch>` matches the remote's. */
  async fetch(branch: string): Promise<GitRepository> {
    await this.init();
    await runGit(
      [
        'fetch',
        '--quiet',
        '--no-tags',
        '--no-write-fetch-head',
        '--prune',
        'origin',
        `+refs/heads/${branch}:refs/heads/${branch}`,
      ],
      {
        gitDir: this.directory,
        env: {
          GIT_CONFIG_COUNT: '1',
          GIT_CONFIG_KEY_0: 'remote.origin.url',
          GIT_CONFIG_VALUE_0: this.url,
        },
        redact: this.redact,
      },
    );
    return this.repository();
  }

  /** The local bare copy, as it was after the last fetch. */
  repository(): GitRepository {
    return GitRepository.bare(this.directory, this.redact);
  }

  private async init(): Promise<void> {
    if (this.ready) return;
    const exists = await access(join(this.directory, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      await runGit(['init', '--bare', '--quiet', this.directory], { redact: this.redact });
    }
    this.ready = true;
  }
}
