/**
 * API conventions the real kubectl relies on, each checked against what kube-apiserver
 * 1.32 does (stated per test), through the machine's kubectl and plain HTTP.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.stop());

async function file(name: string, text: string): Promise<string> {
  const path = join(h.dir, name);
  await writeFile(path, text);
  return path;
}

/** `kubectl get <resource> <name> -o jsonpath=<expression>`'s output. */
async function jsonpath(resource: string, name: string, expression: string): Promise<string> {
  return (await h.kubectl(['get', resource, name, '-o', `jsonpath=${expression}`])).stdout;
}

async function getJson(args: string[]): Promise<Record<string, unknown>> {
  const result = await h.kubectl([...args, '-o', 'json']);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

async function request(
  method: string,
  path: string,
  body?: string,
  contentType = 'application/json',
): Promise<{ status: number; json: Record<string, unknown>; warning: string | null }> {
  const response = await fetch(`${h.cluster.url}${path}`, {
    method,
    headers: { 'content-type': contentType },
    ...(body === undefined ? {} : { body }),
  });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    warning: response.headers.get('warning'),
  };
}

const DEPLOYMENT = (extra: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
${extra}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes: [{name: scratch}]
      containers: [{name: c, image: nginx:1}]
`;

describe('kubectl typed creates (protobuf bodies)', () => {
  // kube-apiserver decodes application/vnd.kubernetes.protobuf for every built-in kind;
  // kubectl 1.32 sends its typed creates that way and does not fall back to JSON.
  it('creates a Deployment, a ClusterIP Service and a Job', async () => {
    const created = [
      await h.kubectl(['create', 'deployment', 'pb', '--image=nginx:1', '--port=80']),
      await h.kubectl(['create', 'service', 'clusterip', 'pb', '--tcp=80:8080']),
      await h.kubectl(['create', 'job', 'pb', '--image=busybox']),
      await h.kubectl(['create', 'cronjob', 'pb', '--image=busybox', '--schedule=*/5 * * * *']),
    ];
    expect(created.map((result) => result.stdout.trim())).toEqual([
      'deployment.apps/pb created',
      'service/pb created',
      'job.batch/pb created',
      'cronjob.batch/pb created',
    ]);
    const deployment = await jsonpath(
      'deploy',
      'pb',
      '{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.spec.selector.matchLabels.app}',
    );
    expect(deployment).toBe('nginx:1 80 pb');
    const service = await jsonpath(
      'svc',
      'pb',
      '{.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.type}',
    );
    expect(service).toBe('80 8080 ClusterIP');
    const job = await jsonpath(
      'job',
      'pb',
      '{.spec.template.spec.containers[0].image} {.spec.template.spec.restartPolicy}',
    );
    expect(job).toBe('busybox Never');
  });

  // A Deployment's spec.replicas is a pointer: a zero that was sent is kept, and only an
  // absent one is defaulted to 1. Both the protobuf create and the scale subresource keep 0.
  it('keeps replicas 0 from a create and from kubectl scale', async () => {
    const created = await h.kubectl([
      'create',
      'deployment',
      'none',
      '--image=nginx:1',
      '--replicas=0',
    ]);
    expect(created.stdout.trim()).toBe('deployment.apps/none created');
    expect(await jsonpath('deploy', 'none', '{.spec.replicas}')).toBe('0');
    await h.kubectl(['create', 'deployment', 'some', '--image=nginx:1', '--replicas=2']);
    const scaled = await h.kubectl(['scale', 'deployment', 'some', '--replicas=0']);
    expect(scaled.stdout.trim()).toBe('deployment.apps/some scaled');
    expect(await jsonpath('deploy', 'some', '{.spec.replicas}')).toBe('0');
  });
});

describe('unknown fields', () => {
  // The decoder drops fields a kind does not declare: fieldValidation=Warn (kubectl
  // --validate=warn) stores without them and sends `Warning: unknown field "<path>"`;
  // Strict (kubectl's default) answers 400 "strict decoding error: unknown field ...".
  it('are rejected under Strict, warned about and dropped under Warn', async () => {
    const path = await file(
      'bogus.yaml',
      `apiVersion: v1
kind: Service
metadata: {name: bogus}
spec:
  bogus: 1
  ports: [{port: 80}]
`,
    );
    const strict = await h.kubectl(['apply', '-f', path]);
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.bogus"');
    const warned = await h.kubectl(['apply', '--validate=warn', '-f', path]);
    expect(warned.stdout.trim()).toBe('service/bogus created');
    expect(warned.stderr).toContain('Warning: unknown field "spec.bogus"');
    const stored = await getJson(['get', 'svc', 'bogus']);
    expect(stored['spec']).not.toHaveProperty('bogus');
  });
});

describe('duplicate fields', () => {
  // The strict JSON decoder reports a field given twice: Strict answers 400
  // "strict decoding error: duplicate field ...", Warn stores the last value and warns.
  it('are rejected under Strict and warned about under Warn', async () => {
    const body =
      '{"apiVersion":"v1","kind":"Service","metadata":{"name":"twice"},"spec":{"type":"ClusterIP","type":"NodePort","ports":[{"port":80}]}}';
    const strict = await request(
      'POST',
      '/api/v1/namespaces/default/services?fieldValidation=Strict',
      body,
    );
    expect(strict.status).toBe(400);
    expect(strict.json['message']).toBe(
      'Service in version "v1" cannot be handled as a Service: strict decoding error: duplicate field "spec.type"',
    );
    const warned = await request('POST', '/api/v1/namespaces/default/services', body);
    expect(warned.status).toBe(201);
    expect(warned.warning).toBe('299 - "duplicate field \\"spec.type\\""');
    expect((warned.json['spec'] as Record<string, unknown>)['type']).toBe('NodePort');
  });
});

describe('defaulting after every write', () => {
  // pkg/apis/core/v1 and apps/v1 defaults: a volume with no source is an emptyDir;
  // `strategy: {}` becomes RollingUpdate with 25%/25%; a patch that removes a defaulted
  // field (revisionHistoryLimit) gets the default back, because defaulting runs on the
  // patched object too.
  it('fills emptyDir, the rolling update strategy, and re-defaults after a patch', async () => {
    const path = await file('defaults.yaml', DEPLOYMENT('  strategy: {}'));
    expect((await h.kubectl(['apply', '-f', path])).stdout.trim()).toBe(
      'deployment.apps/web created',
    );
    const created = await getJson(['get', 'deploy', 'web']);
    const spec = created['spec'] as Record<string, unknown>;
    expect(spec['strategy']).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    expect((spec['template'] as { spec: { volumes: unknown[] } }).spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
    ]);
    const patched = await h.kubectl([
      'patch',
      'deploy',
      'web',
      '--type=merge',
      '-p',
      '{"spec":{"revisionHistoryLimit":null}}',
    ]);
    expect(patched.code).toBe(0);
    const limit = await jsonpath('deploy', 'web', '{.spec.revisionHistoryLimit}');
    expect(limit).toBe('10');
  });

  // Re-applying a manifest whose only differences from the live object are server
  // defaults sends an empty patch, which kubectl reports as "unchanged".
  it('makes re-applying an unchanged built-in manifest a no-op', async () => {
    const path = await file(
      'again.yaml',
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: again}
spec:
  replicas: 2
  selector: {matchLabels: {app: again}}
  template:
    metadata: {labels: {app: again}}
    spec: {containers: [{name: c, image: nginx:1, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: again}
spec: {selector: {app: again}, ports: [{port: 80}]}
`,
    );
    await h.kubectl(['apply', '-f', path]);
    const again = await h.kubectl(['apply', '-f', path]);
    expect(again.stdout).toBe('deployment.apps/again unchanged\nservice/again unchanged\n');
  });
});

