package status

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

func TestPatternFor(t *testing.T) {
	tests := map[Verdict]Pattern{
		OK:      {Color: Green},
		Info:    {Color: Green},
		Pending: {Color: Green, Blink: true},
		Warn:    {Color: Amber},
		Fault:   {Color: Red},
	}
	for v, want := range tests {
		if got := PatternFor(v); got != want {
			t.Errorf("PatternFor(%s) = %+v, want %+v", v, got, want)
		}
	}
	// Every pattern the sensor can show is explained on the page.
	legend := map[Pattern]bool{}
	for _, it := range Legend() {
		legend[it.Pattern] = true
		if it.Meaning.JA == "" || it.Meaning.EN == "" {
			t.Errorf("legend %+v lacks a language", it.Pattern)
		}
	}
	for v, p := range tests {
		if !legend[p] {
			t.Errorf("pattern %+v for %s is not in the legend", p, v)
		}
	}
	if !legend[Pattern{Color: Off}] {
		t.Error("the legend does not explain a dark LED")
	}
}

func TestDriveFollowsTheVerdictAndGoesDarkOnStop(t *testing.T) {
	var phase atomic.Int32
	source := func() Snapshot {
		s := healthy()
		switch phase.Load() {
		case 0:
			s.Captures[0].Packets = 0 // amber
		case 1:
			s.Modem.State, s.Modem.Reason, s.Modem.SIM = "no_sim", "sim_absent", "absent" // red
		}
		return s
	}
	rec := &Recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); Drive(ctx, rec, source, Options{}, 5*time.Millisecond, nil) }()
	wait := func(p Pattern) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for rec.Current() != p {
			if time.Now().After(deadline) {
				t.Fatalf("LED %+v, want %+v", rec.Current(), p)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	wait(Pattern{Color: Amber})
	phase.Store(1)
	wait(Pattern{Color: Red})
	phase.Store(2)
	wait(Pattern{Color: Green})
	cancel()
	<-done
	want := []Pattern{{Color: Amber}, {Color: Red}, {Color: Green}, {Color: Off}}
	if got := rec.History(); !reflect.DeepEqual(got, want) {
		t.Errorf("history %+v, want %+v", got, want)
	}
}

func TestPatternNames(t *testing.T) {
	for p, want := range map[Pattern]Text{
		{Color: Green}:              tx("緑 点灯", "solid green"),
		{Color: Green, Blink: true}: tx("緑 点滅", "blinking green"),
		{Color: Amber}:              tx("橙 点灯", "solid amber"),
		{Color: Red}:                tx("赤 点灯", "solid red"),
		{Color: Off}:                tx("消灯", "off"),
	} {
		if got := p.Name(); got != want {
			t.Errorf("%+v.Name() = %+v", p, got)
		}
	}
}
