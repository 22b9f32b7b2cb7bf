package modem

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakePort answers each written command with whatever respond returns.
type fakePort struct {
	r       *io.PipeReader
	w       *io.PipeWriter
	respond func(cmd string) string
	block   chan struct{} // non-nil: writes wait for it

	mu      sync.Mutex
	written []string
}

func newFakePort(respond func(string) string) *fakePort {
	r, w := io.Pipe()
	return &fakePort{r: r, w: w, respond: respond}
}

func (p *fakePort) Read(b []byte) (int, error) { return p.r.Read(b) }

func (p *fakePort) Write(b []byte) (int, error) {
	if p.block != nil {
		<-p.block
	}
	cmd := strings.TrimSuffix(string(b), "\r")
	p.mu.Lock()
	p.written = append(p.written, cmd)
	p.mu.Unlock()
	if out := p.respond(cmd); out != "" {
		go p.w.Write([]byte(out))
	}
	return len(b), nil
}

func (p *fakePort) Close() error {
	p.w.Close()
	return p.r.Close()
}

// hangUp makes reads fail the way an unplugged USB serial port does:
// immediate end of file, forever.
func (p *fakePort) hangUp() { p.w.Close() }

func TestConnExec(t *testing.T) {
	answers := map[string]string{
		"AT+CSQ":   "AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n",
		"AT+CPIN?": "\r\n+CME ERROR: 10\r\n",
		"AT+CREG?": "\r\n+CEREG: 1\r\n+CREG: 2,1\r\n\r\n^RSSI: 17\r\nOK\r\n",
		"AT+CGMI":  "\r\nQuec",
		"AT+SLOW":  "",
		"AT+X":     "\r\nERROR\r\n",
	}
	p := newFakePort(func(cmd string) string { return answers[cmd] })
	c := NewConn(p, 0)
	defer c.Close()
	ctx := context.Background()

	var urcs []string
	onURC := func(u URC) { urcs = append(urcs, u.Line) }

	r, err := c.Exec(ctx, "AT+CSQ", time.Second, onURC)
	if err != nil || !reflect.DeepEqual(r.Lines, []string{"+CSQ: 20,99"}) {
		t.Fatalf("AT+CSQ = %q, %v", r.Lines, err)
	}

	_, err = c.Exec(ctx, "AT+CPIN?", time.Second, onURC)
	var cme *CMEError
	if !errors.As(err, &cme) || cme.Code != 10 || !errors.Is(err, ErrCommandFailed) {
		t.Fatalf("AT+CPIN? error = %v, want +CME ERROR 10", err)
	}

	r, err = c.Exec(ctx, "AT+CREG?", time.Second, onURC)
	if err != nil || !reflect.DeepEqual(r.Lines, []string{"+CREG: 2,1"}) {
		t.Fatalf("AT+CREG? = %q, %v", r.Lines, err)
	}
	if want := []string{"+CEREG: 1", "^RSSI: 17"}; !reflect.DeepEqual(urcs, want) {
		t.Errorf("URCs = %q, want %q", urcs, want)
	}

	_, err = c.Exec(ctx, "AT+X", time.Second, nil)
	if !errors.Is(err, ErrCommandFailed) {
		t.Errorf("ERROR gave %v", err)
	}

	_, err = c.Exec(ctx, "AT+SLOW", 50*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("no answer gave %v, want ErrTimeout", err)
	}
	// A partial line and no final result is a timeout too, with the
	// partial answer in the error for the log.
	_, err = c.Exec(ctx, "AT+CGMI", 50*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Errorf("partial answer gave %v, want ErrTimeout", err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Exec(cctx, "AT+SLOW", time.Second, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context gave %v", err)
	}
}

func TestConnDeliversStrayLinesAsURCs(t *testing.T) {
	p := newFakePort(func(string) string { return "\r\nOK\r\n" })
	c := NewConn(p, 0)
	defer c.Close()
	go p.w.Write([]byte("\r\n+CEREG: 5\r\nRDY\r\n"))
	var got []URCKind
	deadline := time.After(2 * time.Second)
	for len(got) < 2 {
		select {
		case l := <-c.Lines():
			got = append(got, ParseURC(l).Kind)
		case <-deadline:
			t.Fatalf("got %v before the deadline", got)
		}
	}
	if !reflect.DeepEqual(got, []URCKind{URCRegistration, URCBooted}) {
		t.Errorf("kinds = %v", got)
	}
}

func TestConnWriteThatNeverCompletes(t *testing.T) {
	p := newFakePort(func(string) string { return "\r\nOK\r\n" })
	p.block = make(chan struct{})
	c := NewConn(p, 0)
	defer func() {
		close(p.block)
		c.Close()
	}()
	_, err := c.Exec(context.Background(), "AT", 50*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("blocked write gave %v, want ErrTimeout", err)
	}
	// The writer is still stuck; the next command must not wait on it.
	_, err = c.Exec(context.Background(), "AT", 50*time.Millisecond, nil)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("second command gave %v, want ErrTimeout", err)
	}
}

func TestConnHangUp(t *testing.T) {
	p := newFakePort(func(string) string { return "" })
	c := NewConn(p, 0)
	defer c.Close()
	p.hangUp()
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a hung-up port was not noticed")
	}
	if !errors.Is(c.Err(), ErrPortGone) {
		t.Errorf("Err = %v, want ErrPortGone", c.Err())
	}
	if _, err := c.Exec(context.Background(), "AT", time.Second, nil); !errors.Is(err, ErrPortGone) {
		t.Errorf("Exec after hang-up = %v, want ErrPortGone", err)
	}
}

func TestConnClose(t *testing.T) {
	p := newFakePort(func(string) string { return "" })
	c := NewConn(p, 0)
	c.Close()
	c.Close() // idempotent
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("reader did not stop after Close")
	}
	if _, err := c.Exec(context.Background(), "AT", time.Second, nil); err == nil {
		t.Error("Exec on a closed connection succeeded")
	}
}