describe('client-side to server-side apply', () => {
  // apiserver's lastApplied manager: a server-side apply by the `kubectl` manager takes
  // over fields client-side apply set (recorded in the last-applied annotation) without a
  // conflict, and rewrites that annotation to the new configuration.
  it('migrates without conflicts and keeps the annotation in sync', async () => {
    const manifest = (b: string): string => `apiVersion: v1
kind: ConfigMap
metadata: {name: migrate}
data: {a: "1", b: "${b}"}
`;
    const path = await file('migrate.yaml', manifest('2'));
    expect((await h.kubectl(['apply', '-f', path])).stdout.trim()).toBe(
      'configmap/migrate created',
    );
    await writeFile(path, manifest('3'));
    const diff = await h.kubectl(['diff', '--server-side', '-f', path]);
    expect(diff.stderr).toBe('');
    expect(diff.stdout).toContain('+  b: "3"');
    const applied = await h.kubectl(['apply', '--server-side', '-f', path]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('configmap/migrate serverside-applied');
    const live = await getJson(['get', 'cm', 'migrate']);
    const annotation = (live['metadata'] as { annotations: Record<string, string> }).annotations[
      'kubectl.kubernetes.io/last-applied-configuration'
    ];
    expect(JSON.parse(annotation ?? '{}')).toMatchObject({ data: { a: '1', b: '3' } });
    // A later client-side apply patches from the synced annotation.
    await writeFile(path, manifest('4'));
    expect((await h.kubectl(['apply', '-f', path])).stdout.trim()).toBe(
      'configmap/migrate configured',
    );
    expect(await jsonpath('cm', 'migrate', '{.data.b}')).toBe('4');
  });

  // Without the annotation, or against another manager's value, conflicts stay.
  it('still reports conflicts another manager owns', async () => {
    const path = await file(
      'owned.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {a: "1"}\n',
    );
    await h.kubectl(['create', '-f', path]);
    await writeFile(
      path,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: owned}\ndata: {a: "2"}\n',
    );
    const applied = await h.kubectl(['apply', '--server-side', '-f', path]);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('conflict with "kubectl-create"');
  });
});

