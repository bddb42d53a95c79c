/**
 * Tenant sessions from STS: AssumeRole of the tenant role tagged with the organisation, one session per
 * organisation reused until shortly before it expires and replaced after, and what a tenant-scoped KMS vault makes
 * of IAM's refusal.
 */
import { KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, type AssumeRoleCommandInput, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KmsKeyVault } from '../../../shared/adapters/aws/kms-key-vault.ts';
import { StsTenantCredentials } from '../../../shared/adapters/aws/sts-tenant-credentials.ts';
import { NotFoundError, PlatformError, TenantAccessDeniedError } from '../../../shared/errors.ts';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/CareChain-dev-ControlPlane-TenantRole474D4A5B-1A2B3C4D5E6F';
const ORG_A = 'org_aaaaaaaaaaaaaaaaaaaa';
const ORG_B = 'org_bbbbbbbbbbbbbbbbbbbb';
const metadata = { httpStatusCode: 403, requestId: 'c2b6f1d5-0000-4000-8000-000000000000', attempts: 1 };

const sts = mockClient(STSClient);
const kms = mockClient(KMSClient);
const client = new STSClient({ region: 'eu-north-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

let now: Date;
let issued: number;

/** Answers AssumeRole as STS does: fresh credentials for an hour from now, the session's ARN with its name. */
function answerLikeSts() {
  issued = 0;
  sts.on(AssumeRoleCommand).callsFake((input: AssumeRoleCommandInput) => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `ASIAEXAMPLE${issued}`,
        SecretAccessKey: `secret-${issued}`,
        SessionToken: `token-${issued}`,
        Expiration: new Date(now.getTime() + (input.DurationSeconds ?? 3600) * 1000),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROAEXAMPLE:${input.RoleSessionName}`,
        Arn: `arn:aws:sts::111122223333:assumed-role/CareChain-dev-TenantRole/${input.RoleSessionName}`,
      },
      PackedPolicySize: 4,
    };
  });
}

function credentials() {
  return new StsTenantCredentials(client, { roleArn: ROLE_ARN, clock: () => now });
}

beforeEach(() => {
  now = new Date('2026-12-04T12:00:00Z');
  sts.reset();
  kms.reset();
  answerLikeSts();
});

afterEach(() => {
  sts.reset();
  kms.reset();
});

describe('StsTenantCredentials', () => {
  it('assumes the tenant role tagged with the organisation, and with nothing else', async () => {
    const session = await credentials().sessionFor(ORG_A);
    expect(session.orgId).toBe(ORG_A);
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: `carechain-${ORG_A}`,
      DurationSeconds: 3600,
      Tags: [{ Key: 'carechain:org', Value: ORG_A }],
    });
  });

  it('reuses an organisation’s session until five minutes before it expires, then assumes the role again', async () => {
    const tenants = credentials();
    const first = await tenants.sessionFor(ORG_A);
    now = new Date(now.getTime() + 54 * 60_000);
    expect(await tenants.sessionFor(ORG_A)).toBe(first);
    now = new Date(now.getTime() + 2 * 60_000);
    const renewed = await tenants.sessionFor(ORG_A);
    expect(renewed.credentials.accessKeyId).not.toBe(first.credentials.accessKeyId);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('keeps one session per organisation, and requests arriving together share one AssumeRole', async () => {
    const tenants = credentials();
    const [a1, a2, b] = await Promise.all([
      tenants.sessionFor(ORG_A),
      tenants.sessionFor(ORG_A),
      tenants.sessionFor(ORG_B),
    ]);
    expect(a1).toBe(a2);
    expect(b.orgId).toBe(ORG_B);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.Tags)).toEqual([
      [{ Key: 'carechain:org', Value: ORG_A }],
      [{ Key: 'carechain:org', Value: ORG_B }],
    ]);
  });

  it('hands SDK clients the session’s credentials with their expiry', async () => {
    expect(await credentials().credentialsFor(ORG_A)()).toEqual({
      accessKeyId: 'ASIAEXAMPLE1',
      secretAccessKey: 'secret-1',
      sessionToken: 'token-1',
      expiration: new Date('2026-12-04T13:00:00Z'),
    });
  });

  it('does not keep a failed AssumeRole: the next request tries again', async () => {
    sts.on(AssumeRoleCommand).rejectsOnce(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: metadata,
        message: 'User is not authorized to perform: sts:TagSession',
      }),
    );
    const tenants = credentials();
    await expect(tenants.sessionFor(ORG_A)).rejects.toBeInstanceOf(PlatformError);
    answerLikeSts();
    expect((await tenants.sessionFor(ORG_A)).orgId).toBe(ORG_A);
  });

  it.each(['platform', 'org_*', '', 'ORG#org_aaaaaaaaaaaaaaaaaaaa'])('issues no session for %j', async (orgId) => {
    await expect(credentials().sessionFor(orgId)).rejects.toBeInstanceOf(PlatformError);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});

describe('a KMS vault on a tenant session', () => {
  const accessDenied = () =>
    new KMSServiceException({
      name: 'AccessDeniedException',
      $fault: 'client',
      $metadata: { ...metadata, httpStatusCode: 400 },
      message:
        'User: arn:aws:sts::111122223333:assumed-role/CareChain-dev-TenantRole/carechain-org_bbbbbbbbbbbbbbbbbbbb ' +
        'is not authorized to perform: kms:Sign on resource: arn:aws:kms:eu-north-1:111122223333:key/1234abcd ' +
        'because no identity-based policy allows the kms:Sign action',
    });
  const kmsClient = () => new KMSClient({ region: 'eu-north-1', credentials: credentials().credentialsFor(ORG_B) });

  it("answers IAM's refusal of another organisation's key as not found", async () => {
    // IAM refuses every call on that key: GetPublicKey (read beside Sign) and Sign alike.
    kms.onAnyCommand().rejects(accessDenied());
    const vault = new KmsKeyVault(kmsClient(), { scopedTo: ORG_B });
    const refused = vault.sign('1234abcd-12ab-34cd-56ef-1234567890ab', new Uint8Array(32));
    await expect(refused).rejects.toBeInstanceOf(TenantAccessDeniedError);
    await expect(refused).rejects.toBeInstanceOf(NotFoundError);
  });

  it("treats the same refusal of the function's own role as the deployment's fault", async () => {
    kms.onAnyCommand().rejects(accessDenied());
    const vault = new KmsKeyVault(kmsClient());
    await expect(vault.sign('1234abcd-12ab-34cd-56ef-1234567890ab', new Uint8Array(32))).rejects.toBeInstanceOf(
      PlatformError,
    );
  });
});
