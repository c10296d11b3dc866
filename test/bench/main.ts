/**
 * `npm run bench <name>...` runs test/bench/<name>.ts for each name (all of them when none
 * is given). Each benchmark prints its figures and ratios against a baseline it measures in
 * the same run, so results compare across noisy shared machines.
 */
import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';

const directory = import.meta.dirname;
const available = (await readdir(directory))
  .filter((file) => file.endsWith('.ts') && file !== 'main.ts' && !file.endsWith('.test.ts'))
  .map((file) => basename(file, '.ts'))
  .sort();

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ') || 'none'}`,
  );
  process.exit(2);
}
for (const name of requested.length > 0 ? requested : available) {
  console.log(`# bench ${name}`);
  const module = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  await module.run();
}
