package intel

import (
	"fmt"
	"strings"

	"mimamori/edge/intel/eol"
	"mimamori/edge/intel/osfp"
)

// Role is a device's job on the network, estimated from how it
// communicates (V1-6).
type Role string

// The roles, sixteen at most so the role matrix has a colour for each.
const (
	RolePLC         Role = "plc"         // answers industrial requests; a controller
	RoleFieldIO     Role = "field-io"    // remote I/O, drives, couplers: cyclic slaves
	RoleHMI         Role = "hmi"         // operator panel polling a few controllers
	RoleSCADA       Role = "scada"       // supervisory server polling many controllers
	RoleEngineering Role = "engineering" // programs and diagnoses controllers
	RoleHistorian   Role = "historian"   // stores process data
	RoleDNS         Role = "dns-server"  // answers DNS
	RoleDHCP        Role = "dhcp-server" // hands out addresses
	RoleNTP         Role = "ntp-server"  // serves time
	RoleFileServer  Role = "file-server" // serves SMB, NFS, FTP
	RoleServer      Role = "server"      // serves other IT services
	RoleRouter      Role = "router"      // routes between subnets
	RoleSwitch      Role = "switch"      // bridges (LLDP, CDP, STP)
	RolePrinter     Role = "printer"     // prints
	RoleClient      Role = "client"      // uses services, serves none
	RoleUnknown     Role = "unknown"     // too little traffic to tell
)

// Roles lists every role in display order.
var Roles = []Role{RolePLC, RoleFieldIO, RoleHMI, RoleSCADA, RoleEngineering, RoleHistorian,
	RoleRouter, RoleSwitch, RoleDNS, RoleDHCP, RoleNTP, RoleFileServer, RoleServer, RolePrinter,
	RoleClient, RoleUnknown}

var roleJapanese = map[Role]string{
	RolePLC: "PLC/コントローラ", RoleFieldIO: "フィールド機器 (I/O・ドライブ)", RoleHMI: "HMI",
	RoleSCADA: "SCADAサーバー", RoleEngineering: "エンジニアリング端末", RoleHistorian: "ヒストリアン",
	RoleDNS: "DNSサーバー", RoleDHCP: "DHCPサーバー", RoleNTP: "NTPサーバー", RoleFileServer: "ファイルサーバー",
	RoleServer: "サーバー", RoleRouter: "ルーター/ゲートウェイ", RoleSwitch: "スイッチ", RolePrinter: "プリンター",
	RoleClient: "クライアント", RoleUnknown: "不明",
}

// Japanese is the role's name in the portal.
func (r Role) Japanese() string {
	if s, ok := roleJapanese[r]; ok {
		return s
	}
	return string(r)
}

var familyJapanese = map[string]string{
	osfp.FamilyNetwork: "ネットワーク機器OS", osfp.FamilyEmbedded: "組込み/制御機器", osfp.FamilyOther: "その他",
	osfp.FamilyUnix: "UNIX",
}

// FamilyJapanese names an OS family in the portal; "" is 不明.
func FamilyJapanese(f string) string {
	if f == "" {
		return "不明"
	}
	if s, ok := familyJapanese[f]; ok {
		return s
	}
	return f
}

var eolJapanese = map[eol.State]string{
	eol.Unknown: "不明", eol.Supported: "サポート中", eol.Ending: "まもなく終了",
	eol.Partial: "一部終了の可能性", eol.EOL: "サポート終了",
}

// EOLJapanese names a support state in the portal.
func EOLJapanese(s eol.State) string { return eolJapanese[s] }

var sourceJapanese = map[string]string{
	osfp.SourceTCPSYN: "TCP SYN", osfp.SourceTCPSYNACK: "TCP SYN+ACK", osfp.SourceDHCP: "DHCP",
	osfp.SourceBrowser: "SMB/ブラウザーアナウンス", osfp.SourceUserAgent: "HTTP User-Agent",
	osfp.SourceHTTPServer: "HTTP Server", osfp.SourceSSDP: "SSDP", osfp.SourceLLDP: "LLDP", osfp.SourceCDP: "CDP",
	osfp.SourceIdentity: "OT機器情報", osfp.SourceVendor: "MACベンダー", osfp.SourceTTL: "TTL",
}

// SourceJapanese names a kind of evidence in the portal.
func SourceJapanese(s string) string {
	if j, ok := sourceJapanese[s]; ok {
		return j
	}
	return s
}

