/**
 * Besu releases as data (docs/architecture.md, "Fleet operations"): a version and the SHA-256 of its release
 * tarball, as the node fleet stack pins them, and the table of version steps that a rolling upgrade may not take as
 * it is. Each rule cites the Besu changelog entry it comes from; a step no rule names is a plain rolling upgrade.
 */
import { ValidationError } from '../errors.ts';

export interface BesuRelease {
  /** e.g. `26.6.0` */
  readonly version: string;
  /** SHA-256 of `besu-<version>.tar.gz`, lower-case hex. */
  readonly sha256: string;
}

const VERSION = /^(\d{1,3})\.(\d{1,3})\.(\d{1,4})(?:-([A-Za-z0-9.]{1,20}))?$/;
export const BESU_VERSION_PATTERN = VERSION;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

type Parsed = readonly [number, number, number, string | undefined];

function parse(version: string): Parsed {
  const match = VERSION.exec(version);
  if (!match) throw new ValidationError(`${JSON.stringify(version)} is not a Besu version (like 26.6.0)`);
  return [Number(match[1]), Number(match[2]), Number(match[3]), match[4]];
}

/** Negative when `a` is older than `b`; a pre-release (`-RC1`) comes before its release. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x[i] as number) - (y[i] as number);
    if (d !== 0) return d;
  }
  if (x[3] === y[3]) return 0;
  if (x[3] === undefined) return 1;
  if (y[3] === undefined) return -1;
  return x[3] < y[3] ? -1 : 1;
}

/** The version in a `web3_clientVersion` answer (`besu/v26.6.0/linux-x86_64/openjdk-java-21`), if it names one. */
export function versionFromClientVersion(clientVersion: string | undefined): string | undefined {
  const match = /^besu\/v([^/\s]+)/i.exec(clientVersion ?? '');
  return match && VERSION.test(match[1] as string) ? match[1] : undefined;
}

export type CompatibilityVerdict =
  | { readonly ok: true; readonly flags: readonly string[]; readonly notes: readonly string[] }
  | { readonly ok: false; readonly rule: string; readonly reason: string };

interface CompatibilityRule {
  readonly id: string;
  /** Whether the rule concerns nodes moving from `from` to `to` while the others still run `from`. */
  readonly applies: (from: string, to: string, rollback: boolean) => boolean;
  readonly verdict: 'refuse' | 'flag';
  /** The option every node started on `to` gets while the plan runs. */
  readonly flag?: string;
  readonly reason: string;
}

const lt = (a: string, b: string) => compareVersions(a, b) < 0;
const ge = (a: string, b: string) => compareVersions(a, b) >= 0;

/** Version steps that need a flag or may not be rolled, from Besu's CHANGELOG.md. */
export const COMPATIBILITY_RULES: readonly CompatibilityRule[] = [
  {
    id: 'bft-message-encoding-26.1',
    applies: (from, to) =>
      (lt(from, '26.1.0') && ge(to, '26.1.0') && lt(to, '26.6.0')) ||
      (lt(to, '26.1.0') && ge(from, '26.1.0') && lt(from, '26.6.0')),
    verdict: 'refuse',
    reason:
      'Besu 26.1.0 changed how QBFT proposals and round changes are encoded: nodes before 26.1.0 and nodes from ' +
      '26.1.0 to 26.5.x cannot decode each other’s messages (RLPException, CHANGELOG 26.4.0 #9977 and 26.6.0 ' +
      '#10499), so a network half-way through this rolling upgrade stops sealing blocks. Upgrade to 26.6.0 or ' +
      'later, which speaks the old encoding with --Xbft-legacy-protocol-encoding, or upgrade every validator at ' +
      'once in announced maintenance.',
  },
  {
    id: 'bft-legacy-encoding-flag',
    applies: (from, to, rollback) => lt(from, '26.1.0') && ge(to, '26.6.0') && !rollback,
    verdict: 'flag',
    flag: '--Xbft-legacy-protocol-encoding',
    reason:
      'Nodes on 26.6.0 or later talk to nodes before 26.1.0 only with --Xbft-legacy-protocol-encoding (CHANGELOG ' +
      '26.6.0, #10499): every node the plan upgrades starts with it.',
  },
  {
    id: 'bft-legacy-encoding-downgrade',
    applies: (from, to, rollback) => ge(from, '26.6.0') && lt(to, '26.1.0') && !rollback,
    verdict: 'refuse',
    reason:
      'Nodes left on 26.6.0 or later would need --Xbft-legacy-protocol-encoding to keep talking to nodes moved ' +
      'back before 26.1.0. Roll back the plan that upgraded them (its nodes still carry the flag) instead of ' +
      'planning a downgrade.',
  },
  {
    id: 'receipt-compaction-24.5.1',
    applies: (from, to) => ge(from, '24.9.1') && lt(to, '24.5.1'),
    verdict: 'refuse',
    reason:
      'From 24.9.1 Besu compacts receipts on disk and a Besu before 24.5.1 cannot read the database any more ' +
      '(CHANGELOG 24.9.1). A node cannot be moved back before 24.5.1; restore it from a backup taken before instead.',
  },
];

/** Whether nodes may go from `from` to `to` one at a time, and with which flags. */
export function checkCompatibility(
  from: string,
  to: string,
  options: { rollback?: boolean } = {},
): CompatibilityVerdict {
  const rollback = options.rollback ?? false;
  if (compareVersions(from, to) === 0) {
    return { ok: false, rule: 'same-version', reason: `The network already runs Besu ${to}.` };
  }
  const flags: string[] = [];
  const notes: string[] = [];
  for (const rule of COMPATIBILITY_RULES) {
    if (!rule.applies(from, to, rollback)) continue;
    if (rule.verdict === 'refuse') {
      return { ok: false, rule: rule.id, reason: `Besu ${from} → ${to} is not a safe rolling step: ${rule.reason}` };
    }
    if (rule.flag) flags.push(rule.flag);
    notes.push(rule.reason);
  }
  return { ok: true, flags, notes };
}

export function assertRelease(release: BesuRelease): BesuRelease {
  parse(release.version);
  if (!SHA256_PATTERN.test(release.sha256)) {
    throw new ValidationError('The release’s SHA-256 is 64 lower-case hex digits', [
      { path: 'body.sha256', message: 'Not a SHA-256' },
    ]);
  }
  return release;
}
