import { error, type Problem } from '../api/problems';
import { closestNames } from '../api/suggest';
import { defaultSkus, type GpuSku, type SkuCatalog } from '../catalog';

/** AKS's rule for agent pool names (the Azure API rejects anything else). */
export const AKS_POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;

/** A GPU node pool as every face describes it. */
export interface GpuNodePoolSpec {
  /** `aks`: an AKS agent pool (Azure NVIDIA sizes, AKS's name rule); `karpenter`: any catalog GPU type. */
  readonly provider: 'aks' | 'karpenter';
  readonly vmSize: string;
  /** The pool's name; checked against AKS's rule for `aks` pools. */
  readonly name?: string;
  /** Field path of the name in the face's props. @default 'name' */
  readonly namePath?: string;
  /** Said after the name in its error, e.g. where a default name came from. @default '' */
  readonly nameNote?: string;
}

/** The instance type of a valid pool, and every problem found (field paths `vmSize` and the name's). */
export interface GpuNodePoolCheck {
  readonly sku?: GpuSku;
  readonly problems: readonly Problem[];
}

/** The checks every face runs on a GPU node pool before declaring it. */
export function checkGpuNodePool(spec: GpuNodePoolSpec, skus: SkuCatalog = defaultSkus): GpuNodePoolCheck {
  const aks = spec.provider === 'aks';
  const candidates = skus.list().filter((s) => !aks || (s.cloud === 'azure' && s.gpuVendor === 'nvidia'));
  const sku = candidates.find((s) => s.name.toLowerCase() === spec.vmSize.toLowerCase());
  const problems: Problem[] = [];
  if (sku === undefined) {
    const near = closestNames(
      spec.vmSize,
      candidates.map((s) => s.name),
    );
    const hint = near.length > 0 ? ` Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?` : '';
    const what = aks ? 'an Azure NVIDIA GPU VM size' : 'a GPU instance type';
    const other = skus.find(spec.vmSize);
    problems.push(
      error(
        'vmSize',
        other !== undefined
          ? `${JSON.stringify(spec.vmSize)} is an instance type of cloud ${other.cloud} (${other.gpuModel}), not ${what}.${hint}`
          : `${JSON.stringify(spec.vmSize)} is not ${what} in the catalog.${hint} The catalog knows ${candidates.length} ` +
              'such sizes (kaito skus, or defaultSkus.list()); register another with registerSku()',
      ),
    );
  }
  if (aks && spec.name !== undefined && !AKS_POOL_NAME.test(spec.name)) {
    problems.push(
      error(
        spec.namePath ?? 'name',
        `${JSON.stringify(spec.name)}${spec.nameNote ?? ''} must be 1-12 lower-case letters and digits, starting with a letter, as AKS requires`,
      ),
    );
  }
  return { ...(sku ? { sku } : {}), problems };
}
