//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"
)

// liveSource reads one interface through an AF_PACKET socket: through a
// TPACKET_V3 ring (ring_linux.go) when the kernel offers one, else one
// recvmsg per frame. Either way a wait is bounded by the poll interval, so
// ReadPacket returns ErrTimeout on an idle link instead of blocking forever.
type liveSource struct {
	name     string
	fd       int
	ifindex  int32
	loopback bool
	link     layers.LinkType

	// buf holds a frame at offset vlanRoom so that a VLAN tag stripped by
	// the NIC can be put back in front of the EtherType without copying
	// the payload.
	buf []byte
	oob []byte
	sa  unix.RawSockaddrLinklayer
	iov unix.Iovec
	msg unix.Msghdr

	ring *ring // nil: recvmsg

	mu     sync.Mutex // guards drops, which Drops may read from another goroutine
	drops  uint64
	closed bool
}

// vlanRoom is the space kept in front of each frame for a reinserted tag.
const vlanRoom = 4

// OpenLive starts capturing on iface. It needs CAP_NET_RAW (root).
func OpenLive(iface string, opts LiveOptions) (Source, error) {
	opts = opts.withDefaults()
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, fmt.Errorf("capture: open %s: %w", iface, err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		return nil, fmt.Errorf("capture: open %s: packet socket: %w", iface, err)
	}
	s := &liveSource{name: iface, fd: fd, ifindex: int32(ifi.Index)}
	if err := s.setup(ifi, opts); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: open %s: %w", iface, err)
	}
	return s, nil
}

func (s *liveSource) setup(ifi *net.Interface, opts LiveOptions) error {
	if err := unix.Bind(s.fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fmt.Errorf("bind: %w", err)
	}
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		return fmt.Errorf("getsockname: %w", err)
	}
	ll, ok := sa.(*unix.SockaddrLinklayer)
	if !ok {
		return errors.New("getsockname: not a link-layer address")
	}
	switch ll.Hatype {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		s.link = layers.LinkTypeEthernet
		s.loopback = ll.Hatype == unix.ARPHRD_LOOPBACK
	case unix.ARPHRD_NONE, unix.ARPHRD_PPP:
		// tun and PPP interfaces hand over bare IP packets.
		s.link = layers.LinkTypeRaw
	default:
		return fmt.Errorf("unsupported hardware type %d", ll.Hatype)
	}
	if !opts.DisablePromiscuous {
		mreq := unix.PacketMreq{Ifindex: s.ifindex, Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(s.fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fmt.Errorf("promiscuous mode: %w", err)
		}
	}
	// Auxiliary data carries the original length and the VLAN tag that
	// offload removed from the frame.
	if err := unix.SetsockoptInt(s.fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return fmt.Errorf("auxdata: %w", err)
	}
	if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fmt.Errorf("timestamps: %w", err)
	}
	tv := unix.NsecToTimeval(opts.PollInterval.Nanoseconds())
	if err := unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("receive timeout: %w", err)
	}
	// A large socket buffer absorbs bursts while a minute is being sealed.
	// SO_RCVBUFFORCE goes past rmem_max when privileged; otherwise settle
	// for what SO_RCVBUF grants.
	if err := unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, opts.BufferBytes); err != nil {
		_ = unix.SetsockoptInt(s.fd, unix.SOL_SOCKET, unix.SO_RCVBUF, opts.BufferBytes)
	}
	if !opts.DisableRing {
		// Without a ring (an old kernel, locked memory limits) recvmsg
		// still works, only at a lower rate.
		if r, err := setupRing(s.fd, opts.BufferBytes, opts.SnapLen, opts.PollInterval); err == nil {
			s.ring = r
		}
	}
	// Reading the statistics resets them, so frames dropped before now are
	// not blamed on this source.
	if _, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err != nil {
		return fmt.Errorf("statistics: %w", err)
	}

	s.buf = make([]byte, vlanRoom+opts.SnapLen)
	s.oob = make([]byte, unix.CmsgSpace(sizeofAuxdata)+unix.CmsgSpace(sizeofTimespec))
	s.iov.Base = &s.buf[vlanRoom]
	s.iov.SetLen(opts.SnapLen)
	s.msg.Name = (*byte)(unsafe.Pointer(&s.sa))
	s.msg.Iov = &s.iov
	s.msg.Iovlen = 1
	s.msg.Control = &s.oob[0]
	return nil
}

func (s *liveSource) Name() string { return s.name }

