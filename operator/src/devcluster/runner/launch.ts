/**
 * What a container becomes on this machine: the local command that plays its image, or
 * the reason it cannot run. Pure.
 *
 * Images map to commands this way:
 * - the Ferry image (`ferry.image`, any tag or digest) runs `ferry.command + args`: the
 *   image's entrypoint is `ferry`, so `args` are the subcommand; the value of `--host`
 *   becomes the pod IP. A container that sets `command` replaces the entrypoint, as in
 *   Kubernetes: it runs `command + args` on the host, and without a `workingDir` it runs
 *   in `ferry.workingDir`, the local directory that plays the image's working directory
 *   (where relative paths such as `examples/iris/train.mjs` resolve);
 * - any other image runs its `command + args` directly on the host, as given (`python3
 *   train.py`); without a `command` it cannot run, since the image's entrypoint is unknown
 *   here.
 *
 * Paths the container would see are rewritten into local ones where they are a whole
 * command word, arg, env value or `workingDir` (or a `file://` URI of one): a path under
 * a volumeMount's `mountPath` goes into the local directory of that volume's claim, or of
 * the pod's emptyDir (plus the mount's `subPath`);
 * other volume sources cannot be mounted and keep the container waiting. And the container's
 * `terminationMessagePath` (default `/dev/termination-log`) becomes `terminationLog`.
 * `$(VAR)` references in command, args and env values expand as Kubernetes expands them.
 * Env entries take a `value` or a `valueFrom.fieldRef` (name, namespace, uid, labels and
 * annotations, nodeName, serviceAccountName, podIP, hostIP); other `valueFrom` sources
 * cannot be resolved here and keep the container waiting.
 */
import { join } from 'node:path';
import { objectAt, objectsAt, stringAt, type JsonObject } from './json.js';

export const DEFAULT_TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const FILE_URI = 'file://';

/** Which image plays the `ferry` CLI, and the argv prefix that runs that CLI here. */
export interface FerryImage {
  /** The image repository, without tag, e.g. `ghcr.io/ferry-ml/ferry`. */
  image: string;
  /** e.g. `[process.execPath, 'dist/cli/main.js']`. */
  command: readonly string[];
  /** The local directory that plays the image's working directory (its Ferry package root). */
  workingDir?: string;
}

export interface LaunchOptions {
  ferry: FerryImage;
  /** The local directory of a PersistentVolumeClaim. */
  claimDirectory: (claim: string) => string;
  /** Where the pod's emptyDir volumes live: one directory each, by volume name. */
  emptyDirs: string;
  /** The pod as the API server holds it (for `fieldRef`), with its IP. */
  pod: JsonObject;
  podIP: string;
  hostIP: string;
  /** The local file that plays the container's terminationMessagePath. */
  terminationLog: string;
}

export type Launch =
  | {
      kind: 'run';
      argv: string[];
      env: Record<string, string>;
      /** The local working directory, when the container sets one. */
      workingDir: string | undefined;
      /** The local directories of its mounts, to create before it starts. */
      directories: string[];
    }
  | { kind: 'waiting'; reason: string; message: string };

