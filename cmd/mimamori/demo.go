package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"mimamori/cloud"
	"mimamori/edge/capture"
	"mimamori/edge/sensor"
	"mimamori/edge/synth"
	"mimamori/modem"
	"mimamori/modem/modemtest"
)

// The demo's identities. They only ever exist on a loopback-bound demo.
const (
	demoTenant         = "demo"
	demoSensor         = "sensor-1"
	demoSensorPassword = "demo-sensor-secret"
	demoEmail          = "demo@mimamori.example"
	demoPassword       = "mimamori-demo"
)

func demoConfig(dataDir, httpListen, mqttListen string) cloud.Config {
	return cloud.Config{
		DataDir:    filepath.Join(dataDir, "cloud"),
		MQTTListen: mqttListen,
		HTTPListen: httpListen,
		Tenants: []cloud.Tenant{{
			ID:   demoTenant,
			Name: "デモ工場",
			Sensors: []cloud.Sensor{{
				ID: demoSensor, DisplayName: "第1工場 ミラーポート", Password: demoSensorPassword,
			}},
			Users: []cloud.User{{Email: demoEmail, Name: "デモ管理者", Password: demoPassword, Admin: true}},
		}},
	}
}

func runDemo(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	data := fs.String("data", "var/demo", "directory for the demo's database and spool")
	httpListen := fs.String("http", "127.0.0.1:8080", "portal address")
	mqttListen := fs.String("mqtt", "127.0.0.1:1883", "embedded MQTT broker address")
	speed := fs.Float64("speed", 1, "traffic speed: 1 is real time, 10 plays ten minutes per minute")
	seed := fs.Int64("seed", 1, "traffic generator seed")
	statusListen := fs.String("status", "127.0.0.1:8081", "the sensor's local status page address")
	logLevel := fs.String("log", "warn", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *speed <= 0 {
		return fmt.Errorf("demo: --speed must be positive")
	}
	logger := newLogger(os.Stderr, *logLevel)
	c, err := cloud.Start(ctx, demoConfig(*data, *httpListen, *mqttListen), logger)
	if err != nil {
		return err
	}
	defer c.Close()

	// A simulated LTE dongle on a pseudo-terminal, driven by the real modem
	// manager over serial; its signal wanders so the status page is live.
	sim, err := modemtest.Start(modemtest.Script{Dialect: "huawei", LiveSignal: true, Seed: *seed})
	if err != nil {
		return err
	}
	defer sim.Close()

	var last time.Time
	sensors, err := c.Store.Sensors(ctx, demoTenant)
	if err != nil {
		return err
	}
	for _, st := range sensors {
		if st.ID == demoSensor {
			last = st.LastMinute
		}
	}
	now := time.Now()
	start, anchor := demoStart(now, last), now.Add(-2*time.Minute).Truncate(time.Minute)
	s, err := sensor.Start(ctx, sensor.Config{
		Tenant: demoTenant, ID: demoSensor, DataDir: filepath.Join(*data, "sensor"),
		Broker: c.MQTTURL(), Password: demoSensorPassword, Heartbeat: true, Logger: logger,
		Sources: []sensor.Source{{Name: "factory-sim", Open: func() (capture.Source, error) {
			gen := synth.New(synth.Config{Seed: *seed, Start: start, Factory: synth.DemoFactory(3)})
			return synth.NewSource(gen, synth.Pacing{Speed: *speed, Anchor: anchor}), nil
		}}},
		Modem: &modem.Config{Device: sim.Path(), APN: modem.APN{Name: "mimamori.demo"}},
		// The demo's "LTE" traffic is its MQTT to the local cloud.
		ModemInterface: "lo",
		StatusListen:   *statusListen,
	})
	if err != nil {
		return err
	}
	defer s.Stop()

	fmt.Printf(`
  見守り Mimamori demo is running.

  Portal:    http://%s/
  Login:     %s
  Password:  %s
  Status:    http://%s/   (the sensor's own page, with a simulated LTE dongle)

  A sensor is replaying a synthetic factory (PLCs, HMIs, SCADA, engineering
  workstation) into the cloud over MQTT; devices appear within a minute.
  Press Ctrl-C to stop. Data is kept in %s.

`, c.HTTPAddr(), demoEmail, demoPassword, *statusListen, *data)
	<-ctx.Done()
	return nil
}

// demoStart is when the demo's traffic begins: two minutes in the past, so
// that the generator catches up at full speed, the first minutes are
// sealed and devices are on the portal within seconds; but on kept data
// after the last minute the cloud has (lastMinute), which a faster
// --speed puts ahead of the clock, so that a restarted demo adds new
// minutes instead of counting the same ones again. The margin covers the
// minutes the previous run sealed as it stopped, still in its spool. The
// pacing stays anchored two minutes in the past either way.
func demoStart(now, lastMinute time.Time) time.Time {
	start := now.Add(-2 * time.Minute).Truncate(time.Minute)
	if next := lastMinute.Truncate(time.Minute).Add(2 * time.Minute); next.After(start) {
		start = next
	}
	return start
}
