/**
 * CDK entry point (`npx cdk synth`, `npx cdk deploy --all`). Settings come from context: `-c stage=prod`,
 * `-c region=…`, `-c memberPeerCidrs=…` (see infra/stacks/deployment-settings.ts).
 */
import { App } from 'aws-cdk-lib';
import { defineCareChainApp } from '../stacks/carechain-app.ts';

const app = new App();
defineCareChainApp(app);
app.synth();
