/**
 * cdk-nag AwsSolutions over the whole app, run the way `cdk synth` runs it (as a validation plugin after
 * synthesis). Any finding that is not acknowledged, error or warning, fails; so does any CDK warning or error
 * annotation. Every acknowledgement must say why.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { defineCareChainApp } from '../../infra/stacks/carechain-app.ts';
import { CDK_JSON_CONTEXT, CONSOLE_FIXTURE, NO_CONSOLE_BUILD, TEST_BESU_SHA256 } from './carechain-test-app.ts';

type Finding = { rule: string; severity: string; paths: string[] };
type Outcome = { findings: Finding[]; annotations: string[]; app: App };

/** Synthesises like the CLI does and collects plugin findings and CDK annotations instead of throwing. */
function synthesise(app: App): Omit<Outcome, 'app'> {
  const outdir = app.outdir;
  let failure: unknown;
  let annotations: string[] = [];
  try {
    const assembly = app.synth();
    annotations = assembly.stacks.flatMap((stack) =>
      stack.messages
        .filter((message) => message.level === 'warning' || message.level === 'error')
        .map((message) => `${message.level} at ${message.id}: ${String(message.entry.data)}`),
    );
  } catch (error) {
    failure = error;
  }
  const reportFile = path.join(outdir, 'validation-report.json');
  const findings: Finding[] = existsSync(reportFile)
    ? JSON.parse(readFileSync(reportFile, 'utf8')).pluginReports.flatMap(
        (report: {
          violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
        }) =>
          report.violations.map((violation) => ({
            rule: violation.ruleName,
            severity: violation.severity,
            paths: violation.violatingConstructs.map((construct) => construct.constructPath),
          })),
      )
    : [];
  if (failure && findings.length === 0) throw failure;
  return { findings, annotations };
}

function checkCareChain(context: Record<string, unknown>, consoleAssetsPath: string): Outcome {
  const app = new App({
    outdir: mkdtempSync(path.join(tmpdir(), 'carechain-nag-')),
    context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context },
  });
  defineCareChainApp(app, { consoleAssetsPath });
  return { ...synthesise(app), app };
}

describe.each([
  ['dev, without a console build', {}, NO_CONSOLE_BUILD],
  [
    'prod, with a console build, custom domain, member ranges and alarm e-mail',
    {
      stage: 'prod',
      besuSha256: TEST_BESU_SHA256,
      consoleDomainName: 'console.carechain.example',
      consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b3c6a2e-1111-2222-3333-444455556666',
      memberPeerCidrs: ['198.51.100.0/24'],
      alarmEmail: 'operations@carechain.example',
    },
    CONSOLE_FIXTURE,
  ],
] as const)('AwsSolutions on the app (%s)', (_label, context, consolePath) => {
  let outcome: Outcome;
  const result = () => {
    outcome ??= checkCareChain(context, consolePath);
    return outcome;
  };

  // The first test synthesises the app, bundling every function of the catalog.
  it('reports no unacknowledged error or warning', () => {
    expect(result().findings).toEqual([]);
  }, 120_000);

  it('leaves no CDK warning or error annotation', () => {
    expect(result().annotations).toEqual([]);
  });

  it('gives every acknowledgement a reason of its own', () => {
    const acknowledgements = result()
      .app.node.findAll()
      .flatMap((construct) =>
        construct.node.metadata
          .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((entry) => Object.entries(entry.data as Record<string, string>)),
      );
    expect(acknowledgements.length).toBeGreaterThan(10);
    for (const [rule, reason] of acknowledgements) {
      expect(reason.length, rule).toBeGreaterThan(50);
      expect(reason, rule).not.toMatch(/\b(todo|fixme|tbd|suppress(ed)?)\b/i);
    }
  });
});

it('the check does catch findings (a bucket without TLS enforcement or access logs)', () => {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'carechain-nag-')) });
  new s3.Bucket(new Stack(app, 'Careless'), 'Open');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const rules = synthesise(app).findings.map((finding) => finding.rule);
  expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
});
