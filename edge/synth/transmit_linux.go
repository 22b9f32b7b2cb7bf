//go:build linux

package synth

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Transmitter writes frames onto an interface through an AF_PACKET socket,
// for tests, benchmarks and `mimamori simulate --live`. It refuses any
// interface but an isolated veth (see Isolated), and any frame that
// addresses something outside 127.0.0.0/8 (see CheckLoopback): generated
// traffic must never reach another machine.
type Transmitter struct {
	fd    int
	name  string
	count Transmitted
}

// OpenTransmitter opens iface for sending. It needs CAP_NET_RAW.
func OpenTransmitter(iface string) (*Transmitter, error) {
	if err := Isolated(iface); err != nil {
		return nil, err
	}
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("synth: transmit on %s: %w", iface, err)
	}
	// Protocol 0: the socket sends but receives nothing.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("synth: transmit on %s: packet socket: %w", iface, err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("synth: transmit on %s: bind: %w", iface, err)
	}
	// Skip the queueing discipline: a veth has none worth going through,
	// and it would only add drops of its own.
	_ = unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, 4<<20)
	return &Transmitter{fd: fd, name: iface}, nil
}

// Send writes one frame after CheckLoopback. A full socket buffer is
// retried for up to a second, so Send blocks briefly rather than dropping.
func (t *Transmitter) Send(frame []byte) error {
	if err := CheckLoopback(frame); err != nil {
		return err
	}
	var deadline time.Time
	for tries := 0; ; tries++ {
		_, err := unix.Write(t.fd, frame)
		switch err {
		case nil:
			t.count.Frames++
			t.count.Bytes += uint64(len(frame))
			return nil
		case unix.ENOBUFS, unix.EAGAIN, unix.EINTR:
			if tries == 0 {
				deadline = time.Now().Add(time.Second)
			} else if tries%1024 == 0 && time.Now().After(deadline) {
				return fmt.Errorf("synth: transmit on %s: %w for a second", t.name, err)
			}
			continue
		}
		return fmt.Errorf("synth: transmit on %s: %w", t.name, err)
	}
}

// Sent returns what was sent so far.
func (t *Transmitter) Sent() Transmitted { return t.count }

// Close releases the socket.
func (t *Transmitter) Close() error { return unix.Close(t.fd) }

// Isolated returns nil when iface is a veth whose peer is in the same
// network namespace, that namespace is a private one made with
// `ip netns add` (not the machine's initial namespace), and nothing in it
// leads elsewhere: every interface besides loopback is a veth whose peer
// is in the same namespace, and none is enslaved to a bridge or bond.
// Otherwise it returns an error wrapping ErrNotIsolated that says why. The
// namespace is the calling thread's.
func Isolated(iface string) error {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrNotIsolated, iface, fmt.Sprintf(format, a...))
	}
	self, err := nsInode("/proc/thread-self/ns/net")
	if err != nil {
		return fail("cannot identify the network namespace: %v", err)
	}
	if initial, err := nsInode("/proc/1/ns/net"); err == nil && initial == self {
		return fail("this is the machine's initial network namespace; run inside a private one (ip netns exec)")
	}
	if !namedNamespace(self) {
		return fail("not inside a network namespace made with `ip netns add`; run under ip netns exec")
	}
	links, err := netLinks()
	if err != nil {
		return fail("listing links: %v", err)
	}
	byIndex := map[int]*netLink{}
	var me *netLink
	for i := range links {
		byIndex[links[i].index] = &links[i]
		if links[i].name == iface {
			me = &links[i]
		}
	}
	if me == nil {
		return fail("no such interface in this namespace")
	}
	if me.kind != "veth" {
		return fail("kind %q, not veth", me.kind)
	}
	for _, l := range links {
		if l.loopback {
			continue
		}
		peer := byIndex[l.link]
		switch {
		case l.kind != "veth":
			return fail("the namespace also holds %s (kind %q), which may lead outside", l.name, l.kind)
		case l.peerElsewhere || peer == nil:
			return fail("the veth %s has its peer in another network namespace", l.name)
		case l.master != 0:
			return fail("%s is enslaved to another interface", l.name)
		case peer.link != l.index:
			return fail("%s and its peer do not point at each other", l.name)
		}
	}
	return nil
}

// namedNamespace reports whether the namespace with inode ino is one that
// `ip netns add` made (it lists them under /var/run/netns).
func namedNamespace(ino uint64) bool {
	entries, err := os.ReadDir("/var/run/netns")
	if err != nil {
		return false
	}
	for _, e := range entries {
		if n, err := nsInode(filepath.Join("/var/run/netns", e.Name())); err == nil && n == ino {
			return true
		}
	}
	return false
}

func nsInode(path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// netLink is what Isolated needs to know about one interface.
type netLink struct {
	index, link, master int
	name, kind          string
	loopback            bool
	peerElsewhere       bool // IFLA_LINK_NETNSID present: the peer is in another namespace
}

const (
	iflaLinkNetnsID = 37 // IFLA_LINK_NETNSID, not in package syscall
	iflaInfoKind    = 1  // IFLA_INFO_KIND inside IFLA_LINKINFO
)

// netLinks lists the interfaces of the calling thread's namespace over
// rtnetlink.
func netLinks() ([]netLink, error) {
	tab, err := syscall.NetlinkRIB(syscall.RTM_GETLINK, syscall.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	msgs, err := syscall.ParseNetlinkMessage(tab)
	if err != nil {
		return nil, err
	}
	var out []netLink
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != syscall.RTM_NEWLINK || len(m.Data) < syscall.SizeofIfInfomsg {
			continue
		}
		info := (*syscall.IfInfomsg)(unsafe.Pointer(&m.Data[0]))
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return nil, err
		}
		l := netLink{index: int(info.Index), loopback: info.Flags&syscall.IFF_LOOPBACK != 0}
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFLA_IFNAME:
				l.name = cString(a.Value)
			case syscall.IFLA_LINK:
				if len(a.Value) >= 4 {
					l.link = int(binary.NativeEndian.Uint32(a.Value))
				}
			case syscall.IFLA_MASTER:
				if len(a.Value) >= 4 {
					l.master = int(binary.NativeEndian.Uint32(a.Value))
				}
			case iflaLinkNetnsID:
				l.peerElsewhere = true
			case syscall.IFLA_LINKINFO:
				l.kind = linkKind(a.Value)
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// linkKind finds IFLA_INFO_KIND among the nested attributes of
// IFLA_LINKINFO.
func linkKind(b []byte) string {
	for len(b) >= 4 {
		n := int(binary.NativeEndian.Uint16(b))
		typ := binary.NativeEndian.Uint16(b[2:])
		if n < 4 || n > len(b) {
			return ""
		}
		if typ == iflaInfoKind {
			return cString(b[4:n])
		}
		b = b[min(len(b), (n+3)&^3):]
	}
	return ""
}

func cString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
