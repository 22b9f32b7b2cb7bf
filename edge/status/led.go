package status

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Color is what the status LED shows.
type Color string

const (
	Off   Color = "off"
	Green Color = "green"
	Amber Color = "amber"
	Red   Color = "red"
)

// Pattern is a color, steady or blinking.
type Pattern struct {
	Color Color `json:"color"`
	Blink bool  `json:"blink"`
}

// PatternFor maps the overall verdict to the LED:
//
//	solid green     everything works
//	blinking green  still connecting (LTE, cloud, first minute)
//	solid amber     working, but something needs a look (no mirrored
//	                traffic, weak signal, clock, backlog)
//	solid red       needs action (no SIM, no dongle, link down, ...)
//	off             the sensor software is not running
func PatternFor(v Verdict) Pattern {
	switch v {
	case Fault:
		return Pattern{Color: Red}
	case Warn:
		return Pattern{Color: Amber}
	case Pending:
		return Pattern{Color: Green, Blink: true}
	}
	return Pattern{Color: Green}
}

// Legend explains every pattern, for the page.
func Legend() []struct {
	Pattern Pattern
	Meaning Text
} {
	return []struct {
		Pattern Pattern
		Meaning Text
	}{
		{Pattern{Color: Green}, tx("緑 点灯: すべて正常です。", "Solid green: everything works.")},
		{Pattern{Color: Green, Blink: true}, tx("緑 点滅: 接続中です。点灯に変わるまでお待ちください。", "Blinking green: connecting; wait for solid green.")},
		{Pattern{Color: Amber}, tx("橙 点灯: 動作中ですが確認が必要です（例: ミラーされた通信が届かない）。", "Solid amber: working, but check something (e.g. no mirrored traffic).")},
		{Pattern{Color: Red}, tx("赤 点灯: 対処が必要です（例: SIMなし、ドングルなし、LANケーブル抜け）。", "Solid red: needs action (e.g. no SIM, no dongle, cable out).")},
		{Pattern{Color: Off}, tx("消灯: 電源が入っていないか、ソフトウェアが停止しています。", "Off: no power, or the software is not running.")},
	}
}

// Name says the pattern in words.
func (p Pattern) Name() Text {
	var c Text
	switch p.Color {
	case Green:
		c = tx("緑", "green")
	case Amber:
		c = tx("橙", "amber")
	case Red:
		c = tx("赤", "red")
	default:
		return tx("消灯", "off")
	}
	if p.Blink {
		return tx(c.JA+" 点滅", "blinking "+c.EN)
	}
	return tx(c.JA+" 点灯", "solid "+c.EN)
}

// LEDs shows a pattern. Implementations: Sysfs (Linux LED class) and
// Recorder (tests).
type LEDs interface {
	Show(Pattern) error
}

// Recorder is an LEDs that remembers what it was told to show.
type Recorder struct {
	mu      sync.Mutex
	history []Pattern
}

// Show records p when it differs from the current pattern.
func (r *Recorder) Show(p Pattern) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.history); n == 0 || r.history[n-1] != p {
		r.history = append(r.history, p)
	}
	return nil
}

// Current is the pattern shown now (off before the first Show).
func (r *Recorder) Current() Pattern {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.history) == 0 {
		return Pattern{Color: Off}
	}
	return r.history[len(r.history)-1]
}

// History is every distinct pattern shown, in order.
func (r *Recorder) History() []Pattern {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Pattern(nil), r.history...)
}

// Drive shows the verdict of source on leds every period until ctx ends,
// then turns the LEDs off: a dark LED means the software is not running.
func Drive(ctx context.Context, leds LEDs, source func() Snapshot, opts Options, every time.Duration, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	var lastErr string
	show := func(p Pattern) {
		err := leds.Show(p)
		switch {
		case err != nil && err.Error() != lastErr:
			logger.Warn("status: LED", "err", err)
			lastErr = err.Error()
		case err == nil:
			lastErr = ""
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		show(Evaluate(source(), opts).LED)
		select {
		case <-ctx.Done():
			show(Pattern{Color: Off})
			return
		case <-t.C:
		}
	}
}
