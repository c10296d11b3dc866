/**
 * The official clients against a devcluster serving HTTPS with a generated CA, as they
 * would talk to a real (HTTPS-only) API server: @kubernetes/client-node in process, and
 * the Python client (Debian's python3-kubernetes) as a child process. Each test states
 * the kube-apiserver behaviour it checks.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

const run = promisify(execFile);
/** Debian's interpreter, which python3-kubernetes installs into. */
const PYTHON = '/usr/bin/python3';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ tls: true });
});
afterAll(async () => h.stop());

/** Runs `body` (Python, with `client`, `config`, `watch` and `json` imported). */
async function python(name: string, body: string): Promise<unknown> {
  const script = join(h.dir, `${name}.py`);
  await writeFile(
    script,
    `import json\nfrom kubernetes import client, config, watch\nconfig.load_kube_config()\n${body}\n`,
  );
  const { stdout } = await run(PYTHON, [script], {
    env: { PATH: '/usr/bin:/bin', HOME: h.dir, KUBECONFIG: h.kubeconfig },
    timeout: 60_000,
  });
  return JSON.parse(stdout) as unknown;
}

describe('TLS', () => {
  // A real API server is HTTPS-only; its kubeconfig carries the CA, and clients verify
  // the serving certificate (127.0.0.1 is in its subjectAltName).
  it('serves HTTPS that kubectl, client-node and the Python client verify', async () => {
    expect(h.cluster.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const kubectl = await h.kubectl(['get', 'ns', 'default', '-o', 'name']);
    expect(kubectl.stderr).toBe('');
    expect(kubectl.stdout.trim()).toBe('namespace/default');
    const core = h.cluster.kubeConfig().makeApiClient(CoreV1Api);
    expect((await core.readNamespace({ name: 'default' })).metadata?.name).toBe('default');
    expect(
      await python(
        'namespaces',
        'print(json.dumps([n.metadata.name for n in client.CoreV1Api().list_namespace().items]))',
      ),
    ).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
  });

  it('refuses a client that does not trust the CA', async () => {
    await expect(fetch(`${h.cluster.url}/version`)).rejects.toThrow();
  });
});

describe('watches from the Python client', () => {
  // The Python client sends `?watch=True`; apiserver treats any boolean value except
  // "false" and "0" as true, so this is a watch, not a list.
  it('streams events for ?watch=True', async () => {
    const events = await python(
      'watch',
      `v1 = client.CoreV1Api()
v1.create_namespaced_config_map('default', {'metadata': {'name': 'watched'}, 'data': {'a': '1'}})
seen = []
for event in watch.Watch().stream(v1.list_namespaced_config_map, 'default', timeout_seconds=2):
    seen.append([event['type'], event['object'].metadata.name])
print(json.dumps(seen))`,
    );
    expect(events).toContainEqual(['ADDED', 'watched']);
  });
});

describe('typed models', () => {
  // A kubelet reports all ten NodeSystemInfo fields; the Python client's model requires
  // every one of them, so list_node() raises when one is missing.
  it('lists the Node with the Python client and shows its full nodeInfo to client-node', async () => {
    const node = await python(
      'nodes',
      `n = client.CoreV1Api().list_node().items[0]
print(json.dumps([n.metadata.name, n.status.node_info.kubelet_version, n.status.node_info.operating_system]))`,
    );
    expect(node).toEqual(['devcluster', 'v1.32.0-devcluster', 'linux']);
    const info = (await h.cluster.kubeConfig().makeApiClient(CoreV1Api).listNode()).items[0]?.status
      ?.nodeInfo;
    expect(Object.keys(info ?? {}).sort()).toEqual([
      'architecture',
      'bootID',
      'containerRuntimeVersion',
      'kernelVersion',
      'kubeProxyVersion',
      'kubeletVersion',
      'machineID',
      'operatingSystem',
      'osImage',
      'systemUUID',
    ]);
  });

  // DELETE of a Deployment answers a Success Status (the generic registry store); the
  // Python client deserialises it as V1Status.
  it('gets a Status back from deleting a Deployment, from both clients', async () => {
    const apps = h.cluster.kubeConfig().makeApiClient(AppsV1Api);
    const deployment = (name: string): Parameters<AppsV1Api['createNamespacedDeployment']>[0] => ({
      namespace: 'default',
      body: {
        metadata: { name },
        spec: {
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'c', image: 'x' }] },
          },
        },
      },
    });
    const created = await apps.createNamespacedDeployment(deployment('node-made'));
    const status = await apps.deleteNamespacedDeployment({
      namespace: 'default',
      name: 'node-made',
    });
    expect(status.status).toBe('Success');
    expect(status.details).toMatchObject({
      name: 'node-made',
      group: 'apps',
      kind: 'deployments',
      uid: created.metadata?.uid,
    });
    await apps.createNamespacedDeployment(deployment('py-made'));
    expect(
      await python(
        'delete',
        `s = client.AppsV1Api().delete_namespaced_deployment('py-made', 'default')
print(json.dumps([s.status, s.details.name, s.details.kind]))`,
      ),
    ).toEqual(['Success', 'py-made', 'deployments']);
  });

  // ReplicaSet, DaemonSet and ReplicationController statuses have required counters that
  // their strategies' PrepareForCreate reset to zero; the Python client's models refuse
  // objects without them.
  it('creates and lists the replica controllers with the Python client', async () => {
    const listed = await python(
      'replicas',
      `apps = client.AppsV1Api()
core = client.CoreV1Api()
template = {'metadata': {'labels': {'app': 'r'}}, 'spec': {'containers': [{'name': 'c', 'image': 'x'}]}}
selector = {'matchLabels': {'app': 'r'}}
apps.create_namespaced_replica_set('default', {'metadata': {'name': 'r'}, 'spec': {'selector': selector, 'template': template}})
apps.create_namespaced_daemon_set('default', {'metadata': {'name': 'r'}, 'spec': {'selector': selector, 'template': template}})
core.create_namespaced_replication_controller('default', {'metadata': {'name': 'r'}, 'spec': {'template': template}})
print(json.dumps([
  [r.metadata.name, r.status.replicas, r.metadata.generation] for r in apps.list_namespaced_replica_set('default').items
] + [
  [d.metadata.name, d.status.number_ready, d.metadata.generation] for d in apps.list_namespaced_daemon_set('default').items
] + [
  [c.metadata.name, c.status.replicas, c.spec.replicas] for c in core.list_namespaced_replication_controller('default').items
]))`,
    );
    expect(listed).toEqual([
      ['r', 0, 1],
      ['r', 0, 1],
      ['r', 0, 1],
    ]);
  });

  // metadata.generation is set only by kinds whose strategy keeps one.
  it('has no generation on a ConfigMap', async () => {
    const generations = await python(
      'generation',
      `v1 = client.CoreV1Api()
cm = v1.create_namespaced_config_map('default', {'metadata': {'name': 'nogen'}})
print(json.dumps([cm.metadata.generation]))`,
    );
    expect(generations).toEqual([null]);
  });
});
