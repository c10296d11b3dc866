/** Built-in kinds through the real kubectl: typed creates (protobuf), apply, scale, columns. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

function deployment(image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: main, image: ${image}, env: [{name: A, value: "1"}]}
      - {name: side, image: busybox}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, labels: {app: web}}
spec:
  containers: [{name: c, image: busybox}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: j1}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: c, image: busybox}]
`;
}

describe('built-in kinds with kubectl', () => {
  it('creates namespaces, configmaps and secrets (sent as protobuf)', async () => {
    expect((await h.kubectl(['create', 'namespace', 'team'])).stdout.trim()).toBe(
      'namespace/team created',
    );
    expect(
      (
        await h.kubectl([
          'create',
          'configmap',
          'settings',
          '-n',
          'team',
          '--from-literal=mode=fast',
        ])
      ).stdout.trim(),
    ).toBe('configmap/settings created');
    expect(
      (
        await h.kubectl([
          'create',
          'secret',
          'generic',
          'token',
          '-n',
          'team',
          '--from-literal=key=s3cret',
        ])
      ).stdout.trim(),
    ).toBe('secret/token created');
    const data = await h.kubectl([
      'get',
      'configmap',
      'settings',
      '-n',
      'team',
      '-o',
      'jsonpath={.data.mode}',
    ]);
    expect(data.stdout).toBe('fast');
    const secret = await h.kubectl([
      'get',
      'secret',
      'token',
      '-n',
      'team',
      '-o',
      'jsonpath={.type} {.data.key}',
    ]);
    expect(secret.stdout).toBe(`Opaque ${Buffer.from('s3cret').toString('base64')}`);
    const table = await h.kubectl(['get', 'secrets', '-n', 'team']);
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+DATA\s+AGE\ntoken\s+Opaque\s+1\s+\d+s\n$/);
    // Typed creates of every kind are protobuf too (a real server decodes them all).
    expect(
      (await h.kubectl(['create', 'deployment', 'd', '--image=x', '-n', 'team'])).stdout.trim(),
    ).toBe('deployment.apps/d created');
  });

  it('applies and re-applies built-ins with strategic merge, and scales a Deployment', async () => {
    const file = join(h.dir, 'web.yaml');
    await writeFile(file, deployment('nginx:1'));
    expect((await h.kubectl(['apply', '-f', file])).stdout.match(/ created/g)).toHaveLength(3);
    await writeFile(file, deployment('nginx:2'));
    const again = await h.kubectl(['apply', '-f', file]);
    expect(again.stdout).toBe(
      'deployment.apps/web configured\npod/p1 unchanged\njob.batch/j1 unchanged\n',
    );
    const images = await h.kubectl([
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.template.spec.containers[*].image} {.spec.template.spec.containers[0].env[0].name} {.metadata.generation}',
    ]);
    expect(images.stdout).toBe('nginx:2 busybox A 2');
    expect((await h.kubectl(['scale', 'deploy', 'web', '--replicas=5'])).stdout.trim()).toBe(
      'deployment.apps/web scaled',
    );
    const scaled = await h.kubectl([
      'get',
      'deploy',
      'web',
      '-o',
      'jsonpath={.spec.replicas} {.metadata.generation}',
    ]);
    expect(scaled.stdout).toBe('5 3');
  });

  it('prints kubectl-like columns for Deployments, Pods and Jobs, and describes a Pod', async () => {
    const table = await h.kubectl(['get', 'deploy,pods,jobs']);
    expect(table.stdout).toMatch(
      /NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment.apps\/web\s+0\/5\s+0\s+0\s+\d+s/,
    );
    expect(table.stdout).toMatch(
      /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\npod\/p1\s+0\/1\s+Pending\s+0\s+\d+s/,
    );
    expect(table.stdout).toMatch(
      /NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\njob.batch\/j1\s+Running\s+0\/1\s+\d+s/,
    );
    const described = await h.kubectl(['describe', 'pod', 'p1']);
    expect(described.stdout).toMatch(/^Name:\s+p1\nNamespace:\s+default\n/);
    expect(described.stdout).toMatch(/Status:\s+Pending/);
  });

  it('fills the API server defaults kubectl users rely on', async () => {
    const job = await h.kubectl(['get', 'job', 'j1', '-o', 'json']);
    const parsed = JSON.parse(job.stdout) as {
      metadata: { uid: string };
      spec: {
        backoffLimit: number;
        selector: unknown;
        template: {
          metadata: { labels: Record<string, string> };
          spec: { containers: Record<string, unknown>[] };
        };
      };
    };
    expect(parsed.spec.backoffLimit).toBe(6);
    expect(parsed.spec.selector).toEqual({
      matchLabels: { 'batch.kubernetes.io/controller-uid': parsed.metadata.uid },
    });
    expect(parsed.spec.template.metadata.labels['job-name']).toBe('j1');
    expect(parsed.spec.template.spec.containers[0]).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
    });
    const service = `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n`;
    expect((await h.kubectl(['apply', '-f', '-'], service)).stdout.trim()).toBe(
      'service/web created',
    );
    const table = await h.kubectl(['get', 'service', 'web']);
    expect(table.stdout).toMatch(
      /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nweb\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP\s+\d+s\n$/,
    );
  });

  it('deletes a namespace with its content', async () => {
    expect((await h.kubectl(['delete', 'namespace', 'team'])).stdout.trim()).toBe(
      'namespace "team" deleted',
    );
    expect((await h.kubectl(['get', 'configmaps', '-n', 'team'])).stderr.trim()).toBe(
      'No resources found in team namespace.',
    );
  });
});
