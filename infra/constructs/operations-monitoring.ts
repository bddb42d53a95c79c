/**
 * Alarms and the operations dashboard. Every alarm notifies one encrypted SNS topic (with an optional e-mail
 * subscription): each function's errors and throttles, messages in the provisioning dead-letter queue, server
 * errors of the HTTP API, and nodes the monitor reports as unhealthy.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CareChainFunction } from './carechain-function.ts';
import type { HttpApi } from './http-api.ts';

/** The metric the monitor publishes after every run (0 included), with the dimension `Stage`. */
export const UNHEALTHY_NODES_METRIC = { namespace: 'CareChain', metricName: 'UnhealthyNodes' } as const;

export interface OperationsMonitoringProps {
  readonly stage: string;
  readonly functions: readonly CareChainFunction[];
  readonly deadLetterQueue: sqs.IQueue;
  readonly provisioningQueue: sqs.IQueue;
  readonly httpApi: HttpApi;
  /** Receives every alarm by e-mail. @default no subscription */
  readonly alarmEmail?: string;
}

export class OperationsMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: OperationsMonitoringProps) {
    super(scope, id);
    // CloudWatch can only publish to an encrypted topic whose key lets it, which the AWS-managed SNS key does not.
    const key = new kms.Key(this, 'AlarmTopicKey', {
      description: `CareChain ${props.stage} alarm notifications`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `CareChain ${props.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    const fiveMinutes = Duration.minutes(5);
    for (const { spec, function: fn } of props.functions) {
      this.alarm(`${spec.name}-errors`, fn.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), {
        description: `The ${spec.name} function failed (unhandled error or timeout)`,
      });
      this.alarm(`${spec.name}-throttles`, fn.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), {
        description: `The ${spec.name} function was throttled (account or reserved concurrency exhausted)`,
      });
    }
    this.alarm(
      'provisioning-dead-letters',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      { description: 'Node work failed repeatedly and waits in the dead-letter queue' },
    );
    this.alarm('api-server-errors', props.httpApi.stage.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), {
      description: 'The HTTP API answered 5xx',
      threshold: 5,
    });
    const unhealthyNodes = new cloudwatch.Metric({
      ...UNHEALTHY_NODES_METRIC,
      dimensionsMap: { Stage: props.stage },
      statistic: 'Maximum',
      period: Duration.minutes(1),
    });
    this.alarm('unhealthy-nodes', unhealthyNodes, {
      description: 'The monitor reports managed nodes failing their health probes',
      evaluationPeriods: 3,
    });

    this.dashboard = this.buildDashboard(props, unhealthyNodes);
  }

  private alarm(
    name: string,
    metric: cloudwatch.IMetric,
    options: { description: string; threshold?: number; evaluationPeriods?: number },
  ): void {
    const alarm = new cloudwatch.Alarm(this, `Alarm-${name}`, {
      metric,
      alarmDescription: options.description,
      // Anything above zero (or the given threshold) is worth a look.
      threshold: options.threshold ?? 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  private buildDashboard(props: OperationsMonitoringProps, unhealthyNodes: cloudwatch.IMetric): cloudwatch.Dashboard {
    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `carechain-${props.stage}`,
      defaultInterval: Duration.hours(6),
    });
    const fns = props.functions;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Unhealthy nodes',
        left: [unhealthyNodes],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'HTTP API',
        left: [props.httpApi.stage.metricCount(), props.httpApi.stage.metricServerError()],
        right: [props.httpApi.stage.metricLatency({ statistic: 'p95' })],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Provisioning queue',
        left: [
          props.provisioningQueue.metricApproximateNumberOfMessagesVisible(),
          props.deadLetterQueue.metricApproximateNumberOfMessagesVisible(),
        ],
        right: [props.provisioningQueue.metricApproximateAgeOfOldestMessage()],
        width: 8,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Invocations',
        left: fns.map(({ spec, function: fn }) => fn.metricInvocations({ label: spec.name })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Errors and throttles',
        left: fns.map(({ spec, function: fn }) => fn.metricErrors({ label: `${spec.name} errors` })),
        right: fns.map(({ spec, function: fn }) => fn.metricThrottles({ label: `${spec.name} throttles` })),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Duration p95 (ms)',
        left: fns.map(({ spec, function: fn }) => fn.metricDuration({ label: spec.name, statistic: 'p95' })),
        width: 8,
      }),
    );
    return dashboard;
  }
}
