/**
 * Route sets (RFC 3261 §12.1.1, §12.1.2) and where an in-dialog request goes (§12.2.1.1,
 * §8.1.2): which URI is the Request-URI, which Route header fields it carries, and which URI
 * is its next hop, for loose routers (`;lr`, RFC 3261 §16.12) and strict ones (RFC 2543).
 */
import { NameAddr, SipUri, type SipRequest, type SipResponse, type Uri } from '../sip';

/**
 * §12.1.1: "The route set MUST be set to the list of URIs in the Record-Route header field from
 * the request, taken in order and preserving all URI parameters."
 */
export function uasRouteSet(request: SipRequest): NameAddr[] {
  return request.recordRoutes.map((r) => r.clone());
}

/**
 * §12.1.2: "The route set MUST be set to the list of URIs in the Record-Route header field from
 * the response, taken in reverse order and preserving all URI parameters."
 */
export function uacRouteSet(response: SipResponse): NameAddr[] {
  return response.recordRoutes.map((r) => r.clone()).reverse();
}

/** A route entry is a loose router when its URI carries `lr` (§16.12; RFC 2543 ones do not). */
export function isLooseRoute(route: NameAddr): boolean {
  const uri = route.uri;
  return uri instanceof SipUri && uri.lr;
}

export interface RequestTarget {
  /** The Request-URI. */
  readonly uri: Uri;
  /** The Route header field values, in order. */
  readonly routes: readonly NameAddr[];
  /** Where the request is sent (§8.1.2): the URI to resolve with RFC 3263. */
  readonly nextHop: Uri;
}

/**
 * §12.2.1.1:
 * - empty route set: "the UAC MUST place the remote target URI into the Request-URI. The UAC
 *   MUST NOT add a Route header field to the request."
 * - first route loose (`lr`): "the UAC MUST place the remote target URI into the Request-URI and
 *   MUST include a Route header field containing the route set values in order, including all
 *   parameters."
 * - first route strict: "the UAC MUST place the first URI from the route set into the
 *   Request-URI, stripping any parameters that are not allowed in a Request-URI. The UAC MUST
 *   add a Route header field containing the remainder of the route set values in order,
 *   including all parameters. The UAC MUST then place the remote target URI into the Route
 *   header field as the last value."
 * §8.1.2: with a strict first route the next hop is the Request-URI; otherwise the first Route,
 * or the Request-URI when there is none.
 */
export function requestTarget(remoteTarget: Uri, routeSet: readonly NameAddr[]): RequestTarget {
  const first = routeSet[0];
  if (first === undefined) return { uri: remoteTarget.clone(), routes: [], nextHop: remoteTarget };
  if (isLooseRoute(first)) {
    return { uri: remoteTarget.clone(), routes: routeSet.map((r) => r.clone()), nextHop: first.uri };
  }
  const uri = requestUriOf(first.uri);
  const last = routeSetEntry(remoteTarget);
  return { uri, routes: [...routeSet.slice(1).map((r) => r.clone()), last], nextHop: uri };
}

/**
 * §19.1.1 Table 1: the `method` URI parameter and URI headers are not allowed in a
 * Request-URI; everything else stays.
 */
function requestUriOf(uri: Uri): Uri {
  const copy = uri.clone();
  if (copy instanceof SipUri) {
    copy.params.delete('method');
    for (const h of [...copy.headers.entries()]) copy.headers.delete(h.name);
  }
  return copy;
}

/** The remote target as the last Route value of a strict-routed request (always in <>). */
function routeSetEntry(remoteTarget: Uri): NameAddr {
  return new NameAddr(remoteTarget.clone(), undefined, undefined, true);
}
