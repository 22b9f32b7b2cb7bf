//go:build linux

package capture

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/sys/unix"
)

// ring is a TPACKET_V3 receive ring shared with the kernel. The kernel
// fills fixed-size blocks with frames back to back and hands a block over
// when it is full or after a short timeout; the reader walks the block's
// frames without a system call each and gives the block back when it has
// moved past its last frame. One poll per block instead of one recvmsg per
// frame is what lets a single core keep up with a gigabit mirror port.
type ring struct {
	mem       []byte // the mmapped ring
	blockSize int
	blocks    int
	tov       time.Duration

	cur    int     // index of the block being read
	held   bool    // the current block is ours (TP_STATUS_USER seen)
	left   uint32  // frames of the held block not yet returned
	next   uintptr // offset in mem of the next frame to return
	pfd    [1]unix.PollFd
	pollMs int

	// vlan holds a frame whose offloaded VLAN tag is put back: the ring
	// is the kernel's, so the tag cannot be written in front of the frame.
	vlan []byte
}

// Ring geometry: blocks of 1 MiB hold several thousand typical frames and
// the largest snap length. The kernel hands a block over when it is full
// or ringTimeout after its first frame. A short timeout wastes the rest of
// each block at low rates (32 blocks at 20 ms would hold only 0.64 s of a
// quiet link); frames are batched per minute anyway, so 100 ms of added
// latency costs nothing.
const (
	ringBlockSize = 1 << 20
	ringFrameSize = 1 << 11 // only a unit for the kernel's checks in V3
	ringTimeout   = 100 * time.Millisecond
	minRingBlocks = 4
)

// setupRing switches the socket to TPACKET_V3 and maps a ring of about
// bytes. It returns an error if the kernel refuses, and the caller then
// reads with recvmsg.
func setupRing(fd int, bytes, snapLen int, poll time.Duration) (*ring, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("TPACKET_V3: %w", err)
	}
	blockSize := ringBlockSize
	for blockSize < snapLen+256 {
		blockSize <<= 1
	}
	blocks := max(bytes/blockSize, minRingBlocks)
	req := unix.TpacketReq3{
		Block_size:     uint32(blockSize),
		Block_nr:       uint32(blocks),
		Frame_size:     ringFrameSize,
		Frame_nr:       uint32(blockSize / ringFrameSize * blocks),
		Retire_blk_tov: uint32(ringTimeout / time.Millisecond),
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("receive ring: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, blockSize*blocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		return nil, fmt.Errorf("map receive ring: %w", err)
	}
	r := &ring{mem: mem, blockSize: blockSize, blocks: blocks, tov: ringTimeout,
		pollMs: max(int(poll/time.Millisecond), 1), vlan: make([]byte, snapLen+vlanRoom)}
	r.pfd[0] = unix.PollFd{Fd: int32(fd), Events: unix.POLLIN | unix.POLLERR}
	return r, nil
}

// block returns the header of block i.
func (r *ring) block(i int) *unix.TpacketHdrV1 {
	desc := (*unix.TpacketBlockDesc)(unsafe.Pointer(&r.mem[i*r.blockSize]))
	return (*unix.TpacketHdrV1)(unsafe.Pointer(&desc.Hdr[0]))
}

// release gives the held block back to the kernel and moves to the next.
func (r *ring) release() {
	atomic.StoreUint32(&r.block(r.cur).Block_status, unix.TP_STATUS_KERNEL)
	r.held = false
	r.cur = (r.cur + 1) % r.blocks
}

// sockaddrOffset is where the kernel puts a frame's sockaddr_ll: after the
// frame header, aligned to TPACKET_ALIGNMENT (16).
var sockaddrOffset = (unsafe.Sizeof(unix.Tpacket3Hdr{}) + 15) &^ 15

// read returns the next frame in the ring, waiting up to the poll
// interval for the kernel to hand over a block.
func (s *liveSource) readRing() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	r := s.ring
	for {
		if r.held && r.left == 0 {
			r.release()
		}
		if !r.held {
			b := r.block(r.cur)
			if atomic.LoadUint32(&b.Block_status)&unix.TP_STATUS_USER == 0 {
				n, err := unix.Poll(r.pfd[:], r.pollMs)
				if err == unix.EINTR {
					continue
				}
				if err != nil {
					return nil, gopacket.CaptureInfo{}, s.link, fmt.Errorf("capture: poll %s: %w", s.name, err)
				}
				if r.pfd[0].Revents&unix.POLLERR != 0 {
					// Reported for a full ring; the drop count tells the story.
					r.pfd[0].Revents = 0
				}
				if atomic.LoadUint32(&b.Block_status)&unix.TP_STATUS_USER == 0 {
					if n == 0 {
						return nil, gopacket.CaptureInfo{}, s.link, ErrTimeout
					}
					continue
				}
			}
			r.held = true
			r.left = b.Num_pkts
			r.next = uintptr(r.cur*r.blockSize) + uintptr(b.Offset_to_first_pkt)
			continue
		}
		off := r.next
		if off+unsafe.Sizeof(unix.Tpacket3Hdr{}) > uintptr(len(r.mem)) {
			// A corrupt block: give it back rather than read past the ring.
			r.left = 0
			continue
		}
		h := (*unix.Tpacket3Hdr)(unsafe.Pointer(&r.mem[off]))
		r.left--
		if h.Next_offset != 0 {
			r.next = off + uintptr(h.Next_offset)
		} else {
			r.left = 0
		}
		sa := (*unix.RawSockaddrLinklayer)(unsafe.Pointer(&r.mem[off+sockaddrOffset]))
		if sa.Ifindex != s.ifindex || (s.loopback && sa.Pkttype == unix.PACKET_OUTGOING) {
			continue
		}
		start := off + uintptr(h.Mac)
		end := start + uintptr(h.Snaplen)
		if end > uintptr(len(r.mem)) {
			continue
		}
		data := r.mem[start:end:end]
		ci := gopacket.CaptureInfo{
			Timestamp:      time.Unix(int64(h.Sec), int64(h.Nsec)),
			CaptureLength:  int(h.Snaplen),
			Length:         int(h.Len),
			InterfaceIndex: int(s.ifindex),
		}
		if h.Status&unix.TP_STATUS_VLAN_VALID != 0 && s.link == layers.LinkTypeEthernet && len(data) >= 12 {
			data = r.withTag(data, h)
			ci.CaptureLength += vlanRoom
			ci.Length += vlanRoom
		}
		return data, ci, s.link, nil
	}
}

// withTag copies a frame whose VLAN tag the NIC stripped into r.vlan with
// the tag back between the MAC addresses and the EtherType.
func (r *ring) withTag(data []byte, h *unix.Tpacket3Hdr) []byte {
	tpid := uint16(layers.EthernetTypeDot1Q)
	if h.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && h.Hv1.Vlan_tpid != 0 {
		tpid = h.Hv1.Vlan_tpid
	}
	n := min(len(data), len(r.vlan)-vlanRoom)
	out := r.vlan[:n+vlanRoom]
	copy(out[0:12], data[0:12])
	binary.BigEndian.PutUint16(out[12:14], tpid)
	binary.BigEndian.PutUint16(out[14:16], uint16(h.Hv1.Vlan_tci))
	copy(out[16:], data[12:n])
	return out
}

// close unmaps the ring.
func (r *ring) close() error {
	if r.mem == nil {
		return nil
	}
	err := unix.Munmap(r.mem)
	r.mem = nil
	return err
}
