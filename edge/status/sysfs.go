package status

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SysfsConfig names the LEDs under the Linux LED class directory.
type SysfsConfig struct {
	// Root is the LED class directory (default /sys/class/leds).
	Root string
	// Green and Red are LED names, such as "mimamori:green:status". Amber
	// is optional: without one, amber is green and red lit together,
	// which is what a bicolor LED shows.
	Green, Red, Amber string
	// BlinkOn and BlinkOff time a blink (default 500 ms each).
	BlinkOn, BlinkOff time.Duration
}

// ErrNoLED: a configured LED does not exist under the root.
var ErrNoLED = errors.New("status: LED not found")

// Sysfs drives LEDs through /sys/class/leds/<name>/{trigger,brightness}.
// Blinking uses the kernel's "timer" trigger (delay_on, delay_off), so it
// continues even if the sensor is busy; where an LED lacks that trigger
// Sysfs blinks it itself.
type Sysfs struct {
	cfg  SysfsConfig
	leds map[Color]*sysLED // green, red, amber (when configured)

	mu    sync.Mutex
	last  *Pattern
	stop  chan struct{} // software blinking, when running
	blink sync.WaitGroup
}

type sysLED struct {
	dir   string
	max   int
	timer bool // has the timer trigger
}

// NewSysfs checks that the LEDs exist and reads their capabilities.
func NewSysfs(cfg SysfsConfig) (*Sysfs, error) {
	if cfg.Root == "" {
		cfg.Root = "/sys/class/leds"
	}
	if cfg.BlinkOn <= 0 {
		cfg.BlinkOn = 500 * time.Millisecond
	}
	if cfg.BlinkOff <= 0 {
		cfg.BlinkOff = 500 * time.Millisecond
	}
	s := &Sysfs{cfg: cfg, leds: map[Color]*sysLED{}}
	for color, name := range map[Color]string{Green: cfg.Green, Red: cfg.Red, Amber: cfg.Amber} {
		if name == "" {
			if color == Amber {
				continue
			}
			return nil, fmt.Errorf("%w: no %s LED configured", ErrNoLED, color)
		}
		if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
			return nil, fmt.Errorf("%w: bad LED name %q", ErrNoLED, name)
		}
		l, err := openLED(filepath.Join(cfg.Root, name))
		if err != nil {
			return nil, err
		}
		s.leds[color] = l
	}
	return s, nil
}

func openLED(dir string) (*sysLED, error) {
	if _, err := os.Stat(filepath.Join(dir, "brightness")); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoLED, dir, err)
	}
	l := &sysLED{dir: dir, max: 1}
	if b, err := os.ReadFile(filepath.Join(dir, "max_brightness")); err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n > 0 {
			l.max = n
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "trigger")); err == nil {
		triggers, _ := parseTriggers(string(b))
		for _, t := range triggers {
			if t == "timer" {
				l.timer = true
			}
		}
	}
	return l, nil
}

// parseTriggers reads a trigger file: the available triggers separated
// by blanks, the active one in brackets ("none [timer] heartbeat").
func parseTriggers(s string) (all []string, active string) {
	for _, f := range strings.Fields(s) {
		if len(f) > 2 && f[0] == '[' && f[len(f)-1] == ']' {
			f = f[1 : len(f)-1]
			active = f
		}
		all = append(all, f)
	}
	return all, active
}

// ledMode is what one physical LED does.
type ledMode int

const (
	modeOff ledMode = iota
	modeOn
	modeBlink
)

// Show sets the LEDs for p; repeating the current pattern does nothing,
// so a blink keeps its rhythm.
func (s *Sysfs) Show(p Pattern) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil && *s.last == p {
		return nil
	}
	s.stopSoftBlink()
	lit := modeOn
	if p.Blink {
		lit = modeBlink
	}
	want := map[Color]ledMode{}
	switch p.Color {
	case Green:
		want[Green] = lit
	case Red:
		want[Red] = lit
	case Amber:
		if s.leds[Amber] != nil {
			want[Amber] = lit
		} else {
			want[Green], want[Red] = lit, lit
		}
	}
	var errs []error
	var soft []*sysLED
	for color, l := range s.leds {
		mode := want[color]
		if mode == modeBlink && !l.timer {
			soft = append(soft, l)
			mode = modeOn
		}
		if err := s.set(l, mode); err != nil {
			errs = append(errs, err)
		}
	}
	if len(soft) > 0 {
		s.startSoftBlink(soft)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.last = &p
	return nil
}

func (s *Sysfs) set(l *sysLED, mode ledMode) error {
	write := func(file, v string) error {
		if err := os.WriteFile(filepath.Join(l.dir, file), []byte(v), 0); err != nil {
			return fmt.Errorf("status: LED %s: %w", filepath.Base(l.dir), err)
		}
		return nil
	}
	switch mode {
	case modeBlink:
		// Setting the timer trigger creates delay_on and delay_off.
		if err := write("trigger", "timer"); err != nil {
			return err
		}
		if err := write("delay_on", strconv.FormatInt(s.cfg.BlinkOn.Milliseconds(), 10)); err != nil {
			return err
		}
		return write("delay_off", strconv.FormatInt(s.cfg.BlinkOff.Milliseconds(), 10))
	case modeOn:
		if err := write("trigger", "none"); err != nil {
			return err
		}
		return write("brightness", strconv.Itoa(l.max))
	}
	if err := write("trigger", "none"); err != nil {
		return err
	}
	return write("brightness", "0")
}

// startSoftBlink toggles LEDs that have no timer trigger. s.mu is held.
func (s *Sysfs) startSoftBlink(leds []*sysLED) {
	stop := make(chan struct{})
	s.stop = stop
	s.blink.Add(1)
	go func() {
		defer s.blink.Done()
		on := true
		for {
			d := s.cfg.BlinkOn
			if !on {
				d = s.cfg.BlinkOff
			}
			select {
			case <-stop:
				return
			case <-time.After(d):
			}
			on = !on
			v := "0"
			for _, l := range leds {
				if on {
					v = strconv.Itoa(l.max)
				}
				_ = os.WriteFile(filepath.Join(l.dir, "brightness"), []byte(v), 0)
			}
		}
	}()
}

func (s *Sysfs) stopSoftBlink() {
	if s.stop != nil {
		close(s.stop)
		s.stop = nil
		s.blink.Wait()
	}
}

// Close stops software blinking; the LEDs keep their last state.
func (s *Sysfs) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopSoftBlink()
}
