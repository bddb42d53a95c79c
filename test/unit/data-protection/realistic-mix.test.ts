/**
 * The inspector on 10,000 transactions of a realistic consortium mix (test/support/realistic-transactions.ts:
 * ERC-20 transfers, deployments, governance and consent calls, batch notes with dates, lot numbers and versions):
 * none of them carries personal data, and none is flagged. The same transactions with a personnummer or an e-mail
 * address appended as an ABI string are all caught. `npm run bench -- personal-data` prints the rate by kind.
 */
import { AbiCoder, concat } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import { realisticTransactions } from '../../support/realistic-transactions.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();
const transactions = realisticTransactions(10_000);

describe('a realistic mix of transactions', () => {
  it('covers every kind of transaction in the mix', () => {
    expect(new Set(transactions.map((tx) => tx.kind)).size).toBe(11);
  });

  it('flags none of 10,000 transactions (no false positives), read as the gateway reads them', () => {
    const flagged = transactions
      .map((tx) => ({ kind: tx.kind, inspection: inspector.inspectRawTransaction(tx.unsignedRaw) }))
      .filter(({ inspection }) => !inspection.decoded || inspection.findings.length > 0)
      .map(({ kind, inspection }) => `${kind}: ${inspection.findings.map((f) => `${f.location} ${f.detector}`)}`);
    expect(flagged).toEqual([]);
  }, 60_000);

  it.each([
    ['a personnummer', 'Patient 19121212-1212', 'personnummer'],
    ['an e-mail address', 'cc anna.svensson@regionstockholm.se', 'email'],
  ])('catches %s appended to each of 500 of them', (_, text, detector) => {
    const tail = AbiCoder.defaultAbiCoder().encode(['string'], [text]);
    const missed = transactions.slice(0, 500).filter((tx) => {
      const findings = inspector.inspectTransaction({ to: tx.to, data: concat([tx.data, tail]) });
      return !findings.some((finding) => finding.detector === detector);
    });
    expect(missed.map((tx) => tx.kind)).toEqual([]);
  });
});
