/**
 * The PersistentVolumeClaims `ferry up` provides: each claim NAME is the directory
 * `<state>/claims/NAME`, shared by the operator (which reads data and artifacts there) and
 * the local runner (which mounts it into pods). On first start two claims are seeded from
 * the folder: `ferry-data` with a copy of its `data/`, and `ferry-models` with a copy of
 * its `models/`, so `pvc://ferry-data/iris.csv` and `pvc://ferry-models/v1/model.onnx`
 * name the folder's `data/iris.csv` and `models/v1/model.onnx`. Later runs keep what the
 * claims hold (trained models included); the folder is only read.
 */
import { cp, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Claim name → the folder of the repository that seeds it. */
export const SEEDED_CLAIMS: Readonly<Record<string, string>> = {
  'ferry-data': 'data',
  'ferry-models': 'models',
};

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/** Seeds the claims that do not exist yet, and returns claim name → directory for all of them. */
export async function seedClaims(
  folder: string,
  stateDir: string,
): Promise<Record<string, string>> {
  const claims: Record<string, string> = {};
  for (const [claim, source] of Object.entries(SEEDED_CLAIMS)) {
    const directory = join(stateDir, 'claims', claim);
    claims[claim] = directory;
    if (await isDirectory(directory)) continue;
    if (await isDirectory(join(folder, source)))
      await cp(join(folder, source), directory, { recursive: true });
    else await mkdir(directory, { recursive: true });
  }
  return claims;
}
