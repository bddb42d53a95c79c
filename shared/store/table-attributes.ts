/**
 * Items as DynamoDB's attribute values and back, with the options the table has always written them with:
 * attributes whose value is undefined are left out, and class instances are refused rather than written as maps.
 * The conversion is util-dynamodb's, the same lib-dynamodb's document client applies.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

const WRITTEN = { removeUndefinedValues: true, convertClassInstanceToMap: false } as const;

export type Attributes = Record<string, AttributeValue>;

/** An item (or a key) as attribute values. */
export function attributesOf(item: Record<string, unknown>): Attributes {
  return marshall(item, WRITTEN);
}

/** An expression's values as attribute values; undefined when there are none (DynamoDB refuses an empty map). */
export function valuesOf(values: Record<string, unknown> | undefined): Attributes | undefined {
  return values && Object.keys(values).length > 0 ? marshall(values, WRITTEN) : undefined;
}

/** Attribute values as the item they hold; undefined when there is no item. */
export function itemOf<T extends Record<string, unknown>>(attributes: Attributes | undefined): T | undefined {
  return attributes && (unmarshall(attributes) as T);
}
