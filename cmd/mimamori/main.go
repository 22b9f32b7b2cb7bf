package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"mimamori/firmware"
)

const usage = `mimamori — passive OT network security monitoring

Usage:
  mimamori demo     [flags]          cloud + sensor on synthetic factory traffic, portal on localhost
  mimamori sensor   [flags]          capture, seal per-minute batches, upload over MQTT
  mimamori cloud    --config FILE    broker, ingest, store and portal
  mimamori analyze  FILE...          offline: pcap/pcapng in, JSON Lines out (docs/ANALYZE.md)
  mimamori simulate --out FILE       synthetic factory traffic with labelled attacks (docs/SIMULATOR.md)
  mimamori certs    ca|broker|sensor a private CA and certificates for the sensors' TLS link (docs/DEPLOY.md)
  mimamori version                   print the version

Run "mimamori COMMAND -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, args)
	case "sensor":
		err = runSensor(ctx, args)
	case "cloud":
		err = runCloud(ctx, args)
	case "analyze":
		err = runAnalyze(ctx, args, os.Stdout)
	case "simulate":
		err = runSimulate(ctx, args)
	case "certs":
		err = runCerts(args, os.Stdout)
	case "version", "--version", "-v":
		fmt.Println("mimamori", firmware.Version)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "mimamori: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "mimamori:", err)
		os.Exit(1)
	}
}

// newLogger logs text to stderr at the given level ("debug", "info", "warn", "error").
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
