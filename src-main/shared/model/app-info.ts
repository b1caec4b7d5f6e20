/** What the engine reports about itself (About box, bug reports, the CLI's `--version`). */
export interface AppInfo {
  readonly name: 'Parley';
  readonly version: string;
  /** Which face hosts the engine. */
  readonly host: 'electron' | 'cli' | 'web-bridge';
  /** Runtime versions, e.g. { node: '20.20.2' }. */
  readonly runtime: Readonly<Record<string, string>>;
}
