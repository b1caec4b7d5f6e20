import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, isAllowedNavigation, isSafeExternalLink } from './window-security';

describe('window security decisions (Electron checklist 7, 13–15)', () => {
  it('allows navigation only within the app origin', () => {
    expect(isAllowedNavigation('http://localhost:5173/#/calls', 'http://localhost:5173')).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', 'http://localhost:5173')).toBe(false);
    expect(isAllowedNavigation('file:///opt/parley/out/renderer/index.html', 'file:///opt/parley/out/renderer/')).toBe(true);
    expect(isAllowedNavigation('file:///etc/passwd', 'file:///opt/parley/out/renderer/')).toBe(false);
    expect(isAllowedNavigation('not a url', 'http://localhost:5173')).toBe(false);
  });

  it('opens only http(s) and mailto links externally', () => {
    expect(isSafeExternalLink('https://parley.example/help')).toBe(true);
    expect(isSafeExternalLink('mailto:ops@example.com')).toBe(true);
    expect(isSafeExternalLink('file:///etc/passwd')).toBe(false);
    expect(isSafeExternalLink('javascript:alert(1)')).toBe(false);
    expect(isSafeExternalLink('smb://host/share')).toBe(false);
  });

  it('forbids inline scripts and plug-ins in the CSP', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain("'unsafe-eval'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});
