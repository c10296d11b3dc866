/**
 * Per-container log files, in the layout and line format kubelet and the CRI use:
 * `<stateDir>/pods/<namespace>_<pod>_<uid>/<container>/<run>.log`, where `<run>` is the
 * container's restartCount when that run started, and each line is
 * `<RFC 3339 time> <stdout|stderr> <F|P> <text>` (P marks a line split because it grew
 * past 16 KiB). `kubectl logs` reads them back through the runner's log endpoint.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_LINE_BYTES = 16 * 1024;

export type Stream = 'stdout' | 'stderr';

/** The directory of one pod's containers under the state dir. */
export function podDirectory(
  stateDir: string,
  pod: { namespace: string; name: string; uid: string },
): string {
  return join(stateDir, 'pods', `${pod.namespace}_${pod.name}_${pod.uid}`);
}

export function runLogFile(containerDirectory: string, run: number): string {
  return join(containerDirectory, `${run}.log`);
}

/** Appends one run's output to its log file, line by line. */
export class RunLogWriter {
  private readonly file: WriteStream;
  private readonly partial: Record<Stream, string> = { stdout: '', stderr: '' };
  private readonly closed: Promise<void>;

  constructor(path: string, onError: (error: Error) => void) {
    this.file = createWriteStream(path, { flags: 'a' });
    this.file.on('error', onError);
    this.closed = new Promise((resolve) =>
      this.file.on('close', () => {
        resolve();
      }),
    );
  }

  write(stream: Stream, chunk: Buffer): void {
    let text = this.partial[stream] + chunk.toString('utf8');
    let end: number;
    while ((end = text.indexOf('\n')) !== -1) {
      this.line(stream, 'F', text.slice(0, end));
      text = text.slice(end + 1);
    }
    while (Buffer.byteLength(text) > MAX_LINE_BYTES) {
      this.line(stream, 'P', text.slice(0, MAX_LINE_BYTES));
      text = text.slice(MAX_LINE_BYTES);
    }
    this.partial[stream] = text;
  }

  /** Writes what is left of unterminated lines and closes the file. */
  async end(): Promise<void> {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.line(stream, 'F', this.partial[stream]);
      this.partial[stream] = '';
    }
    this.file.end();
    await this.closed;
  }

  private line(stream: Stream, tag: 'F' | 'P', text: string): void {
    this.file.write(`${new Date().toISOString()} ${stream} ${tag} ${text}\n`);
  }
}

/** The runs whose logs are kept for a container, oldest first. */
export async function runsOf(containerDirectory: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir(containerDirectory);
  } catch {
    return [];
  }
  return entries
    .map((entry) => /^(\d+)\.log$/.exec(entry)?.[1])
    .filter((run): run is string => run !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export interface LogLine {
  time: string;
  /** The text as the program wrote it, with the newline when the line was complete. */
  text: string;
}

/** Parses CRI log lines; `from` is a byte offset, and the offset after the last whole line comes back. */
export function parseLogLines(content: Buffer, from = 0): { lines: LogLine[]; next: number } {
  const lines: LogLine[] = [];
  let offset = from;
  for (;;) {
    const end = content.indexOf(0x0a, offset);
    if (end === -1) break;
    const line = content.subarray(offset, end).toString('utf8');
    offset = end + 1;
    const match = /^(\S+) (?:stdout|stderr) ([FP]) (.*)$/s.exec(line);
    if (match === null) continue;
    lines.push({ time: match[1] ?? '', text: `${match[3] ?? ''}${match[2] === 'F' ? '\n' : ''}` });
  }
  return { lines, next: offset };
}

/** The last `count` lines of a run's output (a split line counts as one), for messages. */
export async function lastLines(path: string, count: number, maxBytes: number): Promise<string> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch {
    return '';
  }
  const text = parseLogLines(content)
    .lines.map((line) => line.text)
    .join('');
  const kept = text.replace(/\n$/, '').split('\n').slice(-count).join('\n');
  const bytes = Buffer.from(kept, 'utf8');
  return bytes.length <= maxBytes ? kept : bytes.subarray(bytes.length - maxBytes).toString('utf8');
}
