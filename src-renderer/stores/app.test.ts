import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useAppStore } from './app';
import type { ParleyClient } from '../../src-main/shared/ipc/contract';

const client = (result: Awaited<ReturnType<ParleyClient['appInfo']>>): ParleyClient => ({
  appInfo: async () => result,
  on: () => () => {},
});

describe('app store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('loads the engine info', async () => {
    const store = useAppStore();
    await store.load(client({ ok: true, value: { name: 'Parley', version: '1.2.3', host: 'cli', runtime: {} } }));
    expect(store.info?.version).toBe('1.2.3');
    expect(store.problem).toBeNull();
  });

  it('shows the engine error message when the command fails', async () => {
    const store = useAppStore();
    await store.load(client({ ok: false, error: { code: 'internal', message: 'engine crashed' } }));
    expect(store.problem).toBe('engine crashed');
  });

  it('says that no engine is connected when there is no client', async () => {
    const store = useAppStore();
    await store.load(undefined);
    expect(store.problem).toMatch(/No engine connected/);
  });
});
