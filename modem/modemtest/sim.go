package modemtest

import (
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Sim is a running simulated modem behind a pseudo-terminal.
type Sim struct {
	link string

	mu     sync.Mutex
	m      *machine
	master *os.File
	slave  *os.File
	stop   chan struct{}
	out    chan chunk
	cmds   []string
	gone   bool
	closed bool
}

type chunk struct {
	data  string
	delay time.Duration
	split bool
}

// Option changes how Start sets the simulator up.
type Option func(*Sim)

// WithLink makes Path a symbolic link at path to the current terminal, the
// way /dev/serial/by-id names a dongle: after Disappear and Reappear the
// terminal is a new one but the link's name stays.
func WithLink(path string) Option { return func(s *Sim) { s.link = path } }

// Start opens a pseudo-terminal and begins playing the script.
func Start(script Script, opts ...Option) (*Sim, error) {
	s := &Sim{m: newMachine(script, time.Now())}
	for _, o := range opts {
		o(s)
	}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

// open creates a fresh terminal pair and its goroutines. s.mu is not held.
func (s *Sim) open() error {
	master, slave, err := pty.Open()
	if err != nil {
		return fmt.Errorf("modemtest: %w", err)
	}
	// Raw from the start: until the serial code opens the port and sets
	// raw mode itself, the line discipline would echo our URCs back to us.
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return fmt.Errorf("modemtest: raw mode: %w", err)
	}
	if s.link != "" {
		_ = os.Remove(s.link)
		if err := os.Symlink(slave.Name(), s.link); err != nil {
			master.Close()
			slave.Close()
			return fmt.Errorf("modemtest: link: %w", err)
		}
	}
	stop := make(chan struct{})
	out := make(chan chunk, 256)
	s.mu.Lock()
	s.master, s.slave, s.stop, s.out, s.gone = master, slave, stop, out, false
	notAT := s.m.s.NotAT
	s.mu.Unlock()
	go s.readLoop(master, out, stop)
	go writeLoop(master, out, stop)
	go s.tickLoop(out, stop, notAT)
	return nil
}

func makeRaw(f *os.File) error {
	t, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, t)
}

// send queues output without ever blocking the simulator: if nobody
// drains the terminal, output is lost, as on a real port nobody reads.
func send(out chan chunk, c chunk) {
	select {
	case out <- c:
	default:
	}
}

func (s *Sim) readLoop(master *os.File, out chan chunk, stop chan struct{}) {
	buf := make([]byte, 256)
	var cmd []byte
	for {
		n, err := master.Read(buf)
		if err != nil {
			return // closed, or no slave side any more
		}
		for _, c := range buf[:n] {
			switch c {
			case '\n':
			case '\r':
				s.command(string(cmd), out)
				cmd = cmd[:0]
			default:
				if len(cmd) < 1024 {
					cmd = append(cmd, c)
				}
			}
		}
		select {
		case <-stop:
			return
		default:
		}
	}
}

func (s *Sim) command(cmd string, out chan chunk) {
	s.mu.Lock()
	m := s.m
	if m.s.NotAT {
		s.mu.Unlock()
		return
	}
	s.cmds = append(s.cmds, cmd)
	echo := m.echo && !m.hung
	resp := m.handle(cmd, time.Now())
	delay, split := m.s.Delay, m.s.Split
	s.mu.Unlock()
	if echo {
		send(out, chunk{data: cmd + "\r", split: split})
	}
	if resp != "" {
		send(out, chunk{data: resp, delay: delay, split: split})
	}
}

func writeLoop(master *os.File, out chan chunk, stop chan struct{}) {
	rng := rand.New(rand.NewSource(1))
	for {
		var c chunk
		select {
		case <-stop:
			return
		case c = <-out:
		}
		if c.delay > 0 {
			select {
			case <-stop:
				return
			case <-time.After(c.delay):
			}
		}
		data := c.data
		for len(data) > 0 {
			n := len(data)
			if c.split {
				n = min(n, 1+rng.Intn(3))
			}
			if _, err := master.Write([]byte(data[:n])); err != nil {
				return
			}
			data = data[n:]
			if c.split {
				time.Sleep(time.Millisecond)
			}
		}
	}
}

func (s *Sim) tickLoop(out chan chunk, stop chan struct{}, notAT bool) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	rng := rand.New(rand.NewSource(2))
	var nextNMEA time.Time
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			if notAT {
				if now.After(nextNMEA) {
					nextNMEA = now.Add(200 * time.Millisecond)
					send(out, chunk{data: nmea(rng)})
				}
				continue
			}
			s.mu.Lock()
			urcs := s.m.tick(now)
			split := s.m.s.Split
			s.mu.Unlock()
			for _, u := range urcs {
				send(out, chunk{data: line(u), split: split})
			}
		}
	}
}

// Path is the device to open: the link if WithLink was given, else the
// terminal's slave side.
func (s *Sim) Path() string {
	if s.link != "" {
		return s.link
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.slave.Name()
}

// Commands returns every command received so far, in order.
func (s *Sim) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

// Count returns how many received commands start with prefix
// (case-insensitively).
func (s *Sim) Count(prefix string) int {
	n := 0
	for _, c := range s.Commands() {
		if strings.HasPrefix(strings.ToUpper(c), strings.ToUpper(prefix)) {
			n++
		}
	}
	return n
}

// Update changes the script while the modem runs: insert a SIM, lose the
// signal, move into coverage.
func (s *Sim) Update(f func(*Script)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(&s.m.s)
	s.m.s = s.m.s.withDefaults()
	if s.m.rssi != s.m.s.RSSI && !s.m.s.LiveSignal {
		s.m.rssi = s.m.s.RSSI
	}
}

// Hung reports whether the modem has stopped answering.
func (s *Sim) Hung() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m.hung
}

// Reset power-cycles the modem: settings, registration and data session
// start over and it announces itself with RDY. A hang is cured for good.
func (s *Sim) Reset() {
	s.mu.Lock()
	s.m.s.HangAfter = 0
	s.m.boot(time.Now())
	out := s.out
	s.mu.Unlock()
	send(out, chunk{data: line("RDY")})
}

// DropData ends the data session from the network's side.
func (s *Sim) DropData() {
	s.mu.Lock()
	u := s.m.dropData()
	out := s.out
	s.mu.Unlock()
	send(out, chunk{data: line(u)})
}

// Disappear unplugs the dongle: the terminal closes (reads on the other
// side fail) and the link, if any, is removed.
func (s *Sim) Disappear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unplug()
}

func (s *Sim) unplug() {
	if s.gone {
		return
	}
	s.gone = true
	close(s.stop)
	s.master.Close()
	s.slave.Close()
	if s.link != "" {
		_ = os.Remove(s.link)
	}
}

// ErrClosed is returned by Reappear after Close.
var ErrClosed = errors.New("modemtest: simulator closed")

// Reappear plugs the dongle back in: a new terminal, a freshly booted
// modem with the same script.
func (s *Sim) Reappear() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.unplug()
	s.m.boot(time.Now())
	s.mu.Unlock()
	return s.open()
}

// Close stops the simulator for good.
func (s *Sim) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.unplug()
}
