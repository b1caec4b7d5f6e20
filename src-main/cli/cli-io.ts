/** The CLI's window on the world: injected so commands are tested without a terminal. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user interrupts (SIGINT/SIGTERM); never in tests unless they say so. */
  interrupted?: Promise<void>;
  /** Lines of standard input (for `shell`). */
  lines?: () => AsyncIterable<string>;
}

/** Exit codes the CLI promises its users' scripts. */
export const EXIT = { OK: 0, USAGE: 1, FAILURE: 2 } as const;
