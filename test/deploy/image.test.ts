/**
 * operator/Dockerfile, checked for what hadolint (in neither npm nor Debian) would flag
 * and for what the chart relies on: official Node 20 bases pinned by digest, only
 * production dependencies, a non-root numeric user, OCI labels, the `ferry` CLI as the
 * entrypoint of both `ferry operator` and `ferry serve`, and a .dockerignore that keeps
 * everything else out of the build context. The image is built only by the kind workflow.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FERRY_IMAGE_REPOSITORY } from '../../operator/src/api/index.js';
import { REPO } from '../support/cluster.js';

interface Instruction {
  keyword: string;
  text: string;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped. */
function instructions(dockerfile: string): Instruction[] {
  const joined = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replaceAll(/\\\n/g, ' ');
  return joined
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [keyword = '', ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword.toUpperCase(), text: rest.join(' ') };
    });
}

/** The instructions of each stage, after the FROM that starts it. */
function stages(all: Instruction[]): Instruction[][] {
  const result: Instruction[][] = [];
  for (const instruction of all) {
    if (instruction.keyword === 'FROM') result.push([instruction]);
    else result.at(-1)?.push(instruction);
  }
  return result;
}

describe('operator/Dockerfile', async () => {
  const dockerfile = await readFile(join(REPO, 'operator', 'Dockerfile'), 'utf8');
  const all = instructions(dockerfile);
  const args = new Map(
    all
      .filter((instruction) => instruction.keyword === 'ARG' && instruction.text.includes('='))
      .map((instruction) => {
        const [name = '', ...value] = instruction.text.split('=');
        return [name, value.join('=')];
      }),
  );
  const [build = [], final = []] = stages(all);

  it('builds on the official Node 20 image, pinned by digest, in every stage', () => {
    const bases = all
      .filter((instruction) => instruction.keyword === 'FROM')
      .map((instruction) =>
        (instruction.text.split(' ')[0] ?? '').replace(
          /^\$\{(\w+)\}$/,
          (_, name: string) => args.get(name) ?? '',
        ),
      );
    expect(bases).toHaveLength(2);
    for (const base of bases) expect(base).toMatch(/^node:20(-[a-z]+)*@sha256:[0-9a-f]{64}$/);
  });

  it('keeps only production dependencies in the final image', () => {
    const built = build.map((instruction) => instruction.text).join('\n');
    expect(built).toContain('npm ci');
    expect(built).toContain('npm prune --omit=dev');
    const shipped = final
      .filter((instruction) => instruction.keyword === 'RUN')
      .map((instruction) => instruction.text);
    expect(shipped.join('\n')).not.toMatch(/npm (ci|install)/);
    const copied = final
      .filter((instruction) => instruction.keyword === 'COPY')
      .map((instruction) => instruction.text);
    expect(copied).toContain('--from=build /app/node_modules ./node_modules');
    expect(copied.join('\n')).not.toMatch(/\b(test|operator\/src|tsconfig)/);
  });

  it('pins and cleans what apt installs', () => {
    for (const instruction of all.filter((item) => item.text.includes('apt-get install'))) {
      expect(instruction.text).toContain('--no-install-recommends');
      expect(instruction.text).toContain('rm -rf /var/lib/apt/lists/*');
      const packages =
        /--no-install-recommends (.*?) &&/.exec(instruction.text)?.[1]?.split(' ') ?? [];
      expect(packages.length).toBeGreaterThan(0);
      for (const name of packages) expect(name, 'apt packages are pinned').toMatch(/=/);
    }
  });

  it('runs as a non-root numeric user, the one the chart runs it as', () => {
    const users = final.filter((instruction) => instruction.keyword === 'USER');
    expect(users.at(-1)?.text).toBe('65532:65532');
  });

  it('labels the source and version, and runs the ferry CLI for every subcommand', () => {
    const labels = final
      .filter((instruction) => instruction.keyword === 'LABEL')
      .map((instruction) => instruction.text)
      .join(' ');
    expect(labels).toContain('org.opencontainers.image.source="${SOURCE}"');
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(final.find((instruction) => instruction.keyword === 'ENTRYPOINT')?.text).toBe(
      '["node", "/app/dist/cli/main.js"]',
    );
    expect(final.find((instruction) => instruction.keyword === 'CMD')?.text).toBe('["operator"]');
  });

  it('is the image the operator serves models with and the chart installs', async () => {
    const values = parse(await readFile(join(REPO, 'charts', 'ferry', 'values.yaml'), 'utf8')) as {
      image: { repository: string };
    };
    expect(values.image.repository).toBe(FERRY_IMAGE_REPOSITORY);
  });

  it('sends only what it copies as build context', async () => {
    const ignore = (await readFile(join(REPO, '.dockerignore'), 'utf8'))
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const included = ignore
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    const sources = build
      .filter((instruction) => instruction.keyword === 'COPY')
      .flatMap((instruction) => instruction.text.split(' ').slice(0, -1));
    expect(sources.length).toBeGreaterThan(3);
    for (const source of sources) expect(included, source).toContain(source.replace(/\/$/, ''));
    for (const excluded of ['node_modules', 'dist', 'test', '.git'])
      expect(included).not.toContain(excluded);
  });
});