// Reason is one fact behind a role, as a code with its values, so it can
// be written in either language.
type Reason struct {
	Code string
	Args []string
}

// Reason codes and their English and Japanese texts; %s takes the Args.
var reasonTexts = map[string][2]string{
	"serves-ot":         {"serves %s to %s client(s)", "%s を %s 台に提供 (OTサーバー)"},
	"serves-unknown-ot": {"answers %s polled by OT clients", "OTクライアントから %s で常時ポーリング"},
	"cyclic-master":     {"sends cyclic %s broadcasts (master)", "%s のサイクリック通信をブロードキャスト (マスター)"},
	"cyclic-slave":      {"answers the cyclic %s of %s (slave)", "%s のサイクリック通信に応答 (スレーブ, マスター %s)"},
	"ot-identity":       {"identifies itself as %s over %s", "%s として応答 (%s)"},
	"io-vendor":         {"single-protocol %s server made by %s", "%s のみ応答する %s 製機器"},
	"field-l2":          {"talks %s at layer 2 without an IP address", "IPアドレスを持たず %s で通信 (フィールドネットワーク局)"},
	"polls-ot":          {"polls %s OT device(s) over %s", "%s 台のOT機器を %s でポーリング"},
	"polls-subnets":     {"polls OT devices in %s subnet(s)", "%s 個のサブネットのOT機器をポーリング"},
	"eng-functions":     {"sends engineering operations: %s", "エンジニアリング操作を送信: %s"},
	"eng-sessions":      {"opens short sessions to %s controller(s) over %s", "%s 台のコントローラへ短時間セッション (%s)"},
	"melsoft":           {"connects with MELSOFT (GX Works) to %s device(s)", "MELSOFT (GX Works) で %s 台に接続"},
	"historian-port":    {"serves %s", "%s を提供 (ヒストリアン)"},
	"fed-by-scada":      {"receives data from SCADA %s", "SCADA %s からデータを受信"},
	"serves-dns":        {"answers DNS for %s client(s)", "%s 台にDNS応答"},
	"serves-dhcp":       {"hands out DHCP leases", "DHCPでアドレスを配布"},
	"serves-ntp":        {"serves NTP to %s client(s)", "%s 台にNTPを提供"},
	"serves-files":      {"serves %s to %s client(s)", "%s を %s 台に提供"},
	"domain-controller": {"announces itself as a domain controller", "ドメインコントローラとしてアナウンス"},
	"print-server":      {"announces a print queue", "プリントキューをアナウンス"},
	"serves-print":      {"serves %s", "%s を提供 (印刷)"},
	"serves-it":         {"serves %s to %s client(s)", "%s を %s 台に提供"},
	"link-router":       {"announces router capability in %s", "%s でルーター機能をアナウンス"},
	"link-bridge":       {"announces bridge capability in %s", "%s でブリッジ機能をアナウンス"},
	"sends-stp":         {"sends spanning-tree BPDUs", "STP BPDUを送信"},
	"gateway-subnets":   {"owns addresses in %s subnets", "%s 個のサブネットにアドレスを持つ (ゲートウェイ)"},
	"many-ips":          {"sends for %s addresses behind one MAC", "1つのMACから %s 個のアドレスが送信"},
	"forwarded":         {"forwards handshakes with %s router hop(s)", "ルーター経由のTCPハンドシェイクを転送 (%s ホップ)"},
	"network-os":        {"runs %s", "%s を搭載"},
	"uses-services":     {"uses %s", "%s を利用 (クライアント)"},
	"desktop-os":        {"runs %s", "%s を搭載"},
	"panel-vendor":      {"made by %s, an HMI maker", "HMIメーカー %s 製"},
	"industrial-vendor": {"made by %s", "%s 製"},
	"no-evidence":       {"too little traffic to tell", "判定に十分な通信がありません"},
}

func (r Reason) render(lang int) string {
	t, ok := reasonTexts[r.Code]
	if !ok {
		return r.Code + " " + strings.Join(r.Args, " ")
	}
	args := make([]any, len(r.Args))
	for i, a := range r.Args {
		args[i] = a
	}
	return fmt.Sprintf(t[lang], args...)
}

// English renders the reason for the analyze output.
func (r Reason) English() string { return r.render(0) }

// Japanese renders the reason for the portal.
func (r Reason) Japanese() string { return r.render(1) }