describe('immutable fields', () => {
  // ValidateServiceUpdate: the primary cluster IP "may not change once set" (422).
  it('refuses a changed Service clusterIP', async () => {
    const path = await file(
      'fixed.yaml',
      'apiVersion: v1\nkind: Service\nmetadata: {name: fixed}\nspec: {ports: [{port: 80}]}\n',
    );
    await h.kubectl(['apply', '-f', path]);
    const patched = await h.kubectl([
      'patch',
      'svc',
      'fixed',
      '--type=merge',
      '-p',
      '{"spec":{"clusterIP":"10.96.200.200","clusterIPs":["10.96.200.200"]}}',
    ]);
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toMatch(
      /The Service "fixed" is invalid: spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"10\.96\.200\.200"\}: may not change once set/,
    );
    // Omitting the cluster IP in an update keeps the allocated one.
    const ip = await jsonpath('svc', 'fixed', '{.spec.clusterIP}');
    await h.kubectl(['apply', '-f', path]);
    expect(await jsonpath('svc', 'fixed', '{.spec.clusterIP}')).toBe(ip);
  });
});

describe('status, generation and DELETE replies', () => {
  // Strategies' PrepareForCreate: a Deployment's client-supplied status is reset (to {}),
  // a Service's to {loadBalancer: {}}; generation exists only for kinds whose strategy
  // keeps one (Deployments yes, ConfigMaps and Services no).
  it('resets status on create and sets generation only where the kind keeps it', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'statusful' },
      spec: {
        selector: { matchLabels: { app: 's' } },
        template: {
          metadata: { labels: { app: 's' } },
          spec: { containers: [{ name: 'c', image: 'x' }] },
        },
      },
      status: { replicas: 5, readyReplicas: 5 },
    };
    const created = await request(
      'POST',
      '/apis/apps/v1/namespaces/default/deployments',
      JSON.stringify(deployment),
    );
    expect(created.status).toBe(201);
    expect(created.json['status']).toEqual({});
    expect((created.json['metadata'] as Record<string, unknown>)['generation']).toBe(1);
    const service = await request(
      'POST',
      '/api/v1/namespaces/default/services',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'lb' },
        spec: { ports: [{ port: 80 }] },
        status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } },
      }),
    );
    expect(service.json['status']).toEqual({ loadBalancer: {} });
    expect(service.json['metadata']).not.toHaveProperty('generation');
    const configMap = await request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } }),
    );
    expect(configMap.json['metadata']).not.toHaveProperty('generation');
  });

  // The generic registry store answers an immediate DELETE with a Success Status naming
  // the object, unless the kind's store returns deleted objects (Pods, Services,
  // Namespaces, ServiceAccounts). The core group is omitted from details.
  it('answers DELETE with a Status, or the object where the kind returns it', async () => {
    await request(
      'POST',
      '/api/v1/namespaces/default/configmaps',
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone' } }),
    );
    const uid = ((await getJson(['get', 'cm', 'gone']))['metadata'] as { uid: string }).uid;
    const configMap = await request('DELETE', '/api/v1/namespaces/default/configmaps/gone');
    expect(configMap.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'gone', kind: 'configmaps', uid },
    });
    const deployment = await request(
      'DELETE',
      '/apis/apps/v1/namespaces/default/deployments/statusful',
    );
    expect(deployment.json['kind']).toBe('Status');
    expect(deployment.json['details']).toMatchObject({
      name: 'statusful',
      group: 'apps',
      kind: 'deployments',
    });
    const service = await request('DELETE', '/api/v1/namespaces/default/services/lb');
    expect(service.json['kind']).toBe('Service');
    expect((await h.kubectl(['delete', 'cm', 'plain'])).stdout.trim()).toBe(
      'configmap "plain" deleted',
    );
  });
});

