import { join } from 'node:path';
import { BrowserWindow, session, shell } from 'electron';
import { CONTENT_SECURITY_POLICY, isAllowedNavigation, isSafeExternalLink } from '../desktop/window-security';

/** The main window: sandboxed, context-isolated, no Node in the page, CSP enforced. */
export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 420,
    height: 720,
    minWidth: 360,
    title: 'Parley',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, allow) => allow(permission === 'notifications'));

  const devUrl = process.env['ELECTRON_RENDERER_URL'];
  const appOrigin = devUrl ? new URL(devUrl).origin : 'file://' + join(import.meta.dirname, '../renderer/');
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalLink(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url, appOrigin)) event.preventDefault();
  });

  win.once('ready-to-show', () => win.show());
  if (devUrl) void win.loadURL(devUrl);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return win;
}
