import { describe, expect, it } from 'vitest';
import { ValidationError } from '../base/errors';
import { parseCallOptions, parseSwitch } from './call-options';

describe('parseCallOptions: voice processing (issue 4 §7)', () => {
  it('turns echo cancellation and noise suppression on with a sound-card microphone, off for a WAV or silence', () => {
    expect(parseCallOptions({ 'audio-in': 'default' }).voice).toEqual({ echoCancellation: true, noiseSuppression: true });
    expect(parseCallOptions({ play: 'hello.wav' }).voice).toEqual({ echoCancellation: false, noiseSuppression: false });
    expect(parseCallOptions({}).voice).toEqual({ echoCancellation: false, noiseSuppression: false });
  });

  it('lets --echo-cancellation and --noise-suppression override the default either way', () => {
    expect(parseCallOptions({ 'audio-in': 'default', 'echo-cancellation': 'off' }).voice).toEqual({ echoCancellation: false, noiseSuppression: true });
    expect(parseCallOptions({ play: 'x.wav', 'noise-suppression': 'ON' }).voice).toEqual({ echoCancellation: false, noiseSuppression: true });
  });

  it('refuses a switch value other than on/off with a ValidationError naming the option', () => {
    expect(() => parseCallOptions({ 'echo-cancellation': 'maybe' })).toThrow(ValidationError);
    expect(() => parseCallOptions({ 'echo-cancellation': 'maybe' })).toThrow("--echo-cancellation takes on or off, not 'maybe'");
    expect(parseSwitch('x', undefined)).toBeUndefined();
    expect([parseSwitch('x', 'yes'), parseSwitch('x', '0')]).toEqual([true, false]);
  });
});