func (s *liveSource) ReadPacket() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.closed {
		return nil, gopacket.CaptureInfo{}, s.link, ErrClosed
	}
	if s.ring != nil {
		return s.readRing()
	}
	for {
		s.msg.Namelen = uint32(unsafe.Sizeof(s.sa))
		s.msg.SetControllen(len(s.oob))
		// unix.Recvmsg would allocate a Sockaddr per frame; the raw call
		// fills buffers owned by the source.
		n, _, errno := unix.Syscall(unix.SYS_RECVMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msg)), unix.MSG_TRUNC)
		switch errno {
		case 0:
		case unix.EAGAIN, unix.EINTR:
			if errno == unix.EINTR {
				continue
			}
			return nil, gopacket.CaptureInfo{}, s.link, ErrTimeout
		default:
			return nil, gopacket.CaptureInfo{}, s.link, fmt.Errorf("capture: read %s: %w", s.name, syscall.Errno(errno))
		}
		// Frames of other interfaces can slip in between socket() and
		// bind(); on loopback every frame is seen twice, going out and
		// coming in, and only the incoming copy is kept (as libpcap does).
		if s.sa.Ifindex != s.ifindex || (s.loopback && s.sa.Pkttype == unix.PACKET_OUTGOING) {
			continue
		}
		return s.frame(int(n))
	}
}

// frame builds the returned frame from a completed recvmsg of n bytes
// (the full frame length, thanks to MSG_TRUNC).
func (s *liveSource) frame(n int) ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	snap := len(s.buf) - vlanRoom
	ci := gopacket.CaptureInfo{CaptureLength: min(n, snap), Length: n, InterfaceIndex: int(s.ifindex)}
	var aux *unix.TpacketAuxdata
	oob := s.oob[:s.msg.Controllen]
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(oob) {
			break
		}
		body := oob[unix.CmsgLen(0):l]
		switch {
		case h.Level == unix.SOL_PACKET && h.Type == unix.PACKET_AUXDATA && len(body) >= sizeofAuxdata:
			aux = (*unix.TpacketAuxdata)(unsafe.Pointer(&body[0]))
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(body) >= sizeofTimespec:
			ts := (*unix.Timespec)(unsafe.Pointer(&body[0]))
			ci.Timestamp = time.Unix(ts.Unix())
		}
		next := unix.CmsgSpace(l - unix.CmsgLen(0))
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	if ci.Timestamp.IsZero() {
		ci.Timestamp = time.Now()
	}
	data := s.buf[vlanRoom : vlanRoom+ci.CaptureLength]
	if aux != nil {
		ci.Length = int(aux.Len)
		if aux.Status&unix.TP_STATUS_VLAN_VALID != 0 && s.link == layers.LinkTypeEthernet && len(data) >= 12 {
			data = s.reinsertVLAN(data, aux)
			ci.CaptureLength += vlanRoom
			ci.Length += vlanRoom
		}
	}
	return data, ci, s.link, nil
}

// reinsertVLAN moves the MAC addresses 4 bytes forward and writes the
// stripped tag between them and the EtherType, so the frame looks as it did
// on the wire.
func (s *liveSource) reinsertVLAN(data []byte, aux *unix.TpacketAuxdata) []byte {
	tpid := uint16(layers.EthernetTypeDot1Q)
	if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && aux.Vlan_tpid != 0 {
		tpid = aux.Vlan_tpid
	}
	out := s.buf[:vlanRoom+len(data)]
	copy(out[0:12], data[0:12])
	binary.BigEndian.PutUint16(out[12:14], tpid)
	binary.BigEndian.PutUint16(out[14:16], aux.Vlan_tci)
	return out
}

func (s *liveSource) Drops() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.drops
	}
	// The kernel resets its counters on every read; keep the running total.
	if st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
		s.drops += uint64(st.Drops)
	}
	return s.drops
}

func (s *liveSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.ring != nil {
		if err := s.ring.close(); err != nil {
			unix.Close(s.fd)
			return fmt.Errorf("capture: close %s: %w", s.name, err)
		}
	}
	if err := unix.Close(s.fd); err != nil {
		return fmt.Errorf("capture: close %s: %w", s.name, err)
	}
	return nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// sizeofAuxdata is the size of struct tpacket_auxdata, which x/sys/unix
// does not export.
const sizeofAuxdata = int(unsafe.Sizeof(unix.TpacketAuxdata{}))

// sizeofTimespec is the size of struct timespec on this platform.
const sizeofTimespec = int(unsafe.Sizeof(unix.Timespec{}))
