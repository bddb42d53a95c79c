/**
 * Users, their sessions and the login throttle. An e-mail is unique through an `EMAIL#` item written after the
 * user item: a crash in between leaves an unreachable user item, never an e-mail that can't sign up again.
 */
import type { User } from '../domain/organisation.ts';
import { ConflictError } from '../errors.ts';
import { keys } from './keys.ts';
import { ConditionFailedError, type Item, type ReadOptions, type Table } from './table.ts';

type UserItem = Item & User & { passwordHash: string; version: number };
type SessionItem = Item & { userId: string; createdAt: string; expiresAt: number };

export interface StoredUser extends User {
  readonly passwordHash: string;
}

export class EmailTakenError extends ConflictError {}

export class UsersRepository {
  constructor(private readonly table: Table) {}

  async create(user: User, passwordHash: string): Promise<User> {
    const item: UserItem = { ...keys.user(user.id), ...user, passwordHash, version: 1, type: 'user' };
    await this.table.create(item);
    try {
      await this.table.create({ ...keys.email(user.email), userId: user.id, type: 'email' });
    } catch (error) {
      await this.table.delete(keys.user(user.id));
      if (error instanceof ConditionFailedError) {
        throw new EmailTakenError('An account with this e-mail address already exists', { cause: error });
      }
      throw error;
    }
    return user;
  }

  async get(userId: string, options: ReadOptions = {}): Promise<User | undefined> {
    const item = await (options.recent
      ? this.table.getRecent<UserItem>(keys.user(userId))
      : this.table.get<UserItem>(keys.user(userId)));
    return item ? toUser(item) : undefined;
  }

  async findByEmail(email: string): Promise<StoredUser | undefined> {
    const pointer = await this.table.get<Item & { userId: string }>(keys.email(email));
    if (!pointer) return undefined;
    const item = await this.table.get<UserItem>(keys.user(pointer.userId));
    return item ? { ...toUser(item), passwordHash: item.passwordHash } : undefined;
  }

  async createSession(tokenHash: string, userId: string, now: Date, ttlSeconds: number): Promise<void> {
    await this.table.create<SessionItem>({
      ...keys.session(tokenHash),
      userId,
      createdAt: now.toISOString(),
      expiresAt: Math.floor(now.getTime() / 1000) + ttlSeconds,
      type: 'session',
    });
  }

  async getSessionUser(tokenHash: string, options: ReadOptions = {}): Promise<string | undefined> {
    const key = keys.session(tokenHash);
    return (await (options.recent ? this.table.getRecent<SessionItem>(key) : this.table.get<SessionItem>(key)))?.userId;
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.table.delete(keys.session(tokenHash));
  }

  /** Failed logins in the current window for an e-mail (0 when the window expired). */
  async failedLogins(email: string): Promise<{ count: number; resetAt: number }> {
    return this.#attempts(keys.loginAttempts(email));
  }

  /** Failed logins in the current window from a network address, whatever e-mail they tried. */
  async failedLoginsFrom(address: string): Promise<{ count: number; resetAt: number }> {
    return this.#attempts(keys.loginAttemptsFrom(address));
  }

  async recordFailedLogin(email: string, now: Date, windowSeconds: number): Promise<void> {
    await this.#recordAttempt(keys.loginAttempts(email), now, windowSeconds);
  }

  async recordFailedLoginFrom(address: string, now: Date, windowSeconds: number): Promise<void> {
    await this.#recordAttempt(keys.loginAttemptsFrom(address), now, windowSeconds);
  }

  async #attempts(key: { pk: string; sk: string }): Promise<{ count: number; resetAt: number }> {
    const item = await this.table.get<Item & { count: number; expiresAt: number }>(key);
    return item ? { count: item.count, resetAt: item.expiresAt } : { count: 0, resetAt: 0 };
  }

  async #recordAttempt(key: { pk: string; sk: string }, now: Date, windowSeconds: number): Promise<void> {
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const current = await this.#attempts(key);
    if (current.count === 0) {
      // Start a fresh window (overwrites an expired one that the sweeper has not removed yet).
      await this.table.replace({ ...key, count: 1, expiresAt: nowSeconds + windowSeconds, type: 'login-attempts' });
      return;
    }
    await this.table.increment(key, { count: 1 });
  }

  async clearFailedLogins(email: string): Promise<void> {
    await this.table.delete(keys.loginAttempts(email));
  }
}

function toUser(item: UserItem): User {
  return { id: item.id, email: item.email, name: item.name, operator: item.operator, createdAt: item.createdAt };
}
