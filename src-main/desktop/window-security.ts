/**
 * Pure decisions for the Electron window's security (Electron security checklist items 3, 4,
 * 7, 13–15): the renderer's Content Security Policy and which navigations are allowed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The app's own pages are the only navigation target; everything else is refused. */
export function isAllowedNavigation(target: string, appOrigin: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (appOrigin.startsWith('file:')) return url.protocol === 'file:' && target.startsWith(appOrigin);
  return url.origin === appOrigin;
}

/** Links the user clicks (e.g. in a chat message) may open in the OS browser only if http(s). */
export function isSafeExternalLink(target: string): boolean {
  try {
    const url = new URL(target);
    return url.protocol === 'https:' || url.protocol === 'http:' || url.protocol === 'mailto:';
  } catch {
    return false;
  }
}
