/**
 * Kamailio 5.6 configuration for the test bed: registrar, proxy and presence server on loopback.
 * Modelled on Debian's stock kamailio.cfg (NAT handling for connection reuse, presence routes),
 * cut down to what Parley's tests need.
 *
 * The local domain is tested by string compare, not `uri==myself`: `alias` without a port would
 * make every 127.0.0.1 port "myself" and loose_route would loop in-dialog requests back to us
 * (TESTBED.md). Aliases name only the listening ports.
 */
export interface KamailioConfigInput {
  readonly port: number;
  readonly tlsPort: number;
  readonly domain: string;
  readonly modulesDir: string;
  readonly dbDir: string;
  readonly runDir: string;
  readonly tlsConfigPath: string;
  /** Skip digest authentication entirely (test hook). */
  readonly noAuth: boolean;
  readonly withDialogInfo: boolean;
  readonly debugLevel: number;
}

export function kamailioConfig(c: KamailioConfigInput): string {
  const db = `text://${c.dbDir}`;
  return `#!KAMAILIO
${c.noAuth ? '' : '#!define WITH_AUTH'}
${c.withDialogInfo ? '#!define WITH_DIALOGINFO' : ''}
#!define FLT_NATS 5
#!define FLB_NATB 6

debug=${c.debugLevel}
log_stderror=yes
log_prefix="{$mt $hdr(CSeq) $ci} "
children=2
tcp_children=2
auto_aliases=no
listen=udp:127.0.0.1:${c.port}
listen=tcp:127.0.0.1:${c.port}
listen=tls:127.0.0.1:${c.tlsPort}
alias="127.0.0.1:${c.port}"
alias="127.0.0.1:${c.tlsPort}"
alias="localhost:${c.port}"
alias="localhost:${c.tlsPort}"
enable_tls=yes
tcp_connection_lifetime=3605
tcp_accept_no_cl=yes
tcp_rd_buf_size=16384
dns=no
rev_dns=no
use_dns_cache=no

mpath="${c.modulesDir}"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "ctl.so"
loadmodule "db_text.so"
loadmodule "auth.so"
loadmodule "auth_db.so"
loadmodule "nathelper.so"
loadmodule "tls.so"
loadmodule "presence.so"
loadmodule "presence_xml.so"
#!ifdef WITH_DIALOGINFO
loadmodule "presence_dialoginfo.so"
#!endif

modparam("ctl", "binrpc", "unix:${c.runDir}/kamailio_ctl")
modparam("tm", "failure_reply_mode", 3)
modparam("tm", "fr_timer", 30000)
modparam("tm", "fr_inv_timer", 120000)
modparam("rr", "enable_full_lr", 0)
modparam("rr", "append_fromtag", 1)
modparam("registrar", "method_filtering", 1)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "gruu_enabled", 0)
modparam("registrar", "received_avp", "$avp(RECEIVED)")
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "nat_bflag", FLB_NATB)
modparam("auth_db", "db_url", "${db}")
modparam("auth_db", "calculate_ha1", yes)
modparam("auth_db", "password_column", "password")
modparam("auth_db", "load_credentials", "")
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("tls", "config", "${c.tlsConfigPath}")
modparam("presence", "db_url", "${db}")
modparam("presence", "server_address", "sip:127.0.0.1:${c.port}")
modparam("presence", "subs_db_mode", 0)
modparam("presence", "db_update_period", 20)
modparam("presence_xml", "force_active", 1)
modparam("presence_xml", "integrated_xcap_server", 0)

request_route {
	route(REQINIT);
	route(NATDETECT);
	if (is_method("CANCEL")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}
	route(WITHINDLG);
	route(AUTH);
	remove_hf("Route");
	route(PRESENCE);
	route(REGISTRAR);
	if (is_method("INVITE")) record_route();
	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}
	route(LOCATION);
}

route[REQINIT] {
	force_rport();
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("OPTIONS") && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}
	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed SIP request from $si:$sp\\n");
		exit;
	}
}

# The request URI names our domain (any port we listen on, or none).
route[LOCALRURI] {
	if (($rd == "${c.domain}" || $rd == "127.0.0.1" || $rd == "localhost")
			&& ($rp == 5060 || $rp == ${c.port} || $rp == ${c.tlsPort} || $rp == 5061)) {
		return 1;
	}
	return -1;
}

route[LOCALFROM] {
	if ($fd == "${c.domain}" || $fd == "127.0.0.1" || $fd == "localhost") return 1;
	return -1;
}

route[WITHINDLG] {
	if (!has_totag()) return;
	if (loose_route()) {
		if (!isdsturiset()) handle_ruri_alias();
		if (is_method("ACK")) route(NATMANAGE);
		else if (is_method("NOTIFY")) record_route();
		route(RELAY);
		exit;
	}
	if (is_method("SUBSCRIBE") && uri == myself) {
		route(PRESENCE);
		exit;
	}
	if (is_method("ACK")) {
		if (t_check_trans()) route(RELAY);
		exit;
	}
	sl_send_reply("404", "Not here");
	exit;
}

route[AUTH] {
#!ifdef WITH_AUTH
	if (is_method("REGISTER")) {
		if (!www_authorize("$td", "subscriber")) {
			www_challenge("$td", "0");
			exit;
		}
		if ($au != $tU) {
			sl_send_reply("403", "Forbidden auth ID");
			exit;
		}
		return;
	}
	if (!route(LOCALFROM)) {
		sl_send_reply("403", "Not relaying");
		exit;
	}
	if (!proxy_authorize("$fd", "subscriber")) {
		proxy_challenge("$fd", "0");
		exit;
	}
	if ($au != $fU) {
		sl_send_reply("403", "Forbidden auth ID");
		exit;
	}
	consume_credentials();
#!endif
	if (!route(LOCALRURI)) {
		sl_send_reply("403", "Not relaying");
		exit;
	}
}

# Connection reuse (RFC 5923 in spirit): clients on TCP/TLS, or behind a changed source port,
# are reached over the connection or address they came from.
route[NATDETECT] {
	if ($pr != "udp" || nat_uac_test("19")) {
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_method("SUBSCRIBE") && !has_totag()) {
			fix_nated_contact();
		} else if (is_first_hop()) {
			set_contact_alias();
		}
		setflag(FLT_NATS);
	}
}

route[NATMANAGE] {
	if (is_request() && has_totag() && check_route_param("nat=yes")) setbflag(FLB_NATB);
	if (!(isflagset(FLT_NATS) || isbflagset(FLB_NATB))) return;
	if (is_method("INVITE") && is_request() && !has_totag() && t_is_branch_route()) add_rr_param(";nat=yes");
	if (is_reply() && isbflagset(FLB_NATB) && is_first_hop()) set_contact_alias();
	if (isbflagset(FLB_NATB) && is_request() && has_totag()) set_forward_no_connect();
}

route[REGISTRAR] {
	if (!is_method("REGISTER")) return;
	if (isflagset(FLT_NATS)) setbflag(FLB_NATB);
	if (!save("location")) sl_reply_error();
	exit;
}

route[PRESENCE] {
	if (!is_method("PUBLISH|SUBSCRIBE")) return;
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	if (is_method("PUBLISH")) handle_publish();
	else handle_subscribe();
	t_release();
	exit;
}

route[LOCATION] {
	if (!lookup("location")) {
		$var(rc) = $rc;
		t_newtran();
		switch ($var(rc)) {
			case -1:
			case -3:
				send_reply("404", "Not Found");
				exit;
			case -2:
				send_reply("405", "Method Not Allowed");
				exit;
		}
	}
	route(RELAY);
}

route[RELAY] {
	if (is_method("INVITE|BYE|SUBSCRIBE|UPDATE|MESSAGE|NOTIFY|REFER|INFO")) {
		if (!t_is_set("branch_route")) t_on_branch("MANAGE_BRANCH");
		if (!t_is_set("onreply_route")) t_on_reply("MANAGE_REPLY");
	}
	if (!t_relay()) sl_reply_error();
	exit;
}

branch_route[MANAGE_BRANCH] {
	route(NATMANAGE);
}

onreply_route[MANAGE_REPLY] {
	if (status =~ "[12][0-9][0-9]") route(NATMANAGE);
}
`;
}
