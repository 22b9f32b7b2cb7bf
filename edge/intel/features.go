package intel

import (
	"net/netip"
	"slices"
	"strings"

	"mimamori/edge/intel/services"
)

// svcKey is a transport service: protocol and server port.
type svcKey struct {
	proto uint8
	port  uint16
}

// svcUse sums one device's use of one service, as server or as client.
type svcUse struct {
	peers   map[int]bool // node ids of the other side
	flows   uint64
	minutes uint64
	packets uint64
	bytes   uint64
	ot      bool
}

func (u *svcUse) add(peer int, c *Conversation, ot bool) {
	if u.peers == nil {
		u.peers = map[int]bool{}
	}
	u.peers[peer] = true
	u.flows += c.Flows
	u.minutes += c.Minutes
	u.packets += c.Packets()
	u.bytes += c.Bytes()
	u.ot = u.ot || ot
}

// features are what role estimation reads about one device.
type features struct {
	served      map[svcKey]*svcUse
	used        map[svcKey]*svcUse
	broadcasts  map[svcKey]bool // sends to a broadcast or multicast address on this port
	otServersBy map[int]map[svcKey]bool
	peers       map[int]bool
	// otProtocols are industrial protocols the device took part in, with
	// the side it took: requester (client) or responder (server).
	otAsServer map[string]bool
	otAsClient map[string]bool
	engOps     map[string]bool // engineering operations it requested
}

func newFeatures() *features {
	return &features{
		served: map[svcKey]*svcUse{}, used: map[svcKey]*svcUse{}, broadcasts: map[svcKey]bool{},
		otServersBy: map[int]map[svcKey]bool{}, peers: map[int]bool{},
		otAsServer: map[string]bool{}, otAsClient: map[string]bool{}, engOps: map[string]bool{},
	}
}

// cyclicPorts are OT ports whose peers use the same port on both sides
// and exchange cyclic data: which side the flow table calls the client is
// then an accident of which packet came first.
var cyclicPorts = map[svcKey]bool{
	{services.UDP, 61450}: true, // CC-Link IE Field Basic
	{services.UDP, 45238}: true, // CC-Link IE TSN
	{services.UDP, 2222}:  true, // EtherNet/IP implicit I/O
	{services.UDP, 34962}: true, // PROFINET RT over UDP
	{services.UDP, 34963}: true,
}

// historianPorts are served by historians.
var historianPorts = map[svcKey]bool{
	{services.TCP, 5450}: true, {services.TCP, 5457}: true, {services.TCP, 5459}: true, // OSIsoft PI
}

// fileServices and printServices name the ports of file and print servers.
var (
	fileServices = map[svcKey]string{
		{services.TCP, 445}: "SMB", {services.TCP, 139}: "NetBIOS session", {services.TCP, 2049}: "NFS",
		{services.UDP, 2049}: "NFS", {services.TCP, 21}: "FTP",
	}
	printServices = map[svcKey]string{
		{services.TCP, 9100}: "JetDirect (9100)", {services.TCP, 515}: "LPD", {services.TCP, 631}: "IPP",
	}
	melsoftPorts = map[svcKey]bool{
		{services.TCP, 5006}: true, {services.UDP, 5006}: true, {services.TCP, 5007}: true, {services.UDP, 5007}: true,
		{services.TCP, 5562}: true,
	}
)

// broadcastAddr reports whether ip is a multicast or (heuristically, for
// IPv4) a broadcast address: all ones in the last octet.
func broadcastAddr(ip netip.Addr) bool {
	if ip.IsMulticast() {
		return true
	}
	if ip.Is4() {
		a := ip.As4()
		return a[3] == 255
	}
	return false
}

// engineering operation names: function names and codes that program,
// start or stop a controller, as the dissectors name them.
var engKeywords = []string{
	"download", "upload", "program", "stop", "run", "reset", "clear", "firmware", "block",
	"password", "mode", "latch", "delete", "write_file", "file_write", "initialize", "format",
}

// engineeringOp reports whether an OT function is an engineering
// operation rather than data access, and names it.
func engineeringOp(protocol, function string, code uint32) (string, bool) {
	f := strings.ToLower(function)
	switch protocol {
	case "s7comm":
		// S7 job functions: 0x1a-0x1f block download/upload, 0x28 PLC
		// control (start), 0x29 PLC stop.
		if code >= 0x1a && code <= 0x1f || code == 0x28 || code == 0x29 {
			return nameOr(function, "s7 program/control"), true
		}
		return "", false
	case "fins":
		// 03xx program area, 04xx run/stop, 22xx file memory.
		if hi := code >> 8; hi == 0x03 || hi == 0x04 || hi == 0x22 {
			return nameOr(function, "fins program/mode"), true
		}
		return "", false
	case "slmp", "melsec":
		// 1001-1006 remote run, stop, pause, latch clear, reset.
		if code >= 0x1001 && code <= 0x1006 {
			return nameOr(function, "remote control"), true
		}
	}
	if f == "" {
		return "", false
	}
	for _, k := range engKeywords {
		if strings.Contains(f, k) {
			// "read" functions that mention a block or program only read.
			if strings.Contains(f, "read") && k != "upload" {
				continue
			}
			return function, true
		}
	}
	return "", false
}

func nameOr(function, fallback string) string {
	if function != "" && function != "unknown" {
		return function
	}
	return fallback
}

// sortedKeys lists a set's keys in order.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// sortedSvcs lists a service map's keys by protocol and port, so loops
// that stop early or append reasons do so in a fixed order.
func sortedSvcs[V any](m map[svcKey]V) []svcKey {
	out := make([]svcKey, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b svcKey) int {
		if a.proto != b.proto {
			return int(a.proto) - int(b.proto)
		}
		return int(a.port) - int(b.port)
	})
	return out
}
