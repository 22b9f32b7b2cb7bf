package observe

import (
	"bytes"
	"net/netip"
	"unicode/utf8"

	"mimamori/edge/decode"
	"mimamori/edge/wire/wirepb"
)

// maxFingerprints caps the distinct fingerprints one device keeps per
// minute. A host shows one SYN and one SYN+ACK signature and perhaps a
// browser string; a router forwarding for a whole subnet would show one
// per host behind it, and those are not its own anyway.
const maxFingerprints = 6

// maxTextLen caps a kept header value. User-Agent strings of real
// browsers stay well under it; longer ones are cut at a rune boundary.
const maxTextLen = 256

// maxHeaderScan bounds how far into a segment an HTTP header is looked
// for: request and status lines plus the usual headers fit easily.
const maxHeaderScan = 2048

// fingerprint is one kept piece of evidence. The TCP fields mirror
// wirepb.TCPSignature; text keeps its capacity across minutes.
type fingerprint struct {
	kind    wirepb.FingerprintKind
	ip      netip.Addr
	ttl     uint8
	count   uint32
	ipv     uint8
	olen    uint8
	mss     uint16
	win     uint16
	wscale  int16
	layout  [decode.MaxTCPOptions]uint8
	nopts   uint8
	eolPad  uint8
	quirks  uint32
	payload bool
	text    []byte
}

// sameTCP reports whether f holds the signature of p.
func (f *fingerprint) sameTCP(p *decode.Packet, kind wirepb.FingerprintKind) bool {
	o := &p.TCPOpts
	return f.kind == kind && f.ip == p.SrcIP && f.ttl == p.TTL &&
		f.ipv == p.IPVersion && f.olen == p.IPOptLen && f.mss == tcpMSS(o) &&
		f.win == p.TCPWindow && f.wscale == tcpWScale(o) && f.nopts == o.N &&
		f.layout == o.Layout && f.eolPad == o.EOLPad && f.quirks == p.TCPQuirks &&
		f.payload == (len(p.Payload) > 0)
}

func tcpMSS(o *decode.TCPOptions) uint16 {
	if o.HasMSS {
		return o.MSS
	}
	return 0
}

func tcpWScale(o *decode.TCPOptions) int16 {
	if o.HasWScale {
		return int16(o.WScale)
	}
	return -1
}

// slot returns the device's next free fingerprint, or nil (counting the
// drop) when it has maxFingerprints already.
func (d *device) slot() *fingerprint {
	if d.nfps == maxFingerprints {
		d.fpDropped++
		return nil
	}
	f := &d.fps[d.nfps]
	d.nfps++
	text := f.text[:0]
	*f = fingerprint{text: text}
	return f
}

// observeHandshake records the signature of a SYN or SYN+ACK that d sent.
func (d *device) observeHandshake(p *decode.Packet) {
	kind := wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN
	if p.TCPFlags&decode.FlagACK != 0 {
		kind = wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK
	}
	for i := 0; i < d.nfps; i++ {
		if f := &d.fps[i]; f.sameTCP(p, kind) {
			f.count++
			return
		}
	}
	f := d.slot()
	if f == nil {
		return
	}
	o := &p.TCPOpts
	f.kind, f.ip, f.ttl, f.count = kind, p.SrcIP, p.TTL, 1
	f.ipv, f.olen, f.mss, f.win, f.wscale = p.IPVersion, p.IPOptLen, tcpMSS(o), p.TCPWindow, tcpWScale(o)
	f.layout, f.nopts, f.eolPad = o.Layout, o.N, o.EOLPad
	f.quirks, f.payload = p.TCPQuirks, len(p.Payload) > 0
}

// observeText records a header value d sent. value aliases the frame.
func (d *device) observeText(p *decode.Packet, kind wirepb.FingerprintKind, value []byte) {
	value = clipText(value)
	if !printableText(value) {
		return
	}
	for i := 0; i < d.nfps; i++ {
		if f := &d.fps[i]; f.kind == kind && f.ip == p.SrcIP && bytes.Equal(f.text, value) {
			f.count++
			return
		}
	}
	f := d.slot()
	if f == nil {
		return
	}
	f.kind, f.ip, f.ttl, f.count = kind, p.SrcIP, p.TTL, 1
	f.text = append(f.text[:0], value...)
}

// clipText cuts v to maxTextLen bytes without splitting a UTF-8 sequence.
func clipText(v []byte) []byte {
	if len(v) <= maxTextLen {
		return v
	}
	v = v[:maxTextLen]
	for i := 0; i < utf8.UTFMax && len(v) > 0; i++ {
		if r, size := utf8.DecodeLastRune(v); r != utf8.RuneError || size != 1 {
			break
		}
		v = v[:len(v)-1]
	}
	return v
}

