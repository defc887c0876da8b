import type { Contract } from '../../../shared/ipc/contract';
import type { EprSettingsService } from '../../epr/epr-settings';
import type { Handlers } from '../registry';

export function createEprHandlers(settings: EprSettingsService): Handlers<Contract>['epr'] {
  return {
    mode: () => ({ mode: settings.stored().mode, documentType: settings.defaultDocumentType() }),
    get: () => settings.view(),
    update: (request) => settings.update(request),
    test: () => settings.testConnection(),
  };
}
