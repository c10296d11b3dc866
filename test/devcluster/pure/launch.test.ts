/** How a container of Ferry's image becomes a local command: its args run the CLI, its own command replaces the entrypoint. */
import { describe, expect, it } from 'vitest';
import { launchOf } from '../../../operator/src/devcluster/runner/launch.js';

const OPTIONS = {
  ferry: {
    image: 'ghcr.io/ferry-ml/ferry',
    command: ['/usr/bin/node', '/opt/ferry/dist/cli/main.js'],
    workingDir: '/opt/ferry',
  },
  claimDirectory: (claim: string) => `/state/claims/${claim}`,
  emptyDirs: '/state/empty',
  pod: { metadata: { name: 'p', namespace: 'default' } },
  podIP: '127.0.1.2',
  hostIP: '127.0.0.1',
  terminationLog: '/state/pods/p/termination-log',
};

describe('launchOf for the Ferry image', () => {
  it('runs the CLI with the args, in the pod directory', () => {
    const launch = launchOf(
      {
        name: 'serve',
        image: 'ghcr.io/ferry-ml/ferry:0.1.0',
        args: ['serve', '--host', '0.0.0.0'],
      },
      [],
      OPTIONS,
    );
    expect(launch).toMatchObject({
      kind: 'run',
      argv: ['/usr/bin/node', '/opt/ferry/dist/cli/main.js', 'serve', '--host', '127.0.1.2'],
      workingDir: undefined,
    });
  });

  it("runs a container's own command in the image's working directory, with claim paths mapped", () => {
    const launch = launchOf(
      {
        name: 'trainer',
        image: 'ghcr.io/ferry-ml/ferry:0.1.0',
        command: ['node', 'examples/iris/train.mjs'],
        env: [{ name: 'FERRY_OUTPUT_DIR', value: '/var/run/ferry/claims/ferry-models/iris' }],
        volumeMounts: [{ name: 'models', mountPath: '/var/run/ferry/claims/ferry-models' }],
      },
      [{ name: 'models', persistentVolumeClaim: { claimName: 'ferry-models' } }],
      OPTIONS,
    );
    expect(launch).toMatchObject({
      kind: 'run',
      argv: ['node', 'examples/iris/train.mjs'],
      workingDir: '/opt/ferry',
      env: { FERRY_OUTPUT_DIR: '/state/claims/ferry-models/iris' },
    });
  });

  it("keeps the container's own workingDir when it sets one", () => {
    const launch = launchOf(
      {
        name: 'c',
        image: 'ghcr.io/ferry-ml/ferry',
        command: ['node', 'x.mjs'],
        workingDir: '/tmp/w',
      },
      [],
      OPTIONS,
    );
    expect(launch).toMatchObject({ kind: 'run', workingDir: '/tmp/w' });
  });
});
