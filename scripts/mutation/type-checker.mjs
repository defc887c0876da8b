/**
 * The type checker `npm run mutation` gives Stryker (checker 'wardscribe-typescript'): a mutant
 * that does not type-check is a CompileError, never run, as with @stryker-mutator/typescript-checker.
 *
 * Why not that checker: it changes the file inside TypeScript's watch-mode solution builder and
 * waits for the builder's next "Found N errors" summary. Without the builder's 250 ms debounce
 * (a quarter of a second a mutant) the summary of one rebuild could be taken as the next mutant's:
 * two reports of the same unchanged inputs disagreed on whether a mutant compiled. Here each check
 * is one synchronous question to a TypeScript language service — the file's text with the mutant
 * in it, then that file's diagnostics — so a result belongs to exactly one mutant.
 *
 * What is checked is what the builder checked: the tsconfig run.mjs writes for the module (its
 * file and everything it imports, with the same overrides Stryker's checker applies: unreachable
 * code allowed, unused names allowed, no emit), and the mutated file plus every file of the
 * program that imports it, directly or not (the other files cannot see the mutant).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { CheckStatus } from '@stryker-mutator/api/check';
import { commonTokens, declareClassPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';

// The options Stryker's own checker overrides for a single-project check.
const OVERRIDES = { allowUnreachableCode: true, noUnusedLocals: false, noUnusedParameters: false, noEmit: true, incremental: false, composite: false, declaration: false, emitDeclarationOnly: false };

const normal = (fileName) => path.resolve(fileName).split(path.sep).join('/');

class WardscribeTypeChecker {
  static inject = tokens(commonTokens.logger, commonTokens.options);

  #log;
  #tsconfigFile;
  /** @type {ts.ParsedCommandLine} */
  #config;
  /** @type {ts.LanguageService} */
  #service;
  /** Text standing in for a file on disk (the mutated file), by normalised name. */
  #overrides = new Map();
  #versions = new Map();
  #originals = new Map();
  /** Files of the program that import each file, directly or not. */
  #dependents = new Map();

  constructor(log, options) {
    this.#log = log;
    this.#tsconfigFile = options.tsconfigFile;
  }

  async init() {
    const parsed = ts.getParsedCommandLineOfConfigFile(path.resolve(this.#tsconfigFile), OVERRIDES, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(`type-checker: ${this.#tsconfigFile}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
      },
    });
    if (parsed === undefined) throw new Error(`type-checker: ${this.#tsconfigFile} could not be read`);
    this.#config = parsed;
    const host = {
      getScriptFileNames: () => parsed.fileNames,
      getScriptVersion: (fileName) => String(this.#versions.get(normal(fileName)) ?? 0),
      getScriptSnapshot: (fileName) => {
        const text = this.#overrides.get(normal(fileName)) ?? ts.sys.readFile(fileName);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => process.cwd(),
      getCompilationSettings: () => parsed.options,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      fileExists: ts.sys.fileExists,
      readFile: ts.sys.readFile,
      readDirectory: ts.sys.readDirectory,
      directoryExists: ts.sys.directoryExists,
      getDirectories: ts.sys.getDirectories,
      realpath: ts.sys.realpath,
    };
    this.#service = ts.createLanguageService(host, ts.createDocumentRegistry());
    const program = this.#service.getProgram();
    if (program === undefined) throw new Error('type-checker: no program');
    const own = program.getSourceFiles().filter((file) => !file.isDeclarationFile && !file.fileName.includes('/node_modules/'));
    // As Stryker's checker does in its dry run: the unmutated program must type-check.
    const errors = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...own.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])].filter(
      (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
    );
    if (errors.length > 0) throw new Error(`type-checker: the unmutated code does not type-check:\n${this.#describe(errors)}`);
    this.#indexDependents(own);
    this.#log.info('Type-checking mutants of %s files with a language service.', own.length);
  }

  /** Each file's importers within the program, followed transitively. */
  #indexDependents(files) {
    const importers = new Map();
    for (const file of files) {
      for (const imported of ts.preProcessFile(file.text, true, true).importedFiles) {
        const resolved = ts.resolveModuleName(imported.fileName, file.fileName, this.#config.options, ts.sys).resolvedModule;
        if (resolved === undefined || resolved.isExternalLibraryImport) continue;
        const target = normal(resolved.resolvedFileName);
        if (!importers.has(target)) importers.set(target, new Set());
        importers.get(target).add(normal(file.fileName));
      }
    }
    for (const file of files) {
      const name = normal(file.fileName);
      const seen = new Set();
      const queue = [...(importers.get(name) ?? [])];
      while (queue.length > 0) {
        const next = queue.shift();
        if (seen.has(next) || next === name) continue;
        seen.add(next);
        queue.push(...(importers.get(next) ?? []));
      }
      this.#dependents.set(name, [...seen]);
    }
  }

  /** One mutant per group: each is checked alone, so no error is ever shared out between mutants. */
  async group(mutants) {
    return mutants.map((mutant) => [mutant.id]);
  }

  async check(mutants) {
    const results = {};
    for (const mutant of mutants) results[mutant.id] = this.#checkOne(mutant);
    return results;
  }

  #checkOne(mutant) {
    const fileName = normal(mutant.fileName);
    // Every mutated file is the root of the tsconfig run.mjs writes; one outside it would pass unchecked.
    if (!this.#dependents.has(fileName)) throw new Error(`type-checker: ${mutant.fileName} is not in ${this.#tsconfigFile}`);
    const { original, lines } = this.#originalOf(fileName);
    const start = lines.getPositionOfLineAndCharacter(mutant.location.start.line, mutant.location.start.column);
    const end = lines.getPositionOfLineAndCharacter(mutant.location.end.line, mutant.location.end.column);
    this.#overrides.set(fileName, `${original.slice(0, start)}${mutant.replacement}${original.slice(end)}`);
    this.#versions.set(fileName, (this.#versions.get(fileName) ?? 0) + 1);
    try {
      const errors = [fileName, ...this.#dependents.get(fileName)]
        .flatMap((name) => [...this.#service.getSyntacticDiagnostics(name), ...this.#service.getSemanticDiagnostics(name)])
        .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
      return errors.length === 0 ? { status: CheckStatus.Passed } : { status: CheckStatus.CompileError, reason: this.#describe(errors) };
    } finally {
      this.#overrides.delete(fileName);
      this.#versions.set(fileName, this.#versions.get(fileName) + 1);
    }
  }

  /** The file as it is on disk (the checker runs in the project, not in Stryker's sandbox), read once. */
  #originalOf(fileName) {
    let entry = this.#originals.get(fileName);
    if (entry === undefined) {
      const original = readFileSync(fileName, 'utf8');
      entry = { original, lines: ts.createSourceFile(fileName, original, ts.ScriptTarget.Latest, false) };
      this.#originals.set(fileName, entry);
    }
    return entry;
  }

  #describe(diagnostics) {
    return ts.formatDiagnostics(diagnostics, { getCanonicalFileName: (name) => name, getCurrentDirectory: () => process.cwd(), getNewLine: () => '\n' });
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Checker, 'wardscribe-typescript', WardscribeTypeChecker)];
