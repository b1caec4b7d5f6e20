/** PCMU: G.711 µ-law, static payload type 0, 8000 Hz (RFC 3551 §4.5.14, Table 4). */
import type { AudioCodec } from './audio-codec';
import { G711Decoder, G711Encoder } from './g711-codec';
import { ULAW_DECODE, ULAW_ENCODE } from './g711-tables';

export const pcmu: AudioCodec = {
  name: 'PCMU',
  payloadType: 0,
  isStaticPayloadType: true,
  clockRate: 8000,
  sampleRate: 8000,
  channels: 1,
  frameMs: 20,
  fmtp: {},
  maxPayloadBytes: 160,
  frameBytes: 160,
  createEncoder: () => new G711Encoder(ULAW_ENCODE),
  createDecoder: () => new G711Decoder(ULAW_DECODE),
};
