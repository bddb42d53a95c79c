/**
 * The cursor of a page of a listing: the key DynamoDB would start the next page from, as base64url JSON. A cursor
 * read back must name the listing's own partition and hold nothing but strings, so a client cannot page into
 * another partition by editing one.
 */
import { BadRequestError } from '../errors.ts';

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, pkName: string, partition: string): Record<string, unknown> {
  let cause: unknown;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown> | null;
    const valid =
      key !== null &&
      typeof key === 'object' &&
      !Array.isArray(key) &&
      key[pkName] === partition &&
      Object.values(key).every((value) => typeof value === 'string');
    if (valid) return key;
  } catch (error) {
    // Falls through to the validation error below: a cursor the client altered is the client's mistake.
    cause = error;
  }
  throw new InvalidCursorError('The cursor is not one this API returned', { cause });
}

/** A cursor that this API did not hand out (or that belongs to another listing). */
export class InvalidCursorError extends BadRequestError {}
