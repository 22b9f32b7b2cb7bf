package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mimamori/edge/capture"
	"mimamori/edge/sensor"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runSensor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("sensor", flag.ContinueOnError)
	var ifaces, files multiFlag
	tenant := fs.String("tenant", "", "tenant id this sensor belongs to")
	id := fs.String("id", "", "sensor id")
	data := fs.String("data", "/var/lib/mimamori", "data directory (spool)")
	brokerURL := fs.String("broker", "tcp://127.0.0.1:1883", "cloud MQTT broker URL")
	username := fs.String("username", "", "MQTT username (default: the sensor id)")
	passwordFile := fs.String("password-file", "", "file holding the MQTT password (default: $MIMAMORI_SENSOR_PASSWORD)")
	logLevel := fs.String("log", "info", "log level: debug, info, warn, error")
	fs.Var(&ifaces, "iface", "capture interface (AF_PACKET); repeat for several")
	fs.Var(&files, "pcap", "replay a pcap/pcapng file instead of live capture; repeatable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(ifaces)+len(files) == 0 {
		return fmt.Errorf("sensor: give at least one --iface or --pcap")
	}
	password := os.Getenv("MIMAMORI_SENSOR_PASSWORD")
	if *passwordFile != "" {
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fmt.Errorf("sensor: password: %w", err)
		}
		password = strings.TrimSpace(string(b))
	}
	var sources []sensor.Source
	for _, iface := range ifaces {
		iface := iface
		sources = append(sources, sensor.Source{Name: iface, Open: func() (capture.Source, error) {
			return capture.OpenLive(iface, capture.LiveOptions{})
		}})
	}
	for i, f := range files {
		f := f
		sources = append(sources, sensor.Source{Name: fmt.Sprintf("file%d-%s", i+1, sanitize(filepath.Base(f))), Open: func() (capture.Source, error) {
			return capture.OpenFile(f)
		}})
	}
	logger := newLogger(os.Stderr, *logLevel)
	s, err := sensor.Start(ctx, sensor.Config{
		Tenant: *tenant, ID: *id, DataDir: *data,
		Broker: *brokerURL, Username: *username, Password: password,
		Sources: sources, Heartbeat: len(ifaces) > 0, Logger: logger,
	})
	if err != nil {
		return err
	}
	logger.Info("sensor started", "tenant", *tenant, "id", *id, "sources", len(sources))
	if len(ifaces) == 0 {
		select {
		case <-s.Drained():
			logger.Info("all files replayed; waiting for the upload to finish (Ctrl-C to stop)")
		case <-ctx.Done():
		}
	}
	<-ctx.Done()
	s.Stop()
	return nil
}

// sanitize keeps a file name usable as an actor and source name.
func sanitize(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if len(s) > 48 {
		s = s[:48]
	}
	return s
}
