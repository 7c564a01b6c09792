import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import type { Workspace } from '../api/types';
import type { WorkspacePlan } from '../plan';
import { asKubeObject, childMetadata, renderContext, workspaceLabels } from './labels';
import type { KubeObject, RenderOptions } from './options';

/*
 * The tuning pod fetches what the user names (URLs, data images) and pushes to a registry the user names.
 * The URL rule refuses private and metadata hosts by name and address, but DNS can point any public name at
 * a private address, so the pod's egress is also bounded at the network: DNS anywhere (in-cluster resolvers
 * sit on private addresses), and every other address except the ones below. Effective where the CNI enforces
 * NetworkPolicy (Azure CNI with Cilium or Azure NPM, Calico, Cilium); elsewhere it is stored and ignored.
 * Policies add up, so a registry behind a private endpoint is allowed with one more policy for its address.
 */

/** IPv4 ranges the data-downloading pods may not reach. */
export const DENIED_EGRESS_V4: readonly string[] = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8', // private: node, pod and service networks
  '100.64.0.0/10', // shared address space (carrier-grade NAT, some pod networks)
  '127.0.0.0/8', // loopback
  '168.63.129.16/32', // Azure WireServer (host agent, DNS, health probes)
  '169.254.0.0/16', // link-local: the cloud metadata services
  '172.16.0.0/12', // private
  '192.0.0.0/24', // IETF protocol assignments (192.0.0.192 is Oracle's metadata service)
  '192.168.0.0/16', // private
];

/** IPv6 ranges the data-downloading pods may not reach. */
export const DENIED_EGRESS_V6: readonly string[] = [
  '::1/128', // loopback (IPv4-mapped ::ffff:0:0/96 is IPv4 on the wire: the IPv4 list covers it)
  'fc00::/7', // unique local (AWS's metadata service is fd00:ec2::254)
  'fe80::/10', // link-local
];

/** Name of the egress policy of a workspace's data-downloading pods. */
export const egressPolicyName = (workspace: string): string => `${workspace}-egress`;

/**
 * The egress NetworkPolicy `<ws>-egress` of a tuning workspace's pod (none for inference): DNS on port 53,
 * and any other destination outside {@link DENIED_EGRESS_V4} and {@link DENIED_EGRESS_V6}.
 */
export function renderEgressPolicies(ws: Workspace, plan: WorkspacePlan, options: RenderOptions = {}): KubeObject[] {
  if (ws.tuning === undefined) return [];
  const ctx = renderContext(ws, plan, options);
  const policy: NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMetadata(ctx, egressPolicyName(ctx.name)),
    spec: {
      podSelector: { matchLabels: workspaceLabels(ctx) },
      policyTypes: ['Egress'],
      egress: [
        {
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        {
          to: [
            { ipBlock: { cidr: '0.0.0.0/0', except: [...DENIED_EGRESS_V4] } },
            { ipBlock: { cidr: '::/0', except: [...DENIED_EGRESS_V6] } },
          ],
        },
      ],
    },
  };
  return [asKubeObject(policy)];
}
