/**
 * Parley's layer table (shared/STYLE.md "Layer rules"): lower layers never import higher ones,
 * `electron` only in src-main/app, the renderer only reaches src-main/shared, and each
 * third-party boundary library is imported by one file.
 */
const M = '^src-main/';
const layer = (name, mayImport) => ({
  name: `layer-${name}`,
  comment: `src-main/${name} may import only: ${mayImport.join(', ') || 'nothing of src-main'}`,
  severity: 'error',
  from: { path: `${M}${name}/` },
  to: {
    path: M,
    pathNot: [`${M}${name}/`, ...mayImport.map((l) => `${M}${l}(/|\\.ts$)`)],
  },
});

module.exports = {
  forbidden: [
    {
      name: 'electron-only-in-app',
      comment: 'Only src-main/app may import electron: the engine runs under plain Node.',
      severity: 'error',
      from: { pathNot: '^src-main/app/' },
      to: { path: '(^|/)node_modules/electron/|^electron$' },
    },
    {
      name: 'renderer-only-shared',
      comment: 'The renderer may import only src-main/shared of the main process.',
      severity: 'error',
      from: { path: '^src-renderer/' },
      to: { path: M, pathNot: `${M}shared/` },
    },
    {
      name: 'no-node-in-shared-or-renderer',
      comment: 'src-main/shared and src-renderer import nothing from Node.',
      severity: 'error',
      from: { path: '^(src-main/shared|src-renderer)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'naudiodon-behind-one-file',
      severity: 'error',
      from: { pathNot: '^src-main/audio/naudiodon-device\\.ts$' },
      to: { path: '(^|/)node_modules/naudiodon/' },
    },
    {
      name: 'sdp-transform-behind-one-file',
      severity: 'error',
      from: { pathNot: '^src-main/sdp/sdp-codec\\.ts$' },
      to: { path: '(^|/)node_modules/sdp-transform/' },
    },
    layer('shared', []),
    layer('base', []),
    layer('sip', ['base']),
    layer('transport', ['base', 'sip']),
    layer('transaction', ['base', 'sip', 'transport']),
    layer('dialog', ['base', 'sip', 'transport', 'transaction']),
    layer('sdp', ['base']),
    layer('media', ['base']),
    layer('audio', ['base', 'media']),
    layer('store', ['base']),
    layer('ua', ['base', 'sip', 'transport', 'transaction', 'dialog', 'sdp', 'media', 'audio', 'store', 'shared']),
    layer('ipc', ['base', 'ua', 'shared', 'store', 'audio', 'sip']),
    layer('cli', ['base', 'ipc', 'ua', 'shared', 'sip', 'transport', 'audio', 'media', 'sdp', 'store']),
    layer('desktop', ['base', 'shared']),
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.vue', '.json'] },
  },
};
