package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"mimamori/cloud"
)

func runCloud(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("cloud", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON configuration file (see docs/DEPLOY.md)")
	brokerURL := fs.String("broker", "", "use this external MQTT broker (tcp://host:port, or ssl://host:port for TLS) instead of the embedded one")
	logLevel := fs.String("log", "info", "log level: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *configPath == "" {
		return fmt.Errorf("cloud: --config is required")
	}
	load := func() (cloud.Config, error) {
		cfg, err := cloud.LoadConfig(*configPath)
		if err != nil || *brokerURL == "" {
			return cfg, err
		}
		cfg.Broker = *brokerURL
		return cfg, cfg.Validate()
	}
	cfg, err := load()
	if err != nil {
		return err
	}
	// SIGHUP reads the file again and applies its tenants, sensors and
	// users: a sensor is added or removed without a restart. One that
	// comes while the cloud starts is applied once it has.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	logger := newLogger(os.Stderr, *logLevel)
	c, err := cloud.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer c.Close()
	logger.Info("cloud started", "portal", c.PortalURL(), "mqtt", c.MQTTURL())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			cfg, err := load()
			if err == nil {
				err = c.Reload(ctx, cfg)
			}
			if err != nil {
				logger.Error("cloud: configuration not reloaded; the running one is kept", "file", *configPath, "err", err)
				continue
			}
			logger.Info("cloud: configuration reloaded", "file", *configPath)
		}
	}
}
