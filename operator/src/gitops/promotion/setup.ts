/**
 * Which `ProposalRepository` the operator's git flags select: GitHub pull requests when a
 * GitHub repository is named (`--github-repo`, or a github.com `--git-url`), else branches
 * in the local `--git-dir`, else branches pushed to `--git-url` through a bare cache.
 */

import { join } from 'node:path';
import type { Logger } from '../../runtime/logger.js';
import { createGitHubClient, readGitHubAuth, type GitHubAuthFlags } from '../github/client.js';
import { parseRepositoryName, repositoryFromGitUrl } from '../github/repository-name.js';
import { GitHubRepository } from './github-repository.js';
import { LocalRepository } from './local-repository.js';
import type { ProposalRepository } from './repository.js';

export interface ProposalRepositoryOptions {
  gitDir?: string;
  gitUrl?: string;
  /** `OWNER/NAME`. */
  githubRepo?: string;
  githubApiUrl?: string;
  githubAuth: GitHubAuthFlags;
  /** Where the bare cache for pushing to `gitUrl` lives. */
  cacheDir: string;
  log: Logger;
}

export async function proposalRepository(
  options: ProposalRepositoryOptions,
): Promise<ProposalRepository> {
  const named =
    options.githubRepo === undefined ? undefined : parseRepositoryName(options.githubRepo);
  if (options.githubRepo !== undefined && named === undefined)
    throw new Error(`--github-repo must be OWNER/NAME, not ${options.githubRepo}`);
  const github =
    named ?? (options.gitUrl === undefined ? undefined : repositoryFromGitUrl(options.gitUrl));
  if (github !== undefined) {
    const client = createGitHubClient({
      auth: await readGitHubAuth(options.githubAuth),
      ...(options.githubApiUrl === undefined ? {} : { apiUrl: options.githubApiUrl }),
      log: options.log,
    });
    return new GitHubRepository(client, github);
  }
  if (options.gitDir !== undefined) return new LocalRepository({ gitDir: options.gitDir });
  if (options.gitUrl !== undefined)
    return LocalRepository.withRemote(join(options.cacheDir, 'promotion.git'), options.gitUrl);
  throw new Error('promotion needs a repository: --git-dir, --git-url or --github-repo');
}
