/**
 * Reads the API's own OpenAPI document to find, for each operation that takes a JSON body, every place in that
 * body a string can go (nested objects, array items, record keys and values, arbitrary JSON), so a test can put
 * its own text there in an otherwise valid body. New routes and fields are found without touching the tests.
 */

export type JsonPath = Array<string | number>;

/** A place for a string: a value at `path`, or a new key of the object at `path`. */
export interface StringField {
  readonly kind: 'value' | 'key';
  readonly path: JsonPath;
}

export interface BodyOperation {
  /** `METHOD /path/{template}`, as in the document. */
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly schema: SchemaObject;
}

export interface SchemaObject {
  readonly $ref?: string;
  readonly type?: string | string[];
  readonly properties?: Record<string, SchemaObject>;
  readonly additionalProperties?: SchemaObject | boolean;
  readonly items?: SchemaObject;
  readonly anyOf?: SchemaObject[];
  readonly oneOf?: SchemaObject[];
  readonly allOf?: SchemaObject[];
}

export interface OpenApiDocument {
  readonly paths: Record<
    string,
    Record<string, { requestBody?: { content?: Record<string, { schema: SchemaObject }> } }>
  >;
  readonly components?: { readonly schemas?: Record<string, SchemaObject> };
}

export function bodyOperations(doc: OpenApiDocument): BodyOperation[] {
  return Object.entries(doc.paths).flatMap(([path, operations]) =>
    Object.entries(operations).flatMap(([method, operation]) => {
      const schema = operation.requestBody?.content?.['application/json']?.schema;
      return schema ? [{ name: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, schema }] : [];
    }),
  );
}

/** Nesting deeper than this in a schema is a cycle or a mistake; no request body here comes close. */
const MAX_DEPTH = 12;

/**
 * Every place a string can go in a body of `schema`, given a valid `baseline` body: objects and arrays the
 * baseline holds (the shape of records and arbitrary JSON comes from there), and every declared property.
 */
export function stringFields(doc: OpenApiDocument, schema: SchemaObject, baseline: unknown): StringField[] {
  const fields: StringField[] = [];
  const walk = (node: SchemaObject, value: unknown, path: JsonPath) => {
    if (path.length > MAX_DEPTH) throw new Error(`Schema nests deeper than ${MAX_DEPTH} at ${path.join('.')}`);
    const schemaNode = resolve(doc, node);
    const branches = [...(schemaNode.anyOf ?? []), ...(schemaNode.oneOf ?? []), ...(schemaNode.allOf ?? [])];
    if (branches.length) {
      if (branches.some((branch) => takesString(resolve(doc, branch)))) fields.push({ kind: 'value', path });
      for (const branch of branches.filter((b) => !takesString(resolve(doc, b)))) walk(branch, value, path);
      return;
    }
    if (takesString(schemaNode)) fields.push({ kind: 'value', path });
    if (isAnything(schemaNode)) {
      walkJson(value, path);
      return;
    }
    if (types(schemaNode).includes('array') && schemaNode.items) {
      walk(schemaNode.items, Array.isArray(value) ? value[0] : undefined, [...path, 0]);
    }
    if (types(schemaNode).includes('object') || schemaNode.properties) {
      const object = isObject(value) ? value : {};
      for (const [name, property] of Object.entries(schemaNode.properties ?? {})) {
        walk(property, object[name], [...path, name]);
      }
      const extra = schemaNode.additionalProperties;
      if (extra && typeof extra === 'object') {
        fields.push({ kind: 'key', path });
        const declared = new Set(Object.keys(schemaNode.properties ?? {}));
        for (const [key, element] of Object.entries(object).filter(([k]) => !declared.has(k))) {
          walk(extra, element, [...path, key]);
        }
      }
    }
  };
  // Arbitrary JSON (`{}`): its strings are wherever the baseline has values.
  const walkJson = (value: unknown, path: JsonPath) => {
    if (Array.isArray(value)) {
      value.forEach((element, index) => {
        fields.push({ kind: 'value', path: [...path, index] });
        walkJson(element, [...path, index]);
      });
    } else if (isObject(value)) {
      fields.push({ kind: 'key', path });
      for (const [key, element] of Object.entries(value)) {
        fields.push({ kind: 'value', path: [...path, key] });
        walkJson(element, [...path, key]);
      }
    }
  };
  walk(schema, baseline, []);
  return dedupe(fields);
}

/** A copy of `body` with `text` put in `field`; a new key takes a copy of the first existing entry's value. */
export function withText(body: unknown, field: StringField, text: string): unknown {
  const copy = structuredClone(body) ?? {};
  const container = field.kind === 'key' ? field.path : field.path.slice(0, -1);
  let target: unknown = copy;
  container.forEach((segment, index) => {
    const holder = target as Record<string | number, unknown>;
    if (holder[segment] === null || typeof holder[segment] !== 'object') {
      // The container is a prefix of the path, so the next segment says whether an array or an object goes here.
      holder[segment] = typeof field.path[index + 1] === 'number' ? [] : {};
    }
    target = holder[segment];
  });
  const holder = target as Record<string | number, unknown>;
  if (field.kind === 'key') {
    const first = Object.values(holder)[0];
    holder[text] = first === undefined ? 'probe' : structuredClone(first);
  } else {
    holder[field.path[field.path.length - 1] as string | number] = text;
  }
  return copy;
}

/** The string the baseline holds in `field`, if any, so text can be put around it as well as instead of it. */
export function baselineText(body: unknown, field: StringField): string | undefined {
  if (field.kind === 'key') return undefined;
  let value: unknown = body;
  for (const segment of field.path)
    value = isObject(value) || Array.isArray(value) ? value[segment as never] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** How a field error names the place (`body.domain.name`); for a key, the object that holds it. */
export function errorPath(field: StringField): string {
  return ['body', ...field.path].join('.');
}

function resolve(doc: OpenApiDocument, schema: SchemaObject): SchemaObject {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`Unresolved ${schema.$ref}`);
  return resolve(doc, target);
}

function types(schema: SchemaObject): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

function takesString(schema: SchemaObject): boolean {
  return types(schema).includes('string') || isAnything(schema);
}

function isAnything(schema: SchemaObject): boolean {
  return Object.keys(schema).every((key) => key === 'description' || key === 'example' || key === 'default');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function dedupe(fields: StringField[]): StringField[] {
  const seen = new Map(fields.map((field) => [`${field.kind} ${JSON.stringify(field.path)}`, field]));
  return [...seen.values()];
}
