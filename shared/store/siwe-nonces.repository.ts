/**
 * Sign-In with Ethereum nonces the API handed out to patients: each is kept a few minutes and can be used once
 * (taken with a conditional delete, so two sign-ins with one nonce cannot both succeed). A nonce names nobody.
 */
import { ConditionFailedError, type Item, type Table } from './table.ts';

const nonceKey = (nonce: string) => ({ pk: `SIWENONCE#${nonce}`, sk: 'META' });

export class SiweNoncesRepository {
  constructor(private readonly table: Table) {}

  async create(nonce: string, expiresAt: number): Promise<void> {
    await this.table.create<Item>({ ...nonceKey(nonce), expiresAt, type: 'siwe-nonce' });
  }

  /** Takes the nonce if it exists and has not expired; false when it is unknown, expired or taken already. */
  async take(nonce: string, nowSeconds: number): Promise<boolean> {
    try {
      return await this.table.delete(nonceKey(nonce), {
        expression: 'attribute_exists(pk) AND expiresAt > :now',
        values: { ':now': nowSeconds },
      });
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }
}
