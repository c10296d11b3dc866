/**
 * The layering rules of `eslint.layering.js` (docs/architecture.md, "Code map") fail a
 * planted violation in each layer, and pass the imports each layer is allowed.
 */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/** The rules as the project's ESLint config builds them (a plain JavaScript module). */
const { layering } = (await import(new URL('../eslint.layering.js', import.meta.url).href)) as {
  layering: (root: string) => object[];
};

const eslint = new ESLint({
  cwd: new URL('..', import.meta.url).pathname,
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser },
      plugins: { '@typescript-eslint': tseslint.plugin },
    },
    ...layering('operator/src'),
  ],
});

async function messages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((message) => message.message);
}

describe('layering', () => {
  it.each([
    [
      'api/ importing runtime/',
      'operator/src/api/x.ts',
      "import { a } from '../runtime/clock.js';",
    ],
    [
      'runtime/ importing a controller',
      'operator/src/runtime/x.ts',
      "import { a } from '../controllers/owner.js';",
    ],
    [
      'runtime/ importing api/ values',
      'operator/src/runtime/x.ts',
      "import { GROUP } from '../api/group.js';",
    ],
    ['runtime/ naming a kind', 'operator/src/runtime/x.ts', "export const kind = 'ModelVersion';"],
    [
      'runtime/ naming the product',
      'operator/src/runtime/x.ts',
      'export const manager = `ferry-operator`;',
    ],
    [
      'one controller importing another',
      'operator/src/controllers/inference-service/x.ts',
      "import { a } from '../model-version/plan.js';",
    ],
    [
      'serving/ importing a controller',
      'operator/src/serving/x.ts',
      "import { a } from '../controllers/owner.js';",
    ],
    [
      'drift/ importing a controller',
      'operator/src/drift/x.ts',
      "import { a } from '../controllers/owner.js';",
    ],
    [
      'gitops/ importing a controller',
      'operator/src/gitops/x.ts',
      "import { a } from '../controllers/owner.js';",
    ],
    [
      'devcluster/ importing api/',
      'operator/src/devcluster/runner/x.ts',
      "import { a } from '../../api/group.js';",
    ],
  ])('fails %s', async (_, file, code) => {
    expect(await messages(file, code)).not.toEqual([]);
  });

  it.each([
    [
      'runtime/ importing api/ types',
      'operator/src/runtime/x.ts',
      "import type { Condition } from '../api/common.js';",
    ],
    [
      'a controller importing a shared piece',
      'operator/src/controllers/inference-service/x.ts',
      "import { a } from '../validation.js';",
    ],
    [
      'gitops/ importing manifests/',
      'operator/src/gitops/x.ts',
      "import { a } from '../manifests/validate.js';",
    ],
    [
      'cli/ importing anything',
      'operator/src/cli/x.ts',
      "import { a } from '../devcluster/server.js';",
    ],
    [
      'devcluster/ importing itself',
      'operator/src/devcluster/runner/x.ts',
      "import { a } from '../core/json.js';",
    ],
  ])('passes %s', async (_, file, code) => {
    expect(await messages(file, code)).toEqual([]);
  });
});
