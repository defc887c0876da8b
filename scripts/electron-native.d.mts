// Types for scripts/electron-native.mjs (imported by tests/unit/app/native-binding.test.ts).
export declare const ADDON_PACKAGE: string;
export declare const ADDON_FILE: string;
export declare const BUILD_INFO_FILE: string;
export interface ElectronNativeBuild {
  readonly module: string;
  readonly moduleVersion: string;
  readonly electronVersion: string;
  readonly abi: string;
  readonly platform: string;
  readonly arch: string;
}
export declare function electronNativeDir(root?: string, platform?: string, arch?: string): string;
export declare function expectedBuild(root?: string): ElectronNativeBuild;
export declare function addonTargetsAbi(addonPath: string, abi: string): boolean;
export declare function staleReason(root?: string): string | null;
export declare function buildElectronNative(root?: string, log?: (line: string) => void): Promise<void>;
