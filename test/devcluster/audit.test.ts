/**
 * The devcluster's audit log as the real kubectl fills it: one JSON line per request
 * with RBAC's verb, the resource and namespace, the response code, and a client
 * identity derived from the bearer token (never the token itself).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../operator/src/devcluster/http/audit.js';
import { startHarness, type Harness } from './helpers.js';

const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: audited
data:
  key: value
`;

describe('devcluster auditLogPath', () => {
  let h: Harness;
  let path: string;
  let records: AuditRecord[];

  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'devcluster-audit-'));
    path = join(scratch, 'audit.jsonl');
    // Over HTTPS, as kubectl sends its bearer token only there.
    h = await startHarness({ auditLogPath: path, tls: true });
  });
  afterAll(async () => {
    await h.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it('records what each kubectl command asked for, in RBAC terms', async () => {
    const run = async (args: string[], input?: string) => {
      const result = await h.kubectl(args, input);
      expect(result.stderr).toBe('');
    };
    await run(['apply', '--server-side', '-f', '-'], CONFIG_MAP);
    await run(['get', 'configmap', 'audited', '-o', 'name']);
    await run(['get', 'configmaps', '-n', 'kube-system', '-o', 'name']);
    await run(['replace', '-f', '-'], CONFIG_MAP);
    await run(['delete', 'configmap', 'audited']);
    await run(['delete', 'configmaps', '--all', '-n', 'kube-public']);
    await run(['get', 'nodes', '-o', 'name']);
    await h.cluster.stop();
    records = (await readFile(path, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as AuditRecord);

    const resources = records
      .filter((record) => record.resource !== undefined)
      .map(({ verb, resource, namespace, name, code }) => [verb, resource, namespace, name, code]);
    expect(
      records.filter((record) => record.resource !== undefined).every((r) => r.group === ''),
    ).toBe(true);
    expect(resources).toEqual([
      // Server-side apply of an object that does not exist yet creates it.
      ['patch', 'configmaps', 'default', 'audited', 201],
      ['get', 'configmaps', 'default', 'audited', 200],
      ['list', 'configmaps', 'kube-system', undefined, 200],
      ['get', 'configmaps', 'default', 'audited', 200],
      ['update', 'configmaps', 'default', 'audited', 200],
      ['delete', 'configmaps', 'default', 'audited', 200],
      // kubectl delete waits until the object is gone.
      ['get', 'configmaps', 'default', 'audited', 404],
      ['list', 'configmaps', 'kube-public', undefined, 200],
      ['list', 'nodes', undefined, undefined, 200],
    ]);
  });

  it('names the client by a digest of its token and keeps discovery apart', async () => {
    const digest = createHash('sha256').update('devcluster').digest('hex').slice(0, 12);
    expect(new Set(records.map((record) => record.user))).toEqual(new Set([`token:${digest}`]));
    expect(records.every((record) => record.userAgent.startsWith('kubectl'))).toBe(true);
    expect(await readFile(path, 'utf8')).not.toContain('"devcluster"');
    const discovery = records.filter((record) => record.nonResourceURL !== undefined);
    expect(discovery.map((record) => record.nonResourceURL)).toContain('/api');
    expect(discovery.every((record) => record.resource === undefined)).toBe(true);
  });
});
