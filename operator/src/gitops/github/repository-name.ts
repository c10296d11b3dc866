/** The `owner/name` of a GitHub repository, from a git URL or from `--github-repo`. */

export interface GitHubRepositoryName {
  owner: string;
  name: string;
}

const PART = '[A-Za-z0-9_.-]+';
const SLUG = new RegExp(`^(${PART})/(${PART}?)(?:\\.git)?/?$`);

function fromPath(path: string): GitHubRepositoryName | undefined {
  const match = SLUG.exec(path);
  const owner = match?.[1];
  const name = match?.[2];
  if (owner === undefined || name === undefined || name === '') return undefined;
  return { owner, name };
}

/** `OWNER/NAME` as `--github-repo` takes it; undefined when malformed. */
export function parseRepositoryName(value: string): GitHubRepositoryName | undefined {
  return value.endsWith('.git') ? undefined : fromPath(value);
}

/**
 * The repository a github.com git URL names, in any of the forms git accepts:
 * `https://github.com/o/n(.git)`, `ssh://git@github.com/o/n.git`, `git@github.com:o/n.git`,
 * `git://github.com/o/n.git`. Undefined for any other host or shape.
 */
export function repositoryFromGitUrl(url: string): GitHubRepositoryName | undefined {
  const scp = /^[A-Za-z0-9_.-]+@github\.com:(.+)$/.exec(url);
  if (scp?.[1] !== undefined) return fromPath(scp[1]);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!['https:', 'http:', 'ssh:', 'git:'].includes(parsed.protocol)) return undefined;
  if (parsed.hostname.toLowerCase() !== 'github.com') return undefined;
  if (parsed.search !== '' || parsed.hash !== '') return undefined;
  return fromPath(decodeURIComponent(parsed.pathname.replace(/^\//, '')));
}
