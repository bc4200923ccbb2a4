/** StalenessVerdict: what the build does (see generated-staleness.mjs). */
export type StalenessVerdict = 'skip' | 'clean' | 'warn' | 'fail';

/** ChangedFile: one entry of git status. */
export interface ChangedFile {
  readonly path: string;
  readonly change: string;
}

/** StalenessFacts: what check-generated.mjs gathers. */
export interface StalenessFacts {
  readonly ci: boolean;
  readonly gitCheckout: boolean;
  readonly porcelain?: string;
  readonly gitError?: string;
  readonly genDir: string;
}

/** StalenessDecision: the verdict, the changed files and the message to print. */
export interface StalenessDecision {
  readonly verdict: StalenessVerdict;
  readonly files: readonly ChangedFile[];
  readonly message: string;
}

export declare const REGENERATE_COMMAND: string;
export declare function isCi(env: Readonly<Record<string, string | undefined>>): boolean;
export declare function parsePorcelainZ(text: string): ChangedFile[];
export declare function decideStaleness(facts: StalenessFacts): StalenessDecision;
