/** PCMA: G.711 A-law, static payload type 8, 8000 Hz (RFC 3551 §4.5.14, Table 4). */
import type { AudioCodec } from './audio-codec';
import { G711Decoder, G711Encoder } from './g711-codec';
import { ALAW_DECODE, ALAW_ENCODE } from './g711-tables';

export const pcma: AudioCodec = {
  name: 'PCMA',
  payloadType: 8,
  isStaticPayloadType: true,
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  frameMs: 20,
  fmtp: {},
  maxPayloadBytes: 160,
  frameBytes: 160,
  createEncoder: () => new G711Encoder(ALAW_ENCODE),
  createDecoder: () => new G711Decoder(ALAW_DECODE),
};
