package broker

import (
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/listeners"
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
	log           *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

var _ listeners.Listener = (*listener)(nil)

func newListener(id string, ln net.Listener, connectWithin time.Duration) *listener {
	return &listener{id: id, ln: ln, connectWithin: connectWithin, conns: map[net.Conn]struct{}{}}
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
		if !l.track(conn) {
			conn.Close()
			return
		}
		// mochi sets the keep-alive deadline once CONNECT is read.
		conn.SetDeadline(time.Now().Add(l.connectWithin))
		go func() {
			defer l.untrack(conn)
			if err := establish(l.id, conn); err != nil {
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

// track records an accepted connection, unless the listener is closed.
func (l *listener) track(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.conns[c] = struct{}{}
	return true
}

func (l *listener) untrack(c net.Conn) {
	c.Close()
	l.mu.Lock()
	delete(l.conns, c)
	l.mu.Unlock()
}