/** The image without its `:tag` and `@digest`. */
export function imageRepository(image: string): string {
  const name = image.split('@')[0] ?? image;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

interface Mount {
  mountPath: string;
  directory: string;
}

export function launchOf(
  container: JsonObject,
  volumes: JsonObject[],
  options: LaunchOptions,
): Launch {
  const mounts = mountsOf(container, volumes, options);
  if (!Array.isArray(mounts)) return mounts;
  const messagePath =
    stringAt(container, 'terminationMessagePath') ?? DEFAULT_TERMINATION_MESSAGE_PATH;
  const localPath = (value: string): string => {
    if (value === messagePath) return options.terminationLog;
    const mount = mounts.find(
      ({ mountPath }) => value === mountPath || value.startsWith(`${mountPath}/`),
    );
    return mount === undefined ? value : `${mount.directory}${value.slice(mount.mountPath.length)}`;
  };
  const local = (value: string): string =>
    value.startsWith(FILE_URI)
      ? `${FILE_URI}${localPath(value.slice(FILE_URI.length))}`
      : localPath(value);
  const env = environmentOf(container, options);
  if (typeof env === 'string') return configError(env);
  for (const [name, value] of Object.entries(env)) env[name] = local(value);
  const expand = (value: string): string => local(expandReferences(value, env));
  const args = strings(container['args']).map(expand);
  const workingDir = stringAt(container, 'workingDir');
  const base = {
    kind: 'run' as const,
    env,
    directories: mounts.map((mount) => mount.directory),
    workingDir: workingDir === undefined || workingDir === '' ? undefined : local(workingDir),
  };
  const image = stringAt(container, 'image') ?? '';
  const command = strings(container['command']).map(expand);
  if (imageRepository(image) === options.ferry.image && command.length > 0) {
    return {
      ...base,
      workingDir: base.workingDir ?? options.ferry.workingDir,
      argv: [...command, ...args],
    };
  }
  if (imageRepository(image) === options.ferry.image) {
    const withHost = args.map((arg, index) => {
      if (args[index - 1] === '--host') return options.podIP;
      return arg.startsWith('--host=') ? `--host=${options.podIP}` : arg;
    });
    return { ...base, argv: [...options.ferry.command, ...withHost] };
  }
  if (command.length === 0) {
    return configError(
      `container has no command: the local runner runs the command and args of an image other than ${options.ferry.image} on the host, and cannot know the entrypoint of "${image}"`,
    );
  }
  return { ...base, argv: [...command, ...args] };
}

function strings(value: unknown): string[] {
  return (Array.isArray(value) ? value : []).filter(
    (entry): entry is string => typeof entry === 'string',
  );
}

/** The mounts, longest path first, or the reason one cannot be made. */
function mountsOf(
  container: JsonObject,
  volumes: JsonObject[],
  options: LaunchOptions,
): Mount[] | Launch {
  const mounts: Mount[] = [];
  for (const mount of objectsAt(container, 'volumeMounts')) {
    const name = stringAt(mount, 'name') ?? '';
    const mountPath = stringAt(mount, 'mountPath') ?? '';
    const volume = volumes.find((candidate) => stringAt(candidate, 'name') === name);
    if (volume === undefined)
      return configError(`volumeMount "${name}" names no volume of the pod`);
    const claim = stringAt(volume, 'persistentVolumeClaim', 'claimName');
    const emptyDir = objectAt(volume, 'emptyDir') !== undefined;
    if (claim === undefined && !emptyDir) {
      return configError(
        `volume "${name}" is neither a persistentVolumeClaim nor an emptyDir: only those mount on the local runner`,
      );
    }
    const root =
      claim === undefined ? join(options.emptyDirs, name) : options.claimDirectory(claim);
    const normalized = mountPath.replace(/\/+$/, '');
    if (normalized !== '') {
      mounts.push({
        mountPath: normalized,
        directory: join(root, stringAt(mount, 'subPath') ?? ''),
      });
    }
  }
  return mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** The container's environment, or why an entry cannot be resolved. */
function environmentOf(
  container: JsonObject,
  options: LaunchOptions,
): Record<string, string> | string {
  const env: Record<string, string> = {};
  for (const entry of objectsAt(container, 'env')) {
    const name = stringAt(entry, 'name');
    if (name === undefined) continue;
    const value = stringAt(entry, 'value');
    const from = objectAt(entry, 'valueFrom');
    if (from === undefined) {
      env[name] = expandReferences(value ?? '', env);
      continue;
    }
    const fieldPath = stringAt(from, 'fieldRef', 'fieldPath');
    const resolved = fieldPath === undefined ? undefined : fieldValue(fieldPath, options);
    if (resolved === undefined) {
      return `env ${name}: the local runner resolves valueFrom.fieldRef of pod metadata, spec.nodeName, spec.serviceAccountName, status.podIP and status.hostIP only`;
    }
    env[name] = resolved;
  }
  return env;
}

function fieldValue(path: string, options: LaunchOptions): string | undefined {
  const keyed = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (keyed !== null)
    return stringAt(options.pod, 'metadata', keyed[1] ?? '', keyed[2] ?? '') ?? '';
  switch (path) {
    case 'metadata.name':
    case 'metadata.namespace':
    case 'metadata.uid':
      return stringAt(options.pod, 'metadata', path.slice('metadata.'.length)) ?? '';
    case 'spec.nodeName':
    case 'spec.serviceAccountName':
      return stringAt(options.pod, 'spec', path.slice('spec.'.length)) ?? '';
    case 'status.podIP':
      return options.podIP;
    case 'status.hostIP':
      return options.hostIP;
    default:
      return undefined;
  }
}

/** `$(NAME)` replaced by the value of NAME when defined, `$$` by `$`, as Kubernetes expands. */
export function expandReferences(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name?: string) => {
    if (match === '$$') return '$';
    return name !== undefined && name in env ? (env[name] ?? '') : match;
  });
}

function configError(message: string): Launch {
  return { kind: 'waiting', reason: 'CreateContainerConfigError', message };
}