// printableText reports whether v can go into a protobuf string and be
// shown: non-empty valid UTF-8 without control characters (tab allowed).
func printableText(v []byte) bool {
	if len(v) == 0 {
		return false
	}
	ascii := true
	for _, c := range v {
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return ascii || utf8.Valid(v)
}

// HTTP methods a request line may start with, as the bytes up to the space.
var httpMethods = [][]byte{
	[]byte("GET "), []byte("POST "), []byte("HEAD "), []byte("PUT "),
	[]byte("OPTIONS "), []byte("DELETE "), []byte("PATCH "), []byte("CONNECT "),
}

var (
	httpVersion  = []byte("HTTP/1.")
	hdrUserAgent = []byte("user-agent")
	hdrServer    = []byte("server")
	ssdpNotify   = []byte("NOTIFY * HTTP/1.")
	ssdpSearch   = []byte("M-SEARCH * HTTP/1.")
)

// observeHTTP reads the User-Agent of a request or the Server header of a
// response from the first segment of an HTTP message that d sent. Only
// the segment at hand is read: the headers of interest sit near the top.
func (d *device) observeHTTP(p *decode.Packet) {
	b := p.Payload
	if len(b) < 16 {
		return
	}
	switch b[0] {
	case 'H':
		if bytes.HasPrefix(b, httpVersion) {
			if v, ok := headerValue(b, hdrServer); ok {
				d.observeText(p, wirepb.FingerprintKind_FINGERPRINT_KIND_HTTP_SERVER, v)
			}
			return
		}
	case 'G', 'P', 'O', 'D', 'C':
	default:
		return
	}
	for _, m := range httpMethods {
		if bytes.HasPrefix(b, m) {
			if v, ok := headerValue(b, hdrUserAgent); ok {
				d.observeText(p, wirepb.FingerprintKind_FINGERPRINT_KIND_HTTP_USER_AGENT, v)
			}
			return
		}
	}
}

// observeSSDP reads the SERVER header of NOTIFY messages and search
// responses, and the USER-AGENT of searches (UPnP 1.1 asks for one).
func (d *device) observeSSDP(p *decode.Packet) {
	b := p.Payload
	switch {
	case bytes.HasPrefix(b, ssdpNotify), bytes.HasPrefix(b, httpVersion):
		if v, ok := headerValue(b, hdrServer); ok {
			d.observeText(p, wirepb.FingerprintKind_FINGERPRINT_KIND_SSDP_SERVER, v)
		}
	case bytes.HasPrefix(b, ssdpSearch):
		if v, ok := headerValue(b, hdrUserAgent); ok {
			d.observeText(p, wirepb.FingerprintKind_FINGERPRINT_KIND_SSDP_USER_AGENT, v)
		}
	}
}

// headerValue finds the header named name (lower case) among the header
// lines of an HTTP-style message and returns its value, trimmed. The
// search stops at the blank line ending the headers or after
// maxHeaderScan bytes.
func headerValue(msg, name []byte) ([]byte, bool) {
	if len(msg) > maxHeaderScan {
		msg = msg[:maxHeaderScan]
	}
	// Skip the request or status line.
	i := bytes.IndexByte(msg, '\n')
	for i >= 0 && i+1 < len(msg) {
		line := msg[i+1:]
		end := bytes.IndexByte(line, '\n')
		if end < 0 {
			end = len(line) // a header cut by the segment end is still read
		}
		l := bytes.TrimRight(line[:end], "\r")
		if len(l) == 0 {
			return nil, false // end of headers
		}
		if len(l) > len(name) && l[len(name)] == ':' && equalFoldASCII(l[:len(name)], name) {
			return bytes.Trim(l[len(name)+1:], " \t"), true
		}
		if end == len(line) {
			return nil, false
		}
		i += 1 + end
	}
	return nil, false
}

// equalFoldASCII compares b with the lower-case ASCII lower.
func equalFoldASCII(b, lower []byte) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if lowerASCII(c) != lower[i] {
			return false
		}
	}
	return true
}

// wire converts f; the result shares nothing with f.
func (f *fingerprint) wire() *wirepb.Fingerprint {
	w := &wirepb.Fingerprint{Kind: f.kind, Ip: f.ip.AsSlice(), Ttl: uint32(f.ttl), Count: f.count}
	switch f.kind {
	case wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN, wirepb.FingerprintKind_FINGERPRINT_KIND_TCP_SYN_ACK:
		w.Tcp = &wirepb.TCPSignature{
			IpVersion: uint32(f.ipv), IpOptionsLen: uint32(f.olen), Mss: uint32(f.mss),
			Window: uint32(f.win), WindowScale: int32(f.wscale),
			Options: append([]byte(nil), f.layout[:f.nopts]...), EolPadding: uint32(f.eolPad),
			Quirks: f.quirks, Payload: f.payload,
		}
	default:
		w.Text = string(f.text)
	}
	return w
}
