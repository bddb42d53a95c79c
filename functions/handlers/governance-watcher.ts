/**
 * Scheduled Lambda (EventBridge Scheduler, every minute): one governance pass — deploy the contract on networks
 * that lack it, read new governance events, carry out passed decisions.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadConfig } from '../../shared/config/config.ts';
import { GovernanceRepository } from '../../shared/store/governance.repository.ts';
import { Table } from '../../shared/store/table.ts';
import { governanceJobDeps } from '../jobs/governance/governance-deps.ts';
import { runGovernancePass } from '../jobs/governance/governance-pass.ts';
import { awsDeps } from './aws-deps.ts';

const app = awsDeps();
const config = loadConfig(process.env);
const governance = new GovernanceRepository(
  new Table(new DynamoDBClient({ region: config.awsRegion }), config.tableName, app.clock),
  app.clock,
);
const deps = governanceJobDeps(app, governance);

export const handler = () => runGovernancePass(deps);
