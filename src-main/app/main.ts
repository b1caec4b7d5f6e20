import { app, ipcMain } from 'electron';
import { COMMANDS, type ParleyApi } from '../shared/ipc/contract';
import { ok } from '../shared/ipc/result';
import { createMainWindow } from './window';

/** Electron entry: single instance, sandbox everywhere, the engine wired to IPC. */
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  const api: ParleyApi = {
    appInfo: async () =>
      ok({ name: 'Parley', version: app.getVersion(), host: 'electron', runtime: { node: process.versions.node, electron: process.versions.electron ?? '' } }),
  };
  void app.whenReady().then(() => {
    const win = createMainWindow();
    ipcMain.handle(COMMANDS.appInfo, (event) => {
      // Electron checklist 17: answer only our own window's main frame.
      if (event.senderFrame !== win.webContents.mainFrame) return { ok: false, error: { code: 'denied', message: 'unknown sender' } };
      return api.appInfo();
    });
  });
  app.on('window-all-closed', () => app.quit());
}
