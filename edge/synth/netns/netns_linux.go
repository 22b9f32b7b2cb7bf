//go:build linux

package netns

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Pair is a network namespace with a veth pair A <-> B inside it, both up,
// with IPv6 disabled so the kernel itself sends nothing on them.
type Pair struct {
	Name string // namespace name, as `ip netns` lists it
	A, B string // the two ends of the veth pair
	ip   string
	ns   *os.File
}

// Available returns nil when namespaces can be made here: running as root
// with ip(8) on the PATH.
func Available() error {
	if os.Geteuid() != 0 {
		return errors.New("netns: needs root to create network namespaces")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return errors.New("netns: needs iproute2's ip command")
	}
	return nil
}

// New creates namespace name with a veth pair a <-> b. On failure nothing
// is left behind.
func New(name, a, b string) (*Pair, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	ip, _ := exec.LookPath("ip")
	p := &Pair{Name: name, A: a, B: b, ip: ip}
	if err := p.run("netns", "add", name); err != nil {
		return nil, err
	}
	err := func() error {
		f, err := os.Open(filepath.Join("/var/run/netns", name))
		if err != nil {
			return fmt.Errorf("netns: open %s: %w", name, err)
		}
		p.ns = f
		if err := p.run("-n", name, "link", "add", a, "type", "veth", "peer", "name", b); err != nil {
			return err
		}
		// Without IPv6 the kernel sends no router solicitations or MLD
		// reports on the pair, so every frame seen was sent on purpose.
		if err := p.Do(func() error {
			for _, dev := range []string{"all", "default", a, b} {
				path := filepath.Join("/proc/sys/net/ipv6/conf", dev, "disable_ipv6")
				if err := os.WriteFile(path, []byte("1"), 0); err != nil && !errors.Is(err, os.ErrNotExist) {
					return fmt.Errorf("netns: %s: %w", path, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		for _, dev := range []string{a, b} {
			if err := p.run("-n", name, "link", "set", dev, "up"); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

func (p *Pair) run(args ...string) error {
	out, err := exec.Command(p.ip, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netns: ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Do runs fn on an OS thread that has entered the namespace, then returns
// the thread to the namespace it came from. Sockets fn opens stay in the
// pair's namespace.
func (p *Pair) Do(fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: %w", err)
	}
	defer orig.Close()
	if err := unix.Setns(int(p.ns.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("netns: enter %s: %w", p.Name, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread is stuck in the namespace: leave it locked so it
		// exits with this goroutine instead of serving others.
		return fmt.Errorf("netns: leave %s: %w", p.Name, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

// Close deletes the namespace and with it the veth pair. It is safe to
// call more than once.
func (p *Pair) Close() error {
	if p.ns != nil {
		p.ns.Close()
		p.ns = nil
	}
	if p.Name == "" {
		return nil
	}
	err := p.run("netns", "del", p.Name)
	p.Name = ""
	return err
}
