/**
 * The real `k8s.io/api` protobuf message descriptions, read from the kubectl binary that
 * sends protobuf bodies. Every Go program built with Kubernetes' generated protobuf code
 * embeds each `generated.proto` as a gzip-compressed FileDescriptorProto (registered with
 * the Go protobuf runtime); those bytes are located by their gzip header and inflated,
 * so the field numbers and types are exactly the ones the client encodes with.
 */
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

const GZIP_DEFLATE = Buffer.from([0x1f, 0x8b, 0x08]);
const GZIP_HEADER_BYTES = 10;
const PREFIX = 'k8s.io/';

/** The first executable named `kubectl` on PATH, with symbolic links resolved. */
function kubectlOnPath(): string | undefined {
  for (const directory of (process.env['PATH'] ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return realpathSync(candidate);
    } catch {
      continue;
    }
  }
  return undefined;
}

function fileDescriptorAt(binary: Buffer, at: number): descriptor.IFileDescriptorProto | undefined {
  try {
    const inflated = inflateRawSync(binary.subarray(at + GZIP_HEADER_BYTES), { finishFlush: 2 });
    const file = descriptor.FileDescriptorProto.decode(
      inflated,
    ) as unknown as descriptor.IFileDescriptorProto;
    return typeof file.name === 'string' && file.name.startsWith(PREFIX) ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Every Kubernetes FileDescriptorProto embedded in `binary`, first copy of each name. */
export function embeddedDescriptors(binary: Buffer): descriptor.IFileDescriptorProto[] {
  const files = new Map<string, descriptor.IFileDescriptorProto>();
  for (let at = binary.indexOf(GZIP_DEFLATE); at >= 0; at = binary.indexOf(GZIP_DEFLATE, at + 1)) {
    const file = fileDescriptorAt(binary, at);
    if (typeof file?.name === 'string' && !files.has(file.name)) files.set(file.name, file);
  }
  return [...files.values()];
}

/** What `protobufjs/ext/descriptor` adds to Root at run time (its typings omit it). */
const fromDescriptor = (
  protobuf.Root as unknown as {
    fromDescriptor: (set: descriptor.IFileDescriptorSet) => protobuf.Root;
  }
).fromDescriptor;

let loaded: protobuf.Root | null | undefined;

/**
 * The Kubernetes protobuf types from the kubectl on PATH, loaded once per process; null
 * when there is no kubectl or it embeds no Kubernetes descriptors.
 */
export function kubernetesTypes(): protobuf.Root | null {
  if (loaded !== undefined) return loaded;
  const path = kubectlOnPath();
  const files = path === undefined ? [] : embeddedDescriptors(readFileSync(path));
  const root = files.length === 0 ? null : fromDescriptor({ file: files });
  loaded = root;
  return root;
}
