/**
 * Discovery and the handlers agree: every resource and subresource that aggregated
 * discovery lists is served, and a subresource it does not list is not. A real
 * kube-apiserver builds both from one installed API, so kubectl never sees a resource in
 * `api-resources` that answers "the server could not find the requested resource".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const NOT_SERVED = 'the server could not find the requested resource';
/** Subresources some kind of a real cluster has: each must be served exactly where listed. */
const KNOWN_SUBRESOURCES = ['status', 'scale', 'log', 'binding', 'eviction', 'exec', 'proxy'];

interface Discovered {
  resource: string;
  scope: 'Namespaced' | 'Cluster';
  verbs: string[];
  subresources?: { subresource: string; verbs: string[] }[];
}

interface Group {
  metadata: { name: string };
  versions: { version: string; resources: Discovered[] }[];
}

async function discovery(path: string): Promise<Group[]> {
  const response = await fetch(`${h.cluster.url}${path}`, { headers: { accept: AGGREGATED } });
  return ((await response.json()) as { items: Group[] }).items;
}

async function answer(method: string, path: string): Promise<{ status: number; message: string }> {
  const response = await fetch(`${h.cluster.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  const body = (await response.json()) as { message?: string };
  return { status: response.status, message: body.message ?? '' };
}

describe('discovery and the served API', () => {
  it('serves every listed resource and subresource, and no unlisted subresource', async () => {
    const groups = [...(await discovery('/api')), ...(await discovery('/apis'))];
    let checked = 0;
    for (const group of groups) {
      for (const { version, resources } of group.versions) {
        const base =
          group.metadata.name === ''
            ? `/api/${version}`
            : `/apis/${group.metadata.name}/${version}`;
        for (const entry of resources) {
          const collection = `${base}${entry.scope === 'Namespaced' ? '/namespaces/default' : ''}/${entry.resource}`;
          const where = `${group.metadata.name}/${version} ${entry.resource}`;
          if (entry.verbs.includes('list')) {
            expect((await answer('GET', collection)).status, where).toBe(200);
          }
          if (entry.verbs.includes('get')) {
            const missing = await answer('GET', `${collection}/absent`);
            expect([missing.status, missing.message], where).toEqual([
              404,
              expect.stringContaining('"absent" not found'),
            ]);
          }
          const listed = new Map(
            (entry.subresources ?? []).map((sub) => [sub.subresource, sub.verbs]),
          );
          for (const subresource of KNOWN_SUBRESOURCES) {
            const verbs = listed.get(subresource);
            const method = verbs?.includes('get') === false ? 'POST' : 'GET';
            const reply = await answer(method, `${collection}/absent/${subresource}`);
            if (verbs === undefined) {
              expect([reply.status, reply.message], `${where}/${subresource}`).toEqual([
                404,
                NOT_SERVED,
              ]);
            } else {
              expect(reply.message, `${where}/${subresource}`).not.toBe(NOT_SERVED);
            }
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});
