import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo } from '../../src-main/shared/model/app-info';
import type { ParleyClient } from '../../src-main/shared/ipc/contract';

/** What the UI knows about the engine it talks to. */
export const useAppStore = defineStore('app', () => {
  /** The engine's self-description, once loaded. */
  const info = ref<AppInfo | null>(null);
  /** A message for the status bar when the engine is unreachable or refused. */
  const problem = ref<string | null>(null);

  async function load(client: ParleyClient | undefined): Promise<void> {
    if (!client) {
      problem.value = 'No engine connected: start Parley with `npm start` (Electron) or `npm run web`.';
      return;
    }
    const result = await client.appInfo();
    if (result.ok) {
      info.value = result.value;
      problem.value = null;
    } else {
      problem.value = result.error.message;
    }
  }

  return { info, problem, load };
});
