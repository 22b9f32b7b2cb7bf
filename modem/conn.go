package modem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Conn speaks AT over one serial port. The port's blocking reads and
// writes happen in two goroutines the Conn owns, so a command waits on
// channels with a deadline and never on the port itself: a modem that
// stops answering, or a write the driver never completes, costs a
// timeout, not a stuck caller. After Close the goroutines end as soon as
// the port returns from the system call it is in.
type Conn struct {
	port        io.ReadWriteCloser
	readTimeout time.Duration

	lines  chan string
	writes chan writeReq
	done   chan struct{} // closed when the reader has stopped; err is set
	err    error

	closeOnce sync.Once
	closed    chan struct{}
}

type writeReq struct {
	b   []byte
	res chan error
}

// NewConn starts reading port. readTimeout is the port's own read timeout
// (zero if reads block); it tells a quiet line from one that hung up.
func NewConn(port io.ReadWriteCloser, readTimeout time.Duration) *Conn {
	c := &Conn{
		port:        port,
		readTimeout: readTimeout,
		lines:       make(chan string, 64),
		writes:      make(chan writeReq),
		done:        make(chan struct{}),
		closed:      make(chan struct{}),
	}
	go c.readLoop()
	go c.writeLoop()
	return c
}

// hangupReads is how many back-to-back empty reads that return at once
// (rather than after the read timeout) mean the line hung up: a USB
// serial device that vanished returns end-of-file immediately forever.
const hangupReads = 20

func (c *Conn) readLoop() {
	var sp splitter
	buf := make([]byte, 256)
	fastEmpty := 0
	emit := func(l string) {
		select {
		case c.lines <- l:
		case <-c.closed:
		}
	}
	for {
		start := time.Now()
		n, err := c.port.Read(buf)
		if n > 0 {
			fastEmpty = 0
			sp.feed(buf[:n], emit)
		}
		select {
		case <-c.closed:
			c.err = ErrClosed
			close(c.done)
			return
		default:
		}
		if err == nil && n > 0 {
			continue
		}
		if n == 0 && (err == nil || errors.Is(err, io.EOF)) {
			// A serial read timeout reads as EOF; only a burst of
			// immediate ones is a hang-up.
			if time.Since(start) >= c.readTimeout/4 && c.readTimeout > 0 {
				fastEmpty = 0
				continue
			}
			if fastEmpty++; fastEmpty < hangupReads {
				time.Sleep(time.Millisecond)
				continue
			}
			err = errors.New("line hung up")
		}
		c.err = fmt.Errorf("%w: %v", ErrPortGone, err)
		close(c.done)
		return
	}
}

func (c *Conn) writeLoop() {
	for {
		select {
		case <-c.closed:
			return
		case req := <-c.writes:
			_, err := c.port.Write(req.b)
			req.res <- err
		}
	}
}

// Close closes the port. It does not wait for the goroutines: one may be
// inside a system call on a wedged driver, and the caller must not be.
func (c *Conn) Close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.port.Close()
	})
}

// Done is closed when the port failed or was closed; Err says which.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is the reason reading stopped, once Done is closed.
func (c *Conn) Err() error {
	select {
	case <-c.done:
		return c.err
	default:
		return nil
	}
}

// Lines delivers lines that arrived while no command was running. The
// owner reads them (through Unsolicited) to keep up with URCs.
func (c *Conn) Lines() <-chan string { return c.lines }

// Exec sends one command and collects its response until a final result
// code or the timeout. Unsolicited codes that arrive meanwhile, and lines
// that were waiting from before, are handed to urc (which may be nil).
func (c *Conn) Exec(ctx context.Context, cmd string, timeout time.Duration, urc func(URC)) (Response, error) {
	if urc == nil {
		urc = func(URC) {}
	}
	c.Unsolicited(urc)
	resp := Response{Command: cmd}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	req := writeReq{b: []byte(cmd + "\r"), res: make(chan error, 1)}
	select {
	case c.writes <- req:
	case <-deadline.C:
		return resp, fmt.Errorf("%w: %s: the port does not accept writes", ErrTimeout, cmd)
	case <-ctx.Done():
		return resp, ctx.Err()
	case <-c.done:
		return resp, c.err
	}
	select {
	case err := <-req.res:
		if err != nil {
			return resp, fmt.Errorf("%w: write %s: %v", ErrPortGone, cmd, err)
		}
	case <-deadline.C:
		return resp, fmt.Errorf("%w: %s: write did not complete", ErrTimeout, cmd)
	case <-ctx.Done():
		return resp, ctx.Err()
	}
	col := collector{cmd: cmd, prefix: responsePrefix(cmd), urc: urc}
	for {
		select {
		case line := <-c.lines:
			if done, err := col.feed(line); done {
				return col.resp, err
			}
		case <-deadline.C:
			if len(col.resp.Lines) == 0 {
				return col.resp, fmt.Errorf("%w: %s: nothing within %s", ErrTimeout, cmd, timeout)
			}
			return col.resp, fmt.Errorf("%w: %s: no final result within %s after %q", ErrTimeout, cmd, timeout, col.resp.Lines)
		case <-ctx.Done():
			return col.resp, ctx.Err()
		case <-c.done:
			// Lines read before the failure still count.
			for {
				select {
				case line := <-c.lines:
					if done, err := col.feed(line); done {
						return col.resp, err
					}
				default:
					return col.resp, c.err
				}
			}
		}
	}
}

// Unsolicited hands every line waiting in the buffer to urc, without
// blocking.
func (c *Conn) Unsolicited(urc func(URC)) {
	for {
		select {
		case line := <-c.lines:
			urc(ParseURC(line))
		default:
			return
		}
	}
}

// collector assembles one command's response from lines.
type collector struct {
	cmd    string
	prefix string
	urc    func(URC)
	resp   Response
}

// maxResponseLines bounds a response; a modem that streams lines without
// a final result runs into the timeout instead of into memory.
const maxResponseLines = 64

// feed takes one line and reports whether the response is complete, with
// the failure the final result code carries.
func (c *collector) feed(line string) (bool, error) {
	if c.resp.Command == "" {
		c.resp.Command = c.cmd
	}
	if strings.EqualFold(line, c.cmd) {
		return false, nil // the modem's echo (ATE1, or before ATE0 took effect)
	}
	if final, err := finalResult(line); final {
		if err != nil {
			return true, fmt.Errorf("%s: %w", c.cmd, err)
		}
		return true, nil
	}
	if looksUnsolicited(line, c.prefix) {
		c.urc(ParseURC(line))
		return false, nil
	}
	if len(c.resp.Lines) < maxResponseLines {
		c.resp.Lines = append(c.resp.Lines, line)
	}
	return false, nil
}
