import type { Contract } from '../../../shared/ipc/contract';
import type { VaultIntegrityView } from '../../../shared/ipc/work-queue';
import type { Handlers } from '../registry';

export function createVaultHandlers(integrity: () => VaultIntegrityView): Handlers<Contract>['vault'] {
  return {
    integrity: () => integrity(),
  };
}
