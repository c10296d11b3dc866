/**
 * The GitHub client Ferry uses: octokit's REST client with the throttling and retry
 * plugins, authenticated by a token or as a GitHub App installation.
 *
 * Contract: a primary or secondary rate-limit response is retried (at most
 * `rateLimitRetries` times) once GitHub's reset time or `retry-after` has passed; server
 * errors are retried by the retry plugin. Credentials are handed to octokit and never
 * passed to the logger, and octokit's own log lines carry no request headers.
 */

import { readFile } from 'node:fs/promises';
import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Logger } from '../../runtime/logger.js';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: string; privateKey: string; installationId: number };

export interface GitHubClientOptions {
  auth: GitHubAuth;
  /** `https://api.github.com`, or a GitHub Enterprise Server's `https://host/api/v3`. */
  apiUrl?: string;
  log: Logger;
  /** Retries after a rate-limit response; default 2. */
  rateLimitRetries?: number;
  /** Milliseconds per second of `retry-after` (tests shorten the wait); default 1000. */
  retryAfterBaseMs?: number;
}

const ThrottledOctokit = Octokit.plugin(throttling, retry);
export type GitHubClient = InstanceType<typeof ThrottledOctokit>;

export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log.child({ component: 'github' });
  const retries = options.rateLimitRetries ?? 2;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _: unknown,
      retryCount: number,
    ) => {
      const retrying = retryCount < retries;
      log.warn(
        { method: request.method, url: request.url, retryAfterSeconds: retryAfter, retrying },
        `GitHub ${kind} rate limit`,
      );
      return retrying;
    };
  const auth =
    options.auth.kind === 'token'
      ? { auth: options.auth.token }
      : {
          authStrategy: createAppAuth,
          auth: {
            appId: options.auth.appId,
            privateKey: options.auth.privateKey,
            installationId: options.auth.installationId,
          },
        };
  return new ThrottledOctokit({
    ...auth,
    baseUrl: (options.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, ''),
    userAgent: 'ferry-operator',
    log: {
      debug: (message: string) => {
        log.debug({}, message);
      },
      info: (message: string) => {
        log.debug({}, message);
      },
      warn: (message: string) => {
        log.warn({}, message);
      },
      error: (message: string) => {
        log.error({}, message);
      },
    },
    throttle: {
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
      retryAfterBaseValue: options.retryAfterBaseMs ?? 1000,
    },
    retry: { retryAfterBaseValue: options.retryAfterBaseMs ?? 1000 },
  });
}

export interface GitHubAuthFlags {
  tokenFile?: string;
  /** GITHUB_TOKEN, when no token file is given. */
  tokenFromEnvironment?: string;
  appId?: string;
  appKeyFile?: string;
  installationId?: string;
}

/**
 * The credentials the flags name: a token file, else a GitHub App (all three of id, key
 * file and installation id), else the environment's token. Throws a message that names
 * the flags, never their values.
 */
export async function readGitHubAuth(flags: GitHubAuthFlags): Promise<GitHubAuth> {
  if (flags.tokenFile !== undefined) {
    const token = (await readFile(flags.tokenFile, 'utf8')).trim();
    if (token === '') throw new Error(`--github-token-file ${flags.tokenFile} is empty`);
    return { kind: 'token', token };
  }
  const app = [flags.appId, flags.appKeyFile, flags.installationId];
  if (app.some((value) => value !== undefined)) {
    const [appId, keyFile, installation] = app;
    if (appId === undefined || keyFile === undefined || installation === undefined)
      throw new Error(
        'a GitHub App needs all of --github-app-id, --github-app-key-file and --github-installation-id',
      );
    const installationId = Number(installation);
    if (!Number.isSafeInteger(installationId) || installationId <= 0)
      throw new Error('--github-installation-id must be a positive integer');
    return { kind: 'app', appId, privateKey: await readFile(keyFile, 'utf8'), installationId };
  }
  if (flags.tokenFromEnvironment !== undefined && flags.tokenFromEnvironment !== '')
    return { kind: 'token', token: flags.tokenFromEnvironment };
  throw new Error(
    'GitHub needs credentials: --github-token-file, GITHUB_TOKEN, or a GitHub App (--github-app-id, --github-app-key-file, --github-installation-id)',
  );
}
