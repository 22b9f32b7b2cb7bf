package synth

import "time"

// Stack selects how a host's TCP/IP stack behaves on the wire. Passive OS
// estimation (V1-5) keys on exactly these traits, so each profile follows the
// family's well-known defaults; the embedded ones are plausible, not measured.
type Stack uint8

// TCP/IP stack families.
const (
	StackWindows10     Stack = iota + 1 // also Windows 10 IoT and Windows 11
	StackWindows7                       // Windows 7 / Embedded Standard 7
	StackWindowsServer                  // Windows Server 2012 R2 .. 2022
	StackLinux                          // Linux 4.x+ defaults
	StackCisco                          // Cisco IOS / IOS XE
	StackSwitch                         // other managed industrial switches
	StackMELSEC                         // Mitsubishi MELSEC CPUs and CC-Link stations
	StackOmron                          // Omron CJ/NJ/NX CPUs
	StackSiemens                        // Siemens S7 CPUs
	StackRockwell                       // Rockwell Logix controllers
	StackEmbedded                       // small RTOS stacks: I/O couplers, HMI panels
	StackWindowsXP                      // Windows XP / Server 2003: no window scaling, SMB1 only
	StackRaspbian                       // Raspberry Pi OS and other small Linux boards
)

type stackProfile struct {
	name   string
	ttl    uint8
	df     bool   // sets Don't Fragment on TCP
	synWin uint16 // window in the SYN / SYN-ACK
	mss    uint16
	wscale int8 // window scale shift offered; -1 = option not sent
	sack   bool // SACK permitted offered
	tstamp bool // RFC 7323 timestamps offered
	// win is the receive window in bytes once the connection is up.
	win uint32
	// delack is the delayed-ACK timeout: a lone received segment is
	// acknowledged this long after it arrived unless data goes back first.
	delack time.Duration
	// quickAck stacks acknowledge a request at once and send the reply
	// separately, as Logix controllers do.
	quickAck bool
	// latency is the range of time a server takes to answer a request.
	latency [2]time.Duration
	// ephemeral is the client port range; seqPorts allocates it in order
	// (Windows) rather than at random (Linux).
	ephemeral [2]uint16
	seqPorts  bool
	windows   bool // speaks NetBIOS name service and LLMNR
	mdns      bool // sends mDNS when used as a desktop
}

var stacks = [...]stackProfile{
	StackWindows10: {
		name: "windows10", ttl: 128, df: true, synWin: 64240, mss: 1460, wscale: 8, sack: true,
		win: 262144, delack: 200 * time.Millisecond,
		latency:   [2]time.Duration{100 * time.Microsecond, 600 * time.Microsecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true, windows: true, mdns: true,
	},
	StackWindows7: {
		name: "windows7", ttl: 128, df: true, synWin: 8192, mss: 1460, wscale: 2, sack: true,
		win: 65536, delack: 200 * time.Millisecond,
		latency:   [2]time.Duration{100 * time.Microsecond, 600 * time.Microsecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true, windows: true,
	},
	StackWindowsServer: {
		name: "windows-server", ttl: 128, df: true, synWin: 65535, mss: 1460, wscale: 8, sack: true,
		win: 262144, delack: 200 * time.Millisecond,
		latency:   [2]time.Duration{80 * time.Microsecond, 400 * time.Microsecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true, windows: true,
	},
	StackLinux: {
		name: "linux", ttl: 64, df: true, synWin: 64240, mss: 1460, wscale: 7, sack: true, tstamp: true,
		win: 64256, delack: 40 * time.Millisecond,
		latency:   [2]time.Duration{60 * time.Microsecond, 300 * time.Microsecond},
		ephemeral: [2]uint16{32768, 60999}, mdns: true,
	},
	StackCisco: {
		name: "cisco-ios", ttl: 255, synWin: 4128, mss: 536, wscale: -1,
		win: 4128, delack: 200 * time.Millisecond,
		latency:   [2]time.Duration{200 * time.Microsecond, time.Millisecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true,
	},
	StackSwitch: {
		name: "switch", ttl: 64, synWin: 5840, mss: 1460, wscale: -1,
		win: 5840, delack: 100 * time.Millisecond,
		latency:   [2]time.Duration{300 * time.Microsecond, 2 * time.Millisecond},
		ephemeral: [2]uint16{1024, 5000}, seqPorts: true,
	},
	StackMELSEC: {
		name: "melsec", ttl: 64, synWin: 8192, mss: 1460, wscale: -1,
		win: 8192, delack: 50 * time.Millisecond,
		latency:   [2]time.Duration{time.Millisecond, 3 * time.Millisecond},
		ephemeral: [2]uint16{1025, 4999}, seqPorts: true,
	},
	StackOmron: {
		name: "omron", ttl: 64, synWin: 8192, mss: 1460, wscale: -1,
		win: 8192, delack: 50 * time.Millisecond,
		latency:   [2]time.Duration{500 * time.Microsecond, 2 * time.Millisecond},
		ephemeral: [2]uint16{1024, 4999}, seqPorts: true,
	},
	StackSiemens: {
		name: "siemens", ttl: 30, synWin: 4096, mss: 1460, wscale: -1,
		win: 4096, delack: 100 * time.Millisecond,
		latency:   [2]time.Duration{2 * time.Millisecond, 6 * time.Millisecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true,
	},
	StackRockwell: {
		name: "rockwell", ttl: 64, synWin: 4096, mss: 1460, wscale: 0,
		win: 4096, delack: 100 * time.Millisecond, quickAck: true,
		latency:   [2]time.Duration{2 * time.Millisecond, 5 * time.Millisecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true,
	},
	StackEmbedded: {
		name: "embedded", ttl: 64, synWin: 5840, mss: 1460, wscale: -1,
		win: 5840, delack: 100 * time.Millisecond,
		latency:   [2]time.Duration{500 * time.Microsecond, 2 * time.Millisecond},
		ephemeral: [2]uint16{49152, 65535}, seqPorts: true,
	},
	StackWindowsXP: {
		name: "windows-xp", ttl: 128, df: true, synWin: 64240, mss: 1460, wscale: -1, sack: true,
		win: 64240, delack: 200 * time.Millisecond,
		latency:   [2]time.Duration{150 * time.Microsecond, 900 * time.Microsecond},
		ephemeral: [2]uint16{1025, 5000}, seqPorts: true, windows: true,
	},
	StackRaspbian: {
		name: "linux-arm", ttl: 64, df: true, synWin: 64240, mss: 1460, wscale: 7, sack: true, tstamp: true,
		win: 64256, delack: 40 * time.Millisecond,
		latency:   [2]time.Duration{100 * time.Microsecond, 500 * time.Microsecond},
		ephemeral: [2]uint16{32768, 60999},
	},
}

func (s Stack) valid() bool { return s > 0 && int(s) < len(stacks) }

// String returns the profile's short name, such as "windows10".
func (s Stack) String() string {
	if !s.valid() {
		return "unknown"
	}
	return stacks[s].name
}

func (s Stack) profile() *stackProfile { return &stacks[s] }
