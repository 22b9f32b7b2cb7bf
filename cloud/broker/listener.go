package broker

import (
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"

	"mimamori/cloud/ratelog"
)

// listener is the broker's TCP listener for sensors, in place of mochi's
// own, which waits for a connection's CONNECT packet without a deadline
// and closes only the clients that have logged in: a connection that
// never sends CONNECT (a port scan, a sensor whose LTE link died in the
// handshake) held its goroutine for ever, and Close, which waits for every
// connection's goroutine, with it. This one gives a connection connectWithin
// to send CONNECT (after which mochi's keep-alive deadline takes over),
// closes every connection it accepted when the broker closes, and keeps
// accepting after a transient error such as running out of descriptors.
type listener struct {
	id            string
	ln            net.Listener
	connectWithin time.Duration
	maxConns      int // open connections at most; more are closed at once
	log           *slog.Logger

	// unlogged limits the log of connections that end before logging in,
	// and of those closed for being too many.
	unlogged *ratelog.Limiter

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

var _ listeners.Listener = (*listener)(nil)

func newListener(id string, ln net.Listener, connectWithin time.Duration, maxConns int) *listener {
	return &listener{id: id, ln: ln, connectWithin: connectWithin, maxConns: maxConns, conns: map[net.Conn]struct{}{},
		unlogged: ratelog.New(loginLogEvery, nil)}
}

// Init implements listeners.Listener; the socket is already bound.
func (l *listener) Init(log *slog.Logger) error {
	l.log = log
	return nil
}

// ID implements listeners.Listener.
func (l *listener) ID() string { return l.id }

// Address implements listeners.Listener.
func (l *listener) Address() string { return l.ln.Addr().String() }

// Protocol implements listeners.Listener.
func (l *listener) Protocol() string { return "tcp" }

// Serve implements listeners.Listener: it accepts until Close.
func (l *listener) Serve(establish listeners.EstablishFn) {
	var backoff time.Duration
	for {
		conn, err := l.ln.Accept()
		if err != nil {
			if l.isClosed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors, say: wait a little and go on, as
			// net/http does, rather than stop listening for good.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			if backoff == 5*time.Millisecond {
				l.log.Warn("broker: accept failed; retrying", "err", err)
			}
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		tracked, full := l.track(conn)
		if full {
			// A flood of connections (every one costs a goroutine and,
			// with TLS, a handshake) must not starve the sensors logged in.
			conn.Close()
			if ok, n := l.unlogged.Allow("full"); ok {
				l.log.Warn("broker: too many connections; new ones are closed", "max", l.maxConns, "remote", conn.RemoteAddr().String(),
					"closed_since_last_logged", n, "next_log_after", loginLogEvery)
			}
			continue
		}
		if !tracked {
			conn.Close()
			return
		}
		// mochi sets the keep-alive deadline once CONNECT is read.
		conn.SetDeadline(time.Now().Add(l.connectWithin))
		go func() {
			defer l.untrack(conn)
			err := establish(l.id, &connectGuard{Conn: conn})
			switch {
			case err == nil:
			case strings.HasPrefix(err.Error(), "read connection: "):
				// Never sent a login: on a port open to the Internet,
				// mostly scanners, so said once per loginLogEvery.
				if ok, n := l.unlogged.Allow(""); ok {
					l.log.Info("broker: connection closed before logging in", "error", err, "remote", conn.RemoteAddr().String(),
						"closed_since_last_logged", n, "next_log_after", loginLogEvery)
				}
			default:
				l.log.Warn("", "error", err, "remote", conn.RemoteAddr().String()) // reshaped by mochiHandler
			}
		}()
	}
}

// Close implements listeners.Listener: the clients mochi knows are sent
// DISCONNECT (closeClients), then the socket and every connection still
// open are closed, so that none keeps the broker's Close waiting.
func (l *listener) Close(closeClients listeners.CloseFn) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	// A client that does not read its DISCONNECT must not hold Close.
	for c := range l.conns {
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
	}
	l.mu.Unlock()
	closeClients(l.id)
	l.ln.Close()
	l.mu.Lock()
	for c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
}

func (l *listener) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// track records an accepted connection, unless the listener is closed
// or has maxConns open (full).
func (l *listener) track(c net.Conn) (tracked, full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false, false
	}
	if len(l.conns) >= l.maxConns {
		return false, true
	}
	l.conns[c] = struct{}{}
	return true, false
}

func (l *listener) untrack(c net.Conn) {
	c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}

// maxConnectPacket bounds a connection's first packet, its CONNECT: a
// client id, a user name and a password take far less. mochi allocates
// whatever length a packet's header announces before reading it, so
// without this bound one unauthenticated connection could make the cloud
// allocate the largest packet it takes for a sensor's batch.
const maxConnectPacket = 64 << 10

// errNotConnect is why a connection whose first packet is not a CONNECT of
// at most maxConnectPacket bytes is closed.
var errNotConnect = errors.New("broker: the first packet is not a CONNECT of at most 64 KiB")

// connectGuard is a connection whose first packet's fixed header is
// checked, as it is read, before mochi sees it.
type connectGuard struct {
	net.Conn
	hdr  [5]byte // the first packet's fixed header so far
	n    int
	done bool
}

// Unwrap is the connection guarded (tlsconf.PeerName).
func (c *connectGuard) Unwrap() net.Conn { return c.Conn }

func (c *connectGuard) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.done || n == 0 {
		return n, err
	}
	for _, b := range p[:n] {
		if c.n == len(c.hdr) {
			break
		}
		c.hdr[c.n] = b
		c.n++
		ok, complete := connectHeader(c.hdr[:c.n])
		if !ok {
			return 0, errNotConnect
		}
		if complete {
			c.done = true
			break
		}
	}
	return n, err
}

// connectHeader reports whether b, the first bytes of a connection, can
// begin a CONNECT packet of at most maxConnectPacket bytes (ok), and
// whether b holds its whole fixed header (complete): the packet type and
// flags (0x10), then the remaining length in one to four bytes of seven
// bits, least significant first.
func connectHeader(b []byte) (ok, complete bool) {
	if len(b) == 0 {
		return true, false
	}
	if b[0] != 0x10 {
		return false, false
	}
	length, shift := 0, 0
	for i, x := range b[1:] {
		length |= int(x&0x7f) << shift
		shift += 7
		switch {
		case length > maxConnectPacket:
			return false, false
		case x&0x80 == 0:
			return true, true
		case i == 3:
			return false, false // a fifth length byte would follow: malformed
		}
	}
	return true, false
}
