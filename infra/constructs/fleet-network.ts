/**
 * The fleet's network: a VPC over explicit availability zones (no look-ups, so synth works offline), public
 * subnets for Besu nodes, private subnets for the control-plane functions that talk to nodes, flow logs, and
 * the two security groups that decide who reaches a node.
 *
 * Who reaches a node:
 * - P2P (30303 TCP for RLPx, UDP for discovery) from other fleet nodes (same security group, which holds for
 *   traffic over private addresses: fleet peers list each other by private IP in static-nodes) and from the
 *   member CIDRs given at deploy time (self-hosted members' nodes, which dial the node's public address).
 *   Nothing else: the network is permissioned and peers outside those ranges have no business connecting.
 * - JSON-RPC (8545) only from the control-plane security group, which the Lambda functions that reach nodes
 *   (API, gateway, monitor, reconciler) carry; they run in the private subnets and dial nodes' private IPs.
 *   Tenants never reach 8545: they go through the gateway.
 */
import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BESU_PORTS } from '../../shared/adapters/aws/besu-service.ts';
import { DeploymentError } from '../../shared/errors.ts';

export interface FleetNetworkProps {
  /** At least two, spelled out (e.g. `eu-north-1a`), so synth needs no account look-up. */
  readonly availabilityZones: readonly string[];
  /** NAT gateways for the private subnets; one per zone survives a zone outage. */
  readonly natGateways: number;
  /** IPv4 CIDRs of member organisations' self-hosted nodes allowed to peer over P2P. @default none */
  readonly memberPeerCidrs?: readonly string[];
  readonly flowLogRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class FleetNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** Where Besu instances launch: public, so members' nodes can dial them. */
  readonly nodeSubnets: ec2.SelectedSubnets;
  /** Where control-plane functions that talk to nodes run. */
  readonly controlSubnets: ec2.SubnetSelection;
  readonly nodeSecurityGroup: ec2.SecurityGroup;
  readonly controlPlaneSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: FleetNetworkProps) {
    super(scope, id);
    if (props.availabilityZones.length < 2) {
      throw new DeploymentError(
        `The fleet needs at least two availability zones; got ${props.availabilityZones.join(', ')}`,
      );
    }

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      availabilityZones: [...props.availabilityZones],
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'nodes', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 22, mapPublicIpOnLaunch: true },
        { name: 'control', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 22 },
      ],
      restrictDefaultSecurityGroup: true,
      // Gateway endpoints keep table traffic and node-config downloads off the NAT gateways, at no cost.
      gatewayEndpoints: {
        DynamoDb: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
      },
    });
    this.vpc.addFlowLog('FlowLog', {
      trafficType: ec2.FlowLogTrafficType.ALL,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', {
          retention: props.flowLogRetention,
          removalPolicy: props.logRemovalPolicy,
        }),
      ),
    });
    this.nodeSubnets = this.vpc.selectSubnets({ subnetGroupName: 'nodes' });
    this.controlSubnets = { subnetGroupName: 'control' };

    this.controlPlaneSecurityGroup = new ec2.SecurityGroup(this, 'ControlPlaneSecurityGroup', {
      vpc: this.vpc,
      description: 'CareChain control-plane functions that call node JSON-RPC',
      allowAllOutbound: false,
    });
    this.nodeSecurityGroup = new ec2.SecurityGroup(this, 'NodeSecurityGroup', {
      vpc: this.vpc,
      description: 'CareChain Besu nodes: P2P from peers, JSON-RPC from the control plane only',
      // Nodes dial peers wherever they are, fetch their release and configuration, and reach SSM.
      allowAllOutbound: true,
    });

    const p2pTcp = ec2.Port.tcp(BESU_PORTS.p2p);
    const p2pUdp = ec2.Port.udp(BESU_PORTS.p2p);
    const rpc = ec2.Port.tcp(BESU_PORTS.jsonRpc);

    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, p2pTcp, 'P2P (RLPx) from fleet peers');
    this.nodeSecurityGroup.addIngressRule(this.nodeSecurityGroup, p2pUdp, 'P2P discovery from fleet peers');
    for (const cidr of props.memberPeerCidrs ?? []) {
      this.nodeSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), p2pTcp, `P2P (RLPx) from member range ${cidr}`);
      this.nodeSecurityGroup.addIngressRule(ec2.Peer.ipv4(cidr), p2pUdp, `P2P discovery from member range ${cidr}`);
    }
    this.nodeSecurityGroup.addIngressRule(this.controlPlaneSecurityGroup, rpc, 'JSON-RPC from the control plane');

    this.controlPlaneSecurityGroup.addEgressRule(this.nodeSecurityGroup, rpc, 'JSON-RPC to nodes');
    this.controlPlaneSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'HTTPS to AWS APIs (DynamoDB, KMS, SQS, EC2, CloudWatch) and Stripe',
    );
  }
}
