import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Logger } from 'pino';
import { ValidationError } from '../errors.js';

// ajv-formats is CommonJS with a `default` property; under NodeNext the default import is the module.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? (addFormatsModule as unknown as FormatsPlugin);

const AJV_OPTIONS: Options = {
  strict: false,
  allErrors: true,
  // Upstream schemas are not ours: two tools may share an `$id`, which must not collide in the instance.
  addUsedSchema: false,
  logger: false,
};

/** At most this many schema violations are named in one error message. */
const MAX_REPORTED = 10;

/** Distinct schema texts kept compiled; beyond this the least recently used is dropped. */
const MAX_BY_TEXT = 2_000;

/**
 * Validates tool arguments against the tool's `inputSchema` with ajv, before the upstream sees
 * them. Each schema is compiled once: looked up by object first (tool lists are replaced, not
 * mutated), then by its JSON text, because every restart of a server brings the same schemas as
 * new objects. Draft 2020-12 is the default dialect (MCP's), draft-07 (what most SDKs still emit) is used when the schema says so or when it is invalid as 2020-12. A schema that
 * compiles in neither is logged once and not enforced: a server's sloppy schema must not make its
 * tools uncallable, and the upstream still validates on its side.
 */
export class ArgumentValidator {
  private readonly byObject = new WeakMap<object, ValidateFunction | false>();
  private readonly byText = new Map<string, ValidateFunction | false>();
  private draft2020: Ajv2020 | undefined;
  private draft07: Ajv | undefined;

  constructor(private readonly logger: Logger) {}

  /** Throws `ValidationError` naming every offending field (`arguments.a: must be number`). */
  validate(mcpServerId: string, tool: Pick<Tool, 'name' | 'inputSchema'>, args: Record<string, unknown>): void {
    const validate = this.compile(mcpServerId, tool);
    if (validate === false || validate(args)) return;
    const errors = validate.errors ?? [];
    const messages = errors.slice(0, MAX_REPORTED).map(describe);
    if (errors.length > MAX_REPORTED) messages.push(`and ${errors.length - MAX_REPORTED} more`);
    throw new ValidationError(messages.join('; ') || 'arguments: do not match the tool input schema');
  }

  private compile(mcpServerId: string, tool: Pick<Tool, 'name' | 'inputSchema'>): ValidateFunction | false {
    const schema: unknown = tool.inputSchema;
    if (typeof schema !== 'object' || schema === null) return false;
    const known = this.byObject.get(schema);
    if (known !== undefined) return known;
    const text = JSON.stringify(schema);
    let result = this.byText.get(text);
    if (result !== undefined) {
      this.byText.delete(text); // re-inserted below as the most recently used
    } else {
      result = this.compileNew(mcpServerId, tool.name, schema as Record<string, unknown>);
      if (this.byText.size >= MAX_BY_TEXT) this.byText.delete(this.byText.keys().next().value!);
    }
    this.byText.set(text, result);
    this.byObject.set(schema, result);
    return result;
  }

  private compileNew(mcpServerId: string, toolName: string, schema: Record<string, unknown>): ValidateFunction | false {
    const { $schema: dialect, ...body } = schema;
    const wants07 = typeof dialect === 'string' && /draft-0[467]/.test(dialect);
    const instances = wants07 ? [this.ajv07(), this.ajv2020()] : [this.ajv2020(), this.ajv07()];
    let result: ValidateFunction | false = false;
    let failure: unknown;
    for (const ajv of instances) {
      try {
        // `$schema` is dropped: the instance is the dialect, and an unknown meta-schema URI would not compile.
        result = ajv.compile(body);
        // ajv would keep every compiled schema object forever; the bounded caches above are ours.
        ajv.removeSchema(body);
        break;
      } catch (error) {
        failure ??= error;
      }
    }
    if (result === false) {
      this.logger.warn(
        { mcp_server_id: mcpServerId, tool: toolName, err: failure },
        `input schema of tool '${toolName}' does not compile; its arguments are passed on unvalidated`,
      );
    }
    return result;
  }

  private ajv2020(): Ajv2020 {
    this.draft2020 ??= withFormats(new Ajv2020(AJV_OPTIONS));
    return this.draft2020;
  }

  private ajv07(): Ajv {
    this.draft07 ??= withFormats(new Ajv(AJV_OPTIONS));
    return this.draft07;
  }
}

function withFormats<T extends Ajv | Ajv2020>(ajv: T): T {
  addFormats(ajv);
  return ajv;
}

/** `arguments.items[0].name: must be string`. */
function describe(error: ErrorObject): string {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as { missingProperty?: unknown; additionalProperty?: unknown };
  if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    return `${fieldPath([...segments, params.missingProperty])}: is required`;
  }
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    return `${fieldPath([...segments, params.additionalProperty])}: is not allowed`;
  }
  return `${fieldPath(segments)}: ${error.message ?? `fails ${error.keyword}`}`;
}

function fieldPath(segments: readonly string[]): string {
  return segments.reduce((path, segment) => {
    if (/^(0|[1-9]\d*)$/.test(segment)) return `${path}[${segment}]`;
    if (/^[A-Za-z_$][\w$-]*$/.test(segment)) return `${path}.${segment}`;
    return `${path}[${JSON.stringify(segment)}]`;
  }, 'arguments');
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}
