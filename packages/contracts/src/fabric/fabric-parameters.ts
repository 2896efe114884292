/**
 * Turning string arguments into a Fabric transaction's typed parameters, as
 * fabric-shim's DataMarshall does with fabric-contract-api's JSON serializer
 * (lib/contract-spi/datamarshall.js, handleParameters; jsontransactionserializer.js,
 * fromBuffer): the count must match the declared parameters; a string stays
 * a string; a number is `Number(text)` and must not be NaN; a boolean is
 * "true" or "false" (any case, trimmed); a type registered with `@Object()`
 * is parsed JSON given that class's prototype; an array is parsed JSON with
 * each item converted by its item schema; anything else is parsed JSON (a
 * `{"type":"Buffer"}` object becomes a Buffer), or the text itself when it
 * is not JSON.
 *
 * fabric-shim then validates each value against the full JSON schema with
 * ajv; we check the types above and the shape of arrays and objects only.
 */
import { PARAMETER_SCHEMA_DEPTH_MAX } from '../constants.js';
import { ContractError } from '../errors.js';
import type { ParameterMetadata } from '../chaincode-metadata.js';

/** A schema fragment as Fabric's metadata holds it. */
type Schema = Readonly<Record<string, unknown>>;
/** Types registered with `@Object()`, by name; `cnstr` is the class. */
export type ObjectSchemas = Readonly<Record<string, Schema & { readonly cnstr?: unknown }>>;

const REF_PREFIX = '#/components/schemas/';

function argumentInvalid(parameter: string, reason: string): ContractError {
  return new ContractError('ARGUMENT_INVALID', `parameter "${parameter}": ${reason}`, { parameter });
}

function parseJson(parameter: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw argumentInvalid(parameter, 'is not JSON');
  }
}

function decodeValue(parameter: string, text: string, schema: Schema, objects: ObjectSchemas, depth: number): unknown {
  // Item schemas nest no deeper than the declared types do; a cycle is a broken schema.
  if (depth > PARAMETER_SCHEMA_DEPTH_MAX) throw argumentInvalid(parameter, 'its schema nests too deeply');
  let effective = schema;
  let cnstr: unknown;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const name = ref.startsWith(REF_PREFIX) ? ref.slice(REF_PREFIX.length) : ref;
    const target = Object.hasOwn(objects, name) ? objects[name] : undefined;
    if (!target) throw argumentInvalid(parameter, `its type ${name} is not registered with @Object()`);
    effective = { ...target, type: 'object' };
    cnstr = target.cnstr;
  }
  switch (effective['type']) {
    case 'string':
      return text;
    case 'number': {
      const n = Number(text);
      if (Number.isNaN(n)) throw argumentInvalid(parameter, `"${text}" is not a number`);
      return n;
    }
    case 'boolean': {
      const b = text.trim().toLowerCase();
      if (b !== 'true' && b !== 'false') throw argumentInvalid(parameter, `"${text}" is not a boolean`);
      return b === 'true';
    }
    case 'array': {
      const parsed = parseJson(parameter, text);
      if (!Array.isArray(parsed)) throw argumentInvalid(parameter, 'is not a JSON array');
      const items = (effective['items'] ?? {}) as Schema;
      return parsed.map((item: unknown) => decodeValue(parameter, JSON.stringify(item), items, objects, depth + 1));
    }
    case 'object':
      if (typeof cnstr === 'function') {
        const parsed = parseJson(parameter, text);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw argumentInvalid(parameter, 'is not a JSON object');
        // class-transformer's plainToClass: a new instance of the class, the JSON's fields copied onto it.
        return Object.assign(new (cnstr as new () => object)(), parsed);
      }
      break;
    default:
      break;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    const buffer = parsed as { type?: unknown; data?: unknown } | null;
    if (buffer !== null && typeof buffer === 'object' && buffer.type === 'Buffer' && Array.isArray(buffer.data)) {
      return Buffer.from(buffer.data as number[]);
    }
    return parsed;
  } catch {
    return text;
  }
}

/**
 * The typed parameters for `args`, or the arguments as they are when the
 * function declared none (fabric-shim's rule for functions it only
 * introspected and that take nothing but `ctx`).
 * @throws ContractError ARGUMENT_COUNT_MISMATCH, ARGUMENT_INVALID
 */
export function decodeFabricParameters(
  where: { contract: string; fcn: string }, parameters: readonly ParameterMetadata[] | undefined, args: readonly string[], objects: ObjectSchemas,
): unknown[] {
  if (!parameters) return [...args];
  if (parameters.length !== args.length) {
    throw new ContractError('ARGUMENT_COUNT_MISMATCH',
      `function "${where.fcn}" of contract "${where.contract}" takes ${parameters.length} argument${parameters.length === 1 ? '' : 's'}, ${args.length} given`,
      { ...where, expected: parameters.length, actual: args.length });
  }
  return parameters.map((p, i) => {
    if (typeof p.schema['type'] !== 'string' && typeof p.schema['$ref'] !== 'string') {
      throw argumentInvalid(p.name, `its schema ${JSON.stringify(p.schema)} has no type`);
    }
    return decodeValue(p.name, args[i]!, p.schema, objects, 0);
  });
}
