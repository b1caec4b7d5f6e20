/** The transport layer's public surface (RFC 3261 §18, RFC 3263, RFC 3581, RFC 5626 keep-alive). */
export {
  RELIABLE,
  flowKey,
  hostPort,
  type Destination,
  type Flow,
  type InboundHandler,
  type LocalAddress,
  type Transport,
  type TransportCallbacks,
  type TransportEvents,
  type TransportProtocol,
} from './transport';
export {
  SipTransportLayer,
  responseDestination,
  stampReceived,
  type SipTransport,
  type SipTransportLayerOptions,
  type TransportLayerEvents,
  type TransportLayerStats,
  type TransportUser,
} from './transport-layer';
export { openSipTransport, type OpenSipTransportOptions, type OpenedSipTransport } from './open-sip-transport';
export { SipResolver, orderSrv, systemDns, DEFAULT_PORT, type DnsFunctions, type ResolveInput, type ResolvePreferences, type ResolvedTarget } from './resolver';
export { UdpTransport, type UdpTransportOptions } from './udp';
export { openTcpTransport, type TcpTransportOptions } from './tcp';
export { openTlsTransport, type TlsTransportOptions } from './tls';
export { StreamTransport, type StreamTransportOptions } from './stream-transport';
export { StreamFramer, contentLengthOf, type FrameEvent } from './stream-framer';
export { KeepAliveSender, type KeepAliveTarget } from './keep-alive';
export { LoopNetwork, LoopTransport, type LoopPacket, type LoopEndpointOptions } from './loop';
