/**
 * GitHub's official OpenAPI description (@octokit/openapi) as a validator: which
 * operation a request addresses, and whether a request body or a response body matches
 * that operation's schemas. Every exchange with the GitHub stand-in goes through it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const require = createRequire(import.meta.url);
const SPEC_FILE = require.resolve('@octokit/openapi/generated/api.github.com.json');

interface Operation {
  template: string;
  method: string;
  operationId: string;
  params: Record<string, string>;
}

interface Spec {
  paths: Record<string, Record<string, OperationObject>>;
  components: {
    responses: Record<string, ResponseObject>;
    examples: Record<string, { value: unknown }>;
  };
}
interface OperationObject {
  operationId: string;
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, ResponseObject | { $ref: string }>;
}
interface ResponseObject {
  content?: Record<string, { examples?: Record<string, { $ref?: string; value?: unknown }> }>;
}

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export class GitHubOpenApi {
  private readonly spec: Spec;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly templates: {
    template: string;
    method: string;
    pattern: RegExp;
    names: string[];
  }[] = [];

  constructor() {
    this.spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as Spec;
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
    addFormats(this.ajv);
    this.ajv.addSchema(this.spec, 'github');
    for (const [template, methods] of Object.entries(this.spec.paths)) {
      const names: string[] = [];
      const source = template.replace(/\{([^}]+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      for (const method of Object.keys(methods))
        this.templates.push({ template, method, pattern: new RegExp(`^${source}$`), names });
    }
  }

  /** The operation `method pathname` addresses, with its decoded path parameters. */
  operation(method: string, pathname: string): Operation | undefined {
    const lower = method.toLowerCase();
    for (const candidate of this.templates) {
      if (candidate.method !== lower) continue;
      const match = candidate.pattern.exec(pathname);
      if (match === null) continue;
      const params = Object.fromEntries(
        candidate.names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]),
      );
      const operationId = this.spec.paths[candidate.template]?.[lower]?.operationId ?? '';
      return { template: candidate.template, method: lower, operationId, params };
    }
    return undefined;
  }

  private validator(pointer: string): ValidateFunction {
    let validate = this.validators.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: `github#${pointer}` });
      this.validators.set(pointer, validate);
    }
    return validate;
  }

  private check(pointer: string, value: unknown): string[] {
    const validate = this.validator(pointer);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${error.instancePath || '/'} ${error.message ?? 'is invalid'} ${JSON.stringify(error.params)}`,
    );
  }

  /** Problems of `value` against the component schema `name`. */
  checkSchema(name: string, value: unknown): string[] {
    return this.check(`/components/schemas/${escapePointer(name)}`, value);
  }

  /** Problems of a JSON request body; an operation without a body takes none. */
  checkRequest(operation: Operation, body: unknown): string[] {
    const spec = this.spec.paths[operation.template]?.[operation.method];
    if (spec?.requestBody === undefined)
      return body === undefined ? [] : ['the operation takes no request body'];
    const pointer = `/paths/${escapePointer(operation.template)}/${operation.method}/requestBody/content/application~1json/schema`;
    return this.check(pointer, body);
  }

  private responsePointer(operation: Operation, status: number): string | undefined {
    const responses = this.spec.paths[operation.template]?.[operation.method]?.responses ?? {};
    const response = responses[String(status)];
    if (response === undefined) return undefined;
    const base =
      '$ref' in response
        ? `/components/responses/${escapePointer(response.$ref.replace('#/components/responses/', ''))}`
        : `/paths/${escapePointer(operation.template)}/${operation.method}/responses/${status}`;
    return base;
  }

  /** Problems of a response: an undocumented status, or a body its schema refuses. */
  checkResponse(operation: Operation, status: number, body: unknown): string[] {
    const base = this.responsePointer(operation, status);
    if (base === undefined)
      return [`status ${status} is not documented for ${operation.operationId}`];
    if (body === undefined) return [];
    return this.check(`${base}/content/application~1json/schema`, body);
  }

  /** The documented example response of `method path` with `status`. */
  exampleOf(method: string, path: string, status: number): unknown {
    const operation = this.operation(method, path);
    if (operation === undefined) throw new Error(`${method} ${path} is not an operation`);
    return this.example(operation, status);
  }

  /** The documented example response body of an operation, as a template to fill in. */
  example(operation: Operation, status: number): unknown {
    const base = this.responsePointer(operation, status);
    if (base === undefined) throw new Error(`no ${status} response for ${operation.operationId}`);
    let node: unknown = this.spec;
    for (const segment of base.split('/').slice(1))
      node = (node as Record<string, unknown>)[segment.replaceAll('~1', '/').replaceAll('~0', '~')];
    const examples = (node as ResponseObject).content?.['application/json']?.examples ?? {};
    const [first] = Object.values(examples);
    if (first?.$ref !== undefined) {
      const name = first.$ref.replace('#/components/examples/', '');
      return structuredClone(this.spec.components.examples[name]?.value);
    }
    return structuredClone(first?.value);
  }
}
