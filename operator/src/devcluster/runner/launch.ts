/**
 * What a container becomes on this machine: the local command that plays its image, or
 * the reason it cannot run. Pure.
 *
 * Only Ferry's own image runs locally: `ferryCommand + container.args` (the image's
 * entrypoint is `ferry`, so `command` is ignored and `args` are the subcommand). In the args,
 * the value of `--host` becomes the pod IP, and an arg that starts with a volumeMount's
 * `mountPath` is rewritten into the local directory of that volume's claim (plus the
 * mount's `subPath`). The environment holds the container's `env` entries that have a
 * `value`; `valueFrom` is not resolved.
 */
import { join } from 'node:path';
import { FERRY_IMAGE_REPOSITORY } from '../../api/group.js';
import { objectsAt, stringAt, type JsonObject } from './json.js';

export interface LaunchOptions {
  ferryCommand: readonly string[];
  /** PersistentVolumeClaim name → local directory. */
  claims: Readonly<Record<string, string>>;
  podIP: string;
}

export type Launch =
  | { kind: 'run'; argv: string[]; env: Record<string, string> }
  | { kind: 'waiting'; reason: string; message: string };

/** The image without its `:tag` and `@digest`. */
function imageRepository(image: string): string {
  const name = image.split('@')[0] ?? image;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

export function launchOf(
  container: JsonObject,
  volumes: JsonObject[],
  options: LaunchOptions,
): Launch {
  const image = stringAt(container, 'image') ?? '';
  if (imageRepository(image) !== FERRY_IMAGE_REPOSITORY) {
    return {
      kind: 'waiting',
      reason: 'ErrImageNeverPull',
      message: `Container image "${image}" is not present with pull policy of Never: the local runner only runs the Ferry image (${FERRY_IMAGE_REPOSITORY})`,
    };
  }
  const mounts: { mountPath: string; directory: string }[] = [];
  for (const mount of objectsAt(container, 'volumeMounts')) {
    const name = stringAt(mount, 'name') ?? '';
    const mountPath = stringAt(mount, 'mountPath') ?? '';
    const volume = volumes.find((candidate) => stringAt(candidate, 'name') === name);
    if (volume === undefined) {
      return configError(`volumeMount "${name}" names no volume of the pod`);
    }
    const claim = stringAt(volume, 'persistentVolumeClaim', 'claimName');
    if (claim === undefined) {
      return configError(
        `volume "${name}" is not a persistentVolumeClaim: only claims mount on the local runner`,
      );
    }
    const directory = options.claims[claim];
    if (directory === undefined) {
      return {
        kind: 'waiting',
        reason: 'ClaimNotMounted',
        message: `PersistentVolumeClaim "${claim}" has no local directory: map it to one in the local runner's claims`,
      };
    }
    const normalized = mountPath.replace(/\/+$/, '');
    if (normalized !== '') {
      mounts.push({
        mountPath: normalized,
        directory: join(directory, stringAt(mount, 'subPath') ?? ''),
      });
    }
  }
  mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
  const listed = container['args'];
  const args = (Array.isArray(listed) ? listed : []).filter(
    (arg): arg is string => typeof arg === 'string',
  );
  const rewritten = args.map((arg, index) => {
    if (args[index - 1] === '--host') return options.podIP;
    if (arg.startsWith('--host=')) return `--host=${options.podIP}`;
    const mount = mounts.find(
      ({ mountPath }) => arg === mountPath || arg.startsWith(`${mountPath}/`),
    );
    return mount === undefined ? arg : `${mount.directory}${arg.slice(mount.mountPath.length)}`;
  });
  const env: Record<string, string> = {};
  for (const entry of objectsAt(container, 'env')) {
    const name = stringAt(entry, 'name');
    const value = stringAt(entry, 'value');
    if (name !== undefined && value !== undefined) env[name] = value;
  }
  return { kind: 'run', argv: [...options.ferryCommand, ...rewritten], env };
}

function configError(message: string): Launch {
  return { kind: 'waiting', reason: 'CreateContainerConfigError', message };
}
