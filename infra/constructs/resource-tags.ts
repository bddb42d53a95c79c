/**
 * Tag keys that carry authorisation: IAM conditions on KMS keys and EC2 instances test them, and the node
 * bootstrap reads the network from them. The AWS adapters must tag with exactly these keys.
 */
export const RESOURCE_TAG = {
  /** Owning organisation of a tenant signing key or a managed node (`org_…`). */
  org: 'carechain:org',
  /** Node id (`node_…`) on an instance and its volumes; marks an instance the control plane may operate. */
  node: 'carechain:node',
  /** Network id the node joins; the bootstrap fetches that network's genesis and config. */
  network: 'carechain:network',
  /** Deployment stage (`dev`, `prod`); set by the launch template, so one stage cannot operate another's nodes. */
  stage: 'carechain:stage',
} as const;

/** Pattern of the tag keys the control plane may set when it creates a key or launches an instance. */
export const RESOURCE_TAG_KEY_PATTERN = 'carechain:*';
