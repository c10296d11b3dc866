// @ts-check
/**
 * The layering of operator/src (docs/architecture.md, "Code map"), as ESLint rules: each
 * folder may import only what its layer allows. `npm run verify` runs them with the rest
 * of the lint, and test/layering.test.ts shows that a planted violation fails.
 *
 * Imports are relative, so a rule names the folders an import may not reach: a pattern
 * such as `**\/controllers/**` matches `../controllers/x.js` and `../../controllers/x.js`.
 */

/** Every top-level folder of operator/src. */
const FOLDERS = [
  'api',
  'runtime',
  'controllers',
  'gitops',
  'serving',
  'drift',
  'data',
  'manifests',
  'devcluster',
  'up',
  'cli',
];

/** The kinds' controller folders, which must not import one another. */
const CONTROLLERS = [
  'dataset',
  'training-job',
  'model-version',
  'inference-service',
  'drift-monitor',
];

/** What each folder may import of the project, besides itself. */
const ALLOWED = {
  api: [],
  runtime: ['api'],
  data: ['api'],
  drift: ['api', 'data'],
  serving: ['api', 'runtime', 'data', 'drift'],
  manifests: ['api'],
  controllers: ['api', 'runtime', 'data', 'drift', 'serving', 'manifests'],
  gitops: ['api', 'runtime', 'data', 'manifests'],
  devcluster: [],
  up: ['api', 'runtime', 'controllers', 'gitops', 'devcluster'],
  cli: FOLDERS,
};

/** Words `runtime/` may not say: it is kind-agnostic machinery. */
const FERRY_WORDS =
  /\b(ferry|Ferry|Dataset|TrainingJob|ModelVersion|InferenceService|DriftMonitor|ml\.ferry\.dev)\b/;

/**
 * @param {string} root the source root, such as `operator/src`
 * @returns {import('typescript-eslint').ConfigArray}
 */
export function layering(root) {
  /** @type {import('typescript-eslint').ConfigArray} */
  const configs = [];
  for (const folder of FOLDERS) {
    const forbidden = FOLDERS.filter(
      (other) =>
        other !== folder && !ALLOWED[/** @type {keyof typeof ALLOWED} */ (folder)].includes(other),
    );
    if (forbidden.length === 0) continue;
    configs.push({
      files: [`${root}/${folder}/**/*.ts`],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: forbidden.map((other) => `**/${other}/**`),
                message: `${folder}/ may import only ${describe(ALLOWED[/** @type {keyof typeof ALLOWED} */ (folder)])} of the project (docs/architecture.md, "Code map").`,
              },
              ...(folder === 'runtime'
                ? [
                    {
                      group: ['**/api/**'],
                      allowTypeImports: true,
                      message: 'runtime/ may import only types from api/.',
                    },
                  ]
                : []),
            ],
          },
        ],
      },
    });
  }
  for (const kind of CONTROLLERS) {
    configs.push({
      files: [`${root}/controllers/${kind}/**/*.ts`],
      rules: {
        '@typescript-eslint/no-restricted-imports': [
          'error',
          {
            patterns: [
              {
                group: [
                  ...FOLDERS.filter(
                    (other) => other !== 'controllers' && !ALLOWED.controllers.includes(other),
                  ).map((other) => `**/${other}/**`),
                  ...CONTROLLERS.filter((other) => other !== kind).map((other) => `**/${other}/**`),
                ],
                message:
                  'A controller imports no other controller; shared pieces live in controllers/*.ts (docs/architecture.md, "Code map").',
              },
            ],
          },
        ],
      },
    });
  }
  configs.push({
    files: [`${root}/runtime/**/*.ts`],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: `Literal[value=${String(FERRY_WORDS)}]`,
          message: 'runtime/ names no Ferry kind or product: take it as an option.',
        },
        {
          selector: `TemplateElement[value.raw=${String(FERRY_WORDS)}]`,
          message: 'runtime/ names no Ferry kind or product: take it as an option.',
        },
      ],
    },
  });
  return configs;
}

/** @param {readonly string[]} folders */
function describe(folders) {
  return folders.length === 0 ? 'itself' : folders.map((folder) => `${folder}/`).join(', ');
}
