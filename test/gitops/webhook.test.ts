/**
 * `POST /hooks/github` on the real `ferry operator`: polling is an hour apart, so only a
 * verified push delivery can make the operator sync a new commit.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from '../support/cluster.js';
import { NS, startFerryCluster } from '../support/ferry.js';
import { createRepo, type WorkRepo } from '../support/git.js';
import {
  configMap,
  deliverPush,
  githubSignature,
  postWebhook,
  readReport,
  reportFor,
  startWebhookOperator,
} from '../support/gitops.js';
import type { OperatorProcess } from '../support/operator-process.js';

const SECRET = 'webhook-secret-5mQ9';

function settings(value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  value: "${value}"\n`;
}

function push(ref: string, after: string): string {
  return JSON.stringify({ ref, after, repository: { full_name: 'org/models' } });
}

/** The status a server answers an upload with, even when it answers before reading it all. */
function statusOfUpload(address: string, body: string): Promise<number | undefined> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const sending = request(
      {
        host,
        port: Number(port),
        method: 'POST',
        path: '/hooks/github',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-hub-signature-256': githubSignature(SECRET, body),
        },
      },
      (response) => {
        resolve(response.statusCode);
        response.resume();
      },
    );
    sending.on('error', reject);
    sending.end(body);
  });
}

/** Long enough for a triggered sync of one object to have shown in the report. */
const SETTLE_MS = 1500;

describe('the push webhook', () => {
  let cluster: TestCluster;
  let repo: WorkRepo;
  let operator: OperatorProcess;

  beforeAll(async () => {
    let kubeconfig: string;
    ({ cluster, kubeconfig } = await startFerryCluster());
    repo = await createRepo();
    const first = await repo.commit({ 'a.yaml': settings('1') });
    operator = await startWebhookOperator(kubeconfig, repo.directory, SECRET);
    await reportFor(cluster, NS, first, 'Synced');
  });
  afterAll(async () => {
    await operator.stop('SIGKILL');
    await cluster.stop();
  });

  async function revisionAfterSettling(): Promise<string | undefined> {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return (await readReport(cluster, NS))?.revision;
  }

  it('answers a missing or wrong signature with 401 and syncs nothing', async () => {
    const before = await repo.head();
    const next = await repo.commit({ 'a.yaml': settings('unsigned') });
    const body = push('refs/heads/main', next);
    const missing = await postWebhook(operator.address, body, {
      'x-github-event': 'push',
      'x-github-delivery': 'd-missing',
    });
    expect(missing.status).toBe(401);
    const wrong = await postWebhook(operator.address, body, {
      'x-github-event': 'push',
      'x-github-delivery': 'd-wrong',
      'x-hub-signature-256': githubSignature('another secret', body),
    });
    expect(wrong.status).toBe(401);
    const tampered = await postWebhook(operator.address, body.replace('main', 'mainx'), {
      'x-github-event': 'push',
      'x-github-delivery': 'd-tampered',
      'x-hub-signature-256': githubSignature(SECRET, body),
    });
    expect(tampered.status).toBe(401);
    expect(await revisionAfterSettling()).toBe(before);
    expect((await configMap(cluster, NS, 'a'))?.data?.value).not.toBe('unsigned');
  });

  it('syncs at once on a signed push to the tracked branch, and ignores a replayed delivery', async () => {
    const next = await repo.commit({ 'a.yaml': settings('signed') });
    const delivery = { ref: 'refs/heads/main', after: next, delivery: 'delivery-1' };
    const accepted = await deliverPush(operator.address, SECRET, delivery);
    expect(accepted.status).toBe(202);
    await reportFor(cluster, NS, next, 'Synced', 5000);
    expect((await configMap(cluster, NS, 'a'))?.data?.value).toBe('signed');

    // The same delivery again, after a new commit: received, but not acted on.
    const later = await repo.commit({ 'a.yaml': settings('replayed') });
    const replayed = await deliverPush(operator.address, SECRET, delivery);
    expect(replayed.status).toBe(200);
    expect(await revisionAfterSettling()).toBe(next);

    // A push to another branch does not sync either.
    const elsewhere = await deliverPush(operator.address, SECRET, {
      ref: 'refs/heads/feature',
      after: later,
      delivery: 'delivery-2',
    });
    expect(elsewhere.status).toBe(202);
    expect(await elsewhere.text()).toContain('not the tracked branch');
    expect(await revisionAfterSettling()).toBe(next);

    const again = await deliverPush(operator.address, SECRET, {
      ref: 'refs/heads/main',
      after: later,
      delivery: 'delivery-3',
    });
    expect(again.status).toBe(202);
    await reportFor(cluster, NS, later, 'Synced', 5000);
  });

  it('refuses what is not a JSON delivery of bounded size, never with a 500', async () => {
    const form = 'payload=%7B%7D';
    const formResponse = await fetch(`http://${operator.address}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-hub-signature-256': githubSignature(SECRET, form),
      },
      body: form,
    });
    expect(formResponse.status).toBe(415);

    const notJson = '{"ref": ';
    const broken = await postWebhook(operator.address, notJson, {
      'x-github-event': 'push',
      'x-github-delivery': 'delivery-broken',
      'x-hub-signature-256': githubSignature(SECRET, notJson),
    });
    expect(broken.status).toBe(400);

    // Over GitHub's 25 MiB cap: answered before the body is read, then the connection closes.
    const huge = JSON.stringify({ padding: 'x'.repeat(25 * 1024 * 1024) });
    expect(await statusOfUpload(operator.address, huge)).toBe(413);

    const get = await fetch(`http://${operator.address}/hooks/github`);
    expect(get.status).toBe(405);
    // The operator still serves.
    expect((await fetch(`http://${operator.address}/healthz`)).status).toBe(200);
  });
});
