/**
 * `npm run bench <name>...` runs test/bench/<name>.ts for each name, `npm run bench all`
 * runs every one; with no name or `--help` it lists them and what each measures (the first
 * paragraph of each file's doc comment). Each benchmark prints its figures and ratios
 * against a baseline it measures in the same run, so results compare across noisy shared
 * machines.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

const directory = import.meta.dirname;
const available = (await readdir(directory))
  .filter((file) => file.endsWith('.ts') && file !== 'main.ts' && !file.endsWith('.test.ts'))
  .map((file) => basename(file, '.ts'))
  .sort();

/** The first paragraph of a file's leading doc comment, without a "`npm run bench x`:" lead. */
function summary(text: string): string[] {
  const comment = /^\/\*\*([\s\S]*?)\*\//.exec(text)?.[1] ?? '';
  const lines = comment.split('\n').map((line) => line.replace(/^\s*\* ?/, '').trimEnd());
  const start = lines.findIndex((line) => line !== '');
  const end = lines.findIndex((line, index) => index > start && line === '');
  const paragraph = lines.slice(start, end === -1 ? undefined : end);
  if (paragraph[0] !== undefined)
    paragraph[0] = paragraph[0].replace(/^`npm run bench [^`]*`(?: \([^)]*\))?:\s*/, '');
  return paragraph.filter((line) => line !== '');
}

const requested = process.argv.slice(2);
if (requested.length === 0 || requested.includes('--help') || requested.includes('-h')) {
  console.log('Usage: npm run bench <name>... | all\n\nBenchmarks:');
  const width = Math.max(...available.map((name) => name.length));
  for (const name of available) {
    const text = await readFile(join(directory, `${name}.ts`), 'utf8');
    const [first = '', ...rest] = summary(text);
    console.log(`  ${name.padEnd(width)}  ${first}`);
    for (const line of rest) console.log(`  ${' '.repeat(width)}  ${line}`);
  }
  process.exit(0);
}
const names = requested.includes('all') ? available : requested;
const unknown = names.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ') || 'none'}`,
  );
  process.exit(2);
}
for (const name of names) {
  console.log(`# bench ${name}`);
  const module = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  await module.run();
}
