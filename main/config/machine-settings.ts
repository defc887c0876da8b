import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';

/**
 * Machine-wide settings, written by IT rather than by a Wardscribe user: for now, where the
 * vault lives (for example a locally encrypted data drive). Read from
 * %ProgramData%\Wardscribe\machine.json on Windows, /etc/wardscribe/machine.json elsewhere
 * (docs/deployment.md), or, in a development build only, the file named by
 * WARDSCRIBE_MACHINE_CONFIG.
 */
const MachineSettingsSchema = z
  .object({
    /** Absolute path of the folder that holds the vault. */
    vaultDir: z.string().refine(isAbsolute, 'vaultDir must be an absolute path').optional(),
    /**
     * The Trust's syslog/ATNA collector that receives the audit chain head (main/audit/head-publisher.ts).
     * Here, not in the vault, so that no Wardscribe user can turn it off.
     */
    auditHeadPublication: z
      .object({
        host: z.string().min(1).max(253),
        port: z.number().int().min(1).max(65535),
        /** TLS for a collector on the network; plain TCP only to a relay on this computer. */
        transport: z.enum(['tcp', 'tls']).default('tls'),
        /** Minutes between publications while someone is signed in (also at each lock). */
        intervalMinutes: z.number().min(1).max(24 * 60).default(15),
        /** Absolute path of the PEM CA that issued the collector's certificate (default: the system store). */
        caFile: z.string().refine(isAbsolute, 'caFile must be an absolute path').optional(),
      })
      .strict()
      .refine((target) => target.transport === 'tls' || ['127.0.0.1', '::1', 'localhost'].includes(target.host), 'plain tcp is allowed only to this computer: use tls')
      .optional(),
  })
  .strict();

export type MachineSettings = z.infer<typeof MachineSettingsSchema>;

export interface MachineSettingsPathOptions {
  /**
   * Honour WARDSCRIBE_MACHINE_CONFIG. Development builds only (the Chromium shell, an unpackaged
   * Electron): in an installed app a user could otherwise point Wardscribe away from the vault
   * IT configured by setting one environment variable.
   */
  readonly allowEnvironmentOverride: boolean;
}

export function machineSettingsPath(env: NodeJS.ProcessEnv = process.env, options: MachineSettingsPathOptions = { allowEnvironmentOverride: false }): string {
  if (options.allowEnvironmentOverride && env['WARDSCRIBE_MACHINE_CONFIG']) return env['WARDSCRIBE_MACHINE_CONFIG'];
  if (process.platform === 'win32') return join(env['ProgramData'] ?? 'C:\\ProgramData', 'Wardscribe', 'machine.json');
  return '/etc/wardscribe/machine.json';
}

/**
 * Reads the machine settings; none is fine. A file that exists but is malformed stops start-up
 * with a clear message: silently falling back could open a different, empty vault.
 */
export function readMachineSettings(path: string): MachineSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return {};
    throw new Error(`Machine settings at ${path} could not be read: ${(error as { code?: string }).code ?? 'unknown error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Machine settings at ${path} are not valid JSON.`);
  }
  const parsed = MachineSettingsSchema.safeParse(json);
  if (!parsed.success) {
    throw new Error(`Machine settings at ${path} are invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return parsed.data;
}

/** The vault folder: the machine setting if there is one, else `vault/` in the app's data folder. */
export function resolveVaultDir(dataDir: string, settings: MachineSettings): string {
  return settings.vaultDir ?? join(dataDir, 'vault');
}
