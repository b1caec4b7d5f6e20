import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../base/errors';
import { CodecRegistry, createDefaultCodecRegistry } from './registry';
import { pcmu } from './pcmu';

describe('CodecRegistry', () => {
  it('lists opus, G722, PCMU and PCMA in preference order', () => {
    expect(createDefaultCodecRegistry().list().map((c) => c.name)).toEqual(['opus', 'G722', 'PCMU', 'PCMA']);
  });

  it('finds a codec by rtpmap name case-insensitively and by clock rate (RFC 4855 §3)', () => {
    const r = createDefaultCodecRegistry();
    expect(r.find('OPUS', 48000)?.name).toBe('opus');
    expect(r.find('g722', 8000)?.payloadType).toBe(9);
    expect(r.find('PCMU', 16000)).toBeUndefined();
  });

  it('finds static payload types 0, 8 and 9 without rtpmap, but not dynamic ones', () => {
    const r = createDefaultCodecRegistry();
    expect([0, 8, 9].map((pt) => r.findStatic(pt)?.name)).toEqual(['PCMU', 'PCMA', 'G722']);
    expect(r.findStatic(111)).toBeUndefined();
  });

  it('refuses a second codec with the same name and rate', () => {
    expect(() => new CodecRegistry([pcmu, pcmu])).toThrow(ValidationError);
  });
});