describe('error details', () => {
  // Status details omit an empty group; an undecodable body is "the object provided is
  // unrecognized (must be of type <Kind>): ..." (apiserver's transformDecodeError).
  it('omits the core group and names the expected kind of an undecodable body', async () => {
    const missing = await request('GET', '/api/v1/namespaces/default/configmaps/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json['details']).toEqual({ name: 'nothing', kind: 'configmaps' });
    const garbled = await request('POST', '/api/v1/namespaces/default/configmaps', 'not json');
    expect(garbled.status).toBe(400);
    expect(String(garbled.json['message'])).toMatch(
      /^the object provided is unrecognized \(must be of type ConfigMap\): couldn't get version\/kind; json parse error: .+ \(6e6f74206a736f6e\)$/,
    );
  });
});

describe('discovery, reviews and the kinds kubectl touches', () => {
  // kubectl apply --prune without --prune-allowlist prunes its default kinds
  // (ConfigMap, Endpoints, Namespace, PVC, PV, Pod, RC, Secret, Service, Job, CronJob,
  // Ingress, DaemonSet, Deployment, ReplicaSet, StatefulSet): discovery must serve them.
  it('prunes with apply --prune and no allowlist', async () => {
    const both = await file(
      'prune.yaml',
      `apiVersion: v1
kind: ConfigMap
metadata: {name: keep, labels: {set: pruned}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: drop, labels: {set: pruned}}
`,
    );
    await h.kubectl(['apply', '-f', both]);
    const one = await file(
      'prune-one.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep, labels: {set: pruned}}\n',
    );
    const pruned = await h.kubectl(['apply', '--prune', '-l', 'set=pruned', '-f', one]);
    // kubectl's own deprecation notice about cluster-scoped pruning is all stderr holds.
    expect(pruned.stderr).not.toMatch(/error/i);
    expect(pruned.stdout).toBe('configmap/keep unchanged\nconfigmap/drop pruned\n');
  });

  it('serves ServiceAccounts, RBAC, PVCs, ReplicaSets, Endpoints, quotas and RCs', async () => {
    const path = await file(
      'kinds.yaml',
      `apiVersion: v1
kind: ServiceAccount
metadata: {name: runner}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: runner}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ferry-reader}
rules: [{apiGroups: [ml.ferry.dev], resources: ["*"], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ferry-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ferry-reader}
subjects: [{kind: ServiceAccount, name: runner, namespace: default}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs}
spec:
  selector: {matchLabels: {app: rs}}
  template: {metadata: {labels: {app: rs}}, spec: {containers: [{name: c, image: x}]}}
---
apiVersion: v1
kind: Endpoints
metadata: {name: fixed}
subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: 80}]}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: fixed-1, labels: {kubernetes.io/service-name: fixed}}
addressType: IPv4
endpoints: [{addresses: [127.0.0.1]}]
ports: [{port: 80}]
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota}
spec: {hard: {pods: "10"}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template: {metadata: {labels: {app: rc}}, spec: {containers: [{name: c, image: x}]}}
`,
    );
    const applied = await h.kubectl(['apply', '-f', path]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.split('\n').filter((line) => line.endsWith(' created'))).toHaveLength(11);
    const again = await h.kubectl(['apply', '-f', path]);
    expect(again.stdout.split('\n').filter((line) => line.endsWith(' unchanged'))).toHaveLength(11);
    const names = await h.kubectl(['get', 'sa,role,rolebinding,pvc,rs,ep,quota,rc', '-o', 'name']);
    expect(names.stdout).toContain('serviceaccount/runner');
    expect(names.stdout).toContain('replicaset.apps/rs');
    expect(names.stdout).toContain('replicationcontroller/rc');
    // An RC's selector defaults to its template's labels (core/v1 defaults).
    expect(await jsonpath('rc', 'rc', '{.spec.selector.app} {.spec.replicas}')).toBe('rc 1');
  });

  // SelfSubjectAccessReview and SelfSubjectReview are create-only: kubectl auth can-i and
  // whoami post them. devcluster's single user may do anything.
  it('answers kubectl auth can-i and whoami', async () => {
    expect((await h.kubectl(['auth', 'can-i', 'create', 'pods'])).stdout.trim()).toBe('yes');
    const whoami = await h.kubectl([
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(whoami.stdout).toBe('devcluster');
  });

  // kubectl validates kinds /openapi/v3 lacks against /openapi/v2 (asked for as
  // protobuf); a kind without a definition is not validated, so an apply of a custom
  // kind before its CRD fails as on a real cluster: with kubectl's "ensure CRDs are
  // installed first".
  it('lets kubectl report a custom kind without its CRD as a real cluster does', async () => {
    const path = await file(
      'nocrd.yaml',
      'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1}\n',
    );
    const applied = await h.kubectl(['apply', '-f', path]);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain(
      'no matches for kind "Widget" in version "example.com/v1"\nensure CRDs are installed first',
    );
  });

  // /openapi/v2 serves the Swagger 2.0 document to clients that accept JSON.
  it('serves /openapi/v2 as JSON with every kind', async () => {
    const response = await fetch(`${h.cluster.url}/openapi/v2`, {
      headers: { accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      swagger: string;
      definitions: Record<string, { 'x-kubernetes-group-version-kind'?: unknown }>;
    };
    expect(document.swagger).toBe('2.0');
    expect(
      document.definitions['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'],
    ).toEqual([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  });
});
