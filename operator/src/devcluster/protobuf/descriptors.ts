/**
 * The real `k8s.io/api` protobuf message descriptions, read from the kubectl binary that
 * sends protobuf bodies. Every Go program built with Kubernetes' generated protobuf code
 * embeds each `generated.proto` as a gzip-compressed FileDescriptorProto (registered with
 * the Go protobuf runtime); those bytes are located by their gzip header and inflated,
 * so the field numbers and types are exactly the ones the client encodes with.
 *
 * The descriptors also keep the gogoproto options they were generated with. The one that
 * matters to a decoder is `(gogoproto.nullable) = false`: it marks a field Go holds by
 * value (always encoded, its zero value dropped by JSON's `omitempty`). A field without it
 * is a Go pointer, encoded only when set, so a zero value on the wire was set on purpose
 * (`replicas: 0`, `suspend: false`) and must survive. protobufjs drops unknown options
 * when it reads descriptors, so they are read again here with a schema that names it.
 */
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';

const GZIP_DEFLATE = Buffer.from([0x1f, 0x8b, 0x08]);
const GZIP_HEADER_BYTES = 10;
const PREFIX = 'k8s.io/';
/** gogoproto's `nullable` extension of FieldOptions. */
const GOGO_NULLABLE = 65001;
/** The option set on fields Go holds by value, as {@link byValue} reads it. */
export const BY_VALUE_OPTION = '(gogoproto.nullable)';

/** Just enough of descriptor.proto to read each field's `(gogoproto.nullable)`. */
const optionsSchema = protobuf.Root.fromJSON({
  nested: {
    File: {
      fields: {
        package: { id: 2, type: 'string' },
        messageType: { id: 4, type: 'Message', rule: 'repeated' },
      },
    },
    Message: {
      fields: {
        name: { id: 1, type: 'string' },
        field: { id: 2, type: 'Field', rule: 'repeated' },
        nestedType: { id: 3, type: 'Message', rule: 'repeated' },
      },
    },
    Field: {
      fields: { name: { id: 1, type: 'string' }, options: { id: 8, type: 'Options' } },
    },
    Options: { fields: { nullable: { id: GOGO_NULLABLE, type: 'bool' } } },
  },
}).lookupType('File');

interface OptionsMessage {
  name?: string;
  field?: { name?: string; options?: { nullable?: boolean } }[];
  nestedType?: OptionsMessage[];
}

/** `.package.Message.field` of every field marked `(gogoproto.nullable) = false`. */
function byValueFields(inflated: Uint8Array): string[] {
  const file = optionsSchema.decode(inflated) as unknown as {
    package?: string;
    messageType?: OptionsMessage[];
  };
  const names: string[] = [];
  const visit = (message: OptionsMessage, scope: string): void => {
    const fullName = `${scope}.${message.name ?? ''}`;
    for (const field of message.field ?? []) {
      const options = field.options ?? {};
      // Decoded messages carry defaults on their prototype: only an own value was encoded.
      if (Object.hasOwn(options, 'nullable') && options.nullable === false)
        names.push(`${fullName}.${field.name ?? ''}`);
    }
    for (const nested of message.nestedType ?? []) visit(nested, fullName);
  };
  for (const message of file.messageType ?? []) visit(message, `.${file.package ?? ''}`);
  return names;
}

/** One embedded `generated.proto`: its descriptor and its fields held by value. */
export interface EmbeddedFile {
  descriptor: descriptor.IFileDescriptorProto;
  byValue: string[];
}

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

function fileDescriptorAt(binary: Buffer, at: number): EmbeddedFile | undefined {
  try {
    const inflated = inflateRawSync(binary.subarray(at + GZIP_HEADER_BYTES), { finishFlush: 2 });
    const file = descriptor.FileDescriptorProto.decode(
      inflated,
    ) as unknown as descriptor.IFileDescriptorProto;
    if (typeof file.name !== 'string' || !file.name.startsWith(PREFIX)) return undefined;
    return { descriptor: file, byValue: byValueFields(inflated) };
  } catch {
    return undefined;
  }
}

/** Every Kubernetes FileDescriptorProto embedded in `binary`, first copy of each name. */
export function embeddedDescriptors(binary: Buffer): EmbeddedFile[] {
  const files = new Map<string, EmbeddedFile>();
  for (let at = binary.indexOf(GZIP_DEFLATE); at >= 0; at = binary.indexOf(GZIP_DEFLATE, at + 1)) {
    const file = fileDescriptorAt(binary, at);
    const name = file?.descriptor.name;
    if (file !== undefined && typeof name === 'string' && !files.has(name)) files.set(name, file);
  }
  return [...files.values()];
}

/** Whether Go holds `field` by value (so its zero value is omitted, not set). */
export function byValue(field: protobuf.Field): boolean {
  return (field.options as Record<string, unknown> | undefined)?.[BY_VALUE_OPTION] === false;
}

/** What `protobufjs/ext/descriptor` adds to Root at run time (its typings omit it). */
const fromDescriptor = (
  protobuf.Root as unknown as {
    fromDescriptor: (set: descriptor.IFileDescriptorSet) => protobuf.Root;
  }
).fromDescriptor;

/** A Root of `files`, each field held by value carrying {@link BY_VALUE_OPTION}. */
function rootOf(files: EmbeddedFile[]): protobuf.Root {
  const root = fromDescriptor({ file: files.map((file) => file.descriptor) });
  for (const file of files) {
    for (const name of file.byValue) {
      const dot = name.lastIndexOf('.');
      const type = root.lookup(name.slice(0, dot));
      const field = type instanceof protobuf.Type ? type.fields[name.slice(dot + 1)] : undefined;
      field?.setOption(BY_VALUE_OPTION, false);
    }
  }
  return root;
}

let loaded: protobuf.Root | null | undefined;

/**
 * The Kubernetes protobuf types from the kubectl on PATH, loaded once per process; null
 * when there is no kubectl or it embeds no Kubernetes descriptors.
 */
export function kubernetesTypes(): protobuf.Root | null {
  if (loaded !== undefined) return loaded;
  const path = kubectlOnPath();
  const files = path === undefined ? [] : embeddedDescriptors(readFileSync(path));
  const root = files.length === 0 ? null : rootOf(files);
  loaded = root;
  return root;
}
