/**
 * The values of EIP-712 typed data that can carry text, found by the types that are signed with it: `string`
 * members as text, `bytes` and `bytesN` members by the bytes they hold (a `bytes32` "hash" may be a short string
 * in disguise), through structs and arrays. Numbers, addresses and booleans are the typed data's structure: a nonce,
 * a deadline, a Unix timestamp in milliseconds or a chain id written as decimal text may look like a personnummer
 * (`199001011239`) and is never read as text. Members the types do not declare are not signed and not read.
 */
import { hexDigitsOf, hexPairsOf } from './hex-digits.ts';

export interface TypedField {
  readonly name: string;
  readonly type: string;
}

export type TypedDataTypes = Readonly<Record<string, readonly TypedField[]>>;

/** One value that can carry text, at its path (`message.terms.receiptHash`): text, or bytes as hex digit pairs. */
export type TypedValue =
  | { readonly path: string; readonly text: string }
  | { readonly path: string; readonly hex: Uint16Array };

/** EIP-712's domain members and their types. */
const DOMAIN_FIELDS: readonly TypedField[] = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
  { name: 'salt', type: 'bytes32' },
];

/** Structs deeper than this are not walked further (EIP-712 structs are a few levels deep). */
const MAX_DEPTH = 16;
const ARRAY = /^(.+)\[(\d*)\]$/;
const FIXED_BYTES = /^bytes(?:[1-9]|[12]\d|3[0-2])$/;

/** The text-carrying values of the domain and of the message of type `primaryType`. */
export function typedDataValues(
  domain: Readonly<Record<string, unknown>>,
  message: Readonly<Record<string, unknown>>,
  types: TypedDataTypes,
  primaryType: string,
): TypedValue[] {
  const out: TypedValue[] = [];
  walkStruct(DOMAIN_FIELDS, domain, 'domain', types, 0, out);
  const fields = types[primaryType];
  if (fields) walkStruct(fields, message, 'message', types, 0, out);
  return out;
}

/**
 * The primary type of `types`, as EIP-712 defines it: the one struct no other struct refers to (ethers'
 * TypedDataEncoder checks that there is exactly one before anything is signed); undefined when there is not one.
 */
export function primaryTypeOf(types: TypedDataTypes): string | undefined {
  const names = Object.keys(types).filter((name) => name !== 'EIP712Domain');
  const referenced = new Set<string>();
  for (const name of names) {
    for (const field of types[name] ?? []) referenced.add(baseType(field.type));
  }
  const roots = names.filter((name) => !referenced.has(name));
  return roots.length === 1 ? roots[0] : undefined;
}

function walkStruct(
  fields: readonly TypedField[],
  value: unknown,
  path: string,
  types: TypedDataTypes,
  depth: number,
  out: TypedValue[],
): void {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  const record = value as Readonly<Record<string, unknown>>;
  for (const field of fields) walk(field.type, record[field.name], `${path}.${field.name}`, types, depth + 1, out);
}

function walk(type: string, value: unknown, path: string, types: TypedDataTypes, depth: number, out: TypedValue[]) {
  if (value === undefined || value === null) return;
  const array = ARRAY.exec(type);
  if (array) {
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        walk(array[1] as string, item, `${path}[${i}]`, types, depth + 1, out);
      });
    }
    return;
  }
  const struct = types[type];
  if (struct) return walkStruct(struct, value, path, types, depth, out);
  if (type === 'string') {
    if (typeof value === 'string') out.push({ path, text: value });
    return;
  }
  if (type === 'bytes' || FIXED_BYTES.test(type)) {
    if (value instanceof Uint8Array) out.push({ path, hex: hexDigitsOf(value) });
    else if (typeof value === 'string') {
      // ethers refuses bytes that are not hex; should anything else get this far, it is read as the text it is.
      const hex = hexPairsOf(value);
      out.push(hex ? { path, hex } : { path, text: value });
    }
  }
  // uintN, intN, address, bool: the structure of the data, never text.
}

function baseType(type: string): string {
  let base = type;
  for (let array = ARRAY.exec(base); array; array = ARRAY.exec(base)) base = array[1] as string;
  return base;
}
