// Types for scripts/fhir-definitions.mjs (imported by tests/unit/app/fhir-definitions.test.ts).
export declare const DEFINITION_FILES: readonly string[];
export declare function trimBundle<T>(bundle: T): T;
export declare function writeDefinitions(root: string, outDir: string): void;
